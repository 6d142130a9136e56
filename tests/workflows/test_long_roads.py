"""A party with a long road keeps continuing as new, on the real time-skipping server.

Temporal refuses a new run whose input passes its payload limit (2 MiB), and
the workflow would then answer nothing for ever. A party that pauses and
resumes with the longest comments crosses that within 150 transitions if it
carries its whole state; it must carry a bounded one
(onboarding/domain/parties/carried.py), and its history must replay.
"""

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from onboarding.domain.parties.carried import BYTES_CARRIED, RECORDS_CARRIED
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.embedded.worker import WORKFLOWS
from onboarding.store import queries
from tests.helpers import Harness

# The longest comment a transition takes, in letters UTF-8 spends two bytes on.
LONGEST_COMMENT = "ø" * 4000
PAUSES = 80  # 160 transitions: about 2.6 MiB if the whole state were carried
PAYLOAD_LIMIT = 2 * 1024 * 1024


def start_input_bytes(history: WorkflowHistory) -> int:
    started = history.events[0]
    assert started.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
    [payload] = started.workflow_execution_started_event_attributes.input.payloads
    return len(payload.data)


async def test_a_party_with_long_comments_keeps_continuing_as_new(harness: Harness) -> None:
    async with harness.worker():
        municipality, handle = await harness.start(continue_as_new_after_events=200)
        number = municipality.number
        await harness.move(number, Trigger.SIGN_COLLABORATION)
        await harness.move(number, Trigger.EXERCISE_OPTION)
        first_run = (await handle.describe()).run_id
        for pause in range(PAUSES):
            for trigger in (Trigger.PAUSE, Trigger.RESUME):
                await harness.move(
                    number, trigger, key=f"{trigger.value}-{pause}", comment=LONGEST_COMMENT
                )

        # Still answering, where the last transition left it, every transition in the log.
        state = await harness.state(number)
        transitions = 2 + 2 * PAUSES
        assert (state.stage, state.last_transition.seq if state.last_transition else 0) == (
            Stage.OPTION_EXERCISED,
            transitions,
        )
        assert len(queries.history(harness.engine, number=number)) == transitions
        # A repeat of a recent request gets its first answer.
        again = await harness.move(
            number, Trigger.RESUME, key=f"resume-{PAUSES - 1}", comment=LONGEST_COMMENT
        )
        assert again.last_transition == state.last_transition

        # The run now carries no more than its budget, far under the limit.
        current = await handle.fetch_history()
        assert current.run_id != first_run
        assert start_input_bytes(current) <= BYTES_CARRIED + 20_000 < PAYLOAD_LIMIT

        # Every run it continued from carried a bounded state; the last of them
        # (whose state was largest) replays, marker and all.
        runs = [first_run]
        while runs[-1] != current.run_id:
            history = await harness.client.get_workflow_handle(
                handle.id, run_id=runs[-1]
            ).fetch_history()
            closing = history.events[-1].workflow_execution_continued_as_new_event_attributes
            runs.append(closing.new_execution_run_id)
            assert start_input_bytes(history) <= BYTES_CARRIED + 20_000
        assert len(runs) >= 5
        replayer = Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter)
        await replayer.replay_workflow(history)
        # Carried whole, the records and kept answers alone would not have fitted.
        assert transitions > RECORDS_CARRIED
        assert transitions * 2 * len(LONGEST_COMMENT.encode()) > PAYLOAD_LIMIT
