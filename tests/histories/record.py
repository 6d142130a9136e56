"""Record workflow histories from real runs, for the replay test (tests/workflows/test_replay.py).

    .venv/bin/python -m tests.histories.record              # every path below
    .venv/bin/python -m tests.histories.record waves corrections   # only these

Each path runs on a fresh Temporal time-skipping test server with a real
worker and a SQLite read model in a temporary directory, then writes the
history of each workflow it follows (`WorkflowHistory.to_json()`), one file
per run. Re-record after a deliberate change to the workflows (behind
`workflow.patched(...)` for workflows already running in production: keep the
old files then, and add the new ones beside them); a change that cannot
replay the old files is a change that would break running workflows. Naming
paths records only those, so the files of the others (and of older workflow
versions) stay as they are.

The paths cover every trigger, set_deadline, reminders and escalations
firing, pause moving a deadline, continue-as-new (both the run that continues
and the run it continues into), an idempotent repeat, corrections (amend,
void) and production waves: a wave rescheduled and going live at its instant
with one member ready and one that misses it (escalated), a member moved to
another wave and removed there, a live wave closed, and a wave recorded after
the fact going live on its approve decision, and a mixed wave of a municipality,
its GP office and a hospital (the office asking where its municipality stands,
and missing the go-live with it), beside a specialist that declines: every
kind of party's process. `tests/workflows/test_replay.py` checks
that coverage, so a path that stops exercising what it claims fails too.
"""

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from onboarding.demo.wave_driver import go_live_through_engine
from onboarding.domain.calendar import OSLO, oslo_date
from onboarding.domain.migrations.run import MigrationRunInput
from onboarding.domain.municipality import Municipality
from onboarding.domain.obligations.models import DeadlineCommand
from onboarding.domain.parties.correction_records import CorrectionCommand
from onboarding.domain.parties.process import process_key
from onboarding.domain.party import Party, PartyKind, party_id
from onboarding.domain.process.migration_plan import MigrationPlan
from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.process.reform_plan import (
    NewMunicipality,
    ReformKind,
    ReformPlan,
    StageRule,
)
from onboarding.domain.process.registry import MUNICIPALITY, latest, process_definition
from onboarding.domain.vocabulary import Trigger as T
from onboarding.domain.waves.models import (
    AddMemberCommand,
    ChecklistCommand,
    ChecklistItemsCommand,
    Decision,
    DecisionCommand,
    RemoveMemberCommand,
    RescheduleCommand,
    WaveCreate,
    WaveStatus,
    WaveView,
)
from onboarding.embedded.worker import build_worker
from onboarding.gateway import parties as gateway
from onboarding.gateway import reforms as reform_engine
from onboarding.gateway import waves as wave_engine
from onboarding.store.database import make_engine
from onboarding.store.schema import create_schema
from onboarding.store.tables.parties import AuditEventRow
from tests.helpers import ACTOR, V1, command
from tests.helpers.servers import time_skipping_server
from workflows.migration import MigrationWorkflow
from workflows.names import migration_workflow_id, party_workflow_id, wave_workflow_id

HERE = Path(__file__).parent
# The paths run version 1 of the municipality process, but for these; a path's
# file keeps the version it was recorded on, so every released version replays.
VERSION_OF_PATH = {"main_road_v2": 2}
Step = Callable[["Recorder"], Awaitable[None]]


class Recorder:
    """One path's municipality, moved through the gateway as the API moves it."""

    def __init__(
        self,
        env: WorkflowEnvironment,
        number: str,
        task_queue: str,
        engine: Engine | None = None,
        process: ProcessDefinition = V1,
        party: Party | None = None,
    ) -> None:
        self.env = env
        self.process = process
        self.party = party
        self.client: Client = env.client
        self.number = number
        self.task_queue = task_queue
        self.engine = engine

    @property
    def handle(self) -> WorkflowHandle:  # type: ignore[type-arg]
        return self.client.get_workflow_handle(party_workflow_id(self.number))

    async def start(self, *, continue_as_new_after_events: int = 2_000) -> WorkflowHandle:  # type: ignore[type-arg]
        party = self.party or Municipality(
            number=self.number,
            name=f"Historyby {self.number}",
            county="Trøndelag",
            health_trust="St. Olavs hospital HF",
        )
        return await gateway.start_party(
            self.client,
            party,
            task_queue=self.task_queue,
            continue_as_new_after_events=continue_as_new_after_events,
            process=self.process,
        )

    async def move(
        self, *triggers: T, key: str | None = None, effective_on: date | None = None
    ) -> None:
        for trigger in triggers:
            await gateway.transition(
                self.client, self.number, command(trigger, key=key, effective_on=effective_on)
            )

    async def correct(
        self,
        seq: int,
        *,
        void: bool = False,
        effective_on: date | None = None,
        evidence: dict[str, str] | None = None,
    ) -> None:
        """Correct the transition `seq`, as POST .../corrections does (its event id from SQL)."""
        assert self.engine is not None, "corrections look up the audit event: give an engine"
        with Session(self.engine) as session:
            event = session.exec(
                select(AuditEventRow).where(
                    AuditEventRow.municipality_number == self.number, AuditEventRow.seq == seq
                )
            ).one()
        assert event.id is not None
        await gateway.correct(
            self.client,
            self.number,
            CorrectionCommand(
                event_id=event.id,
                target_seq=seq,
                reason="recorded wrongly",
                void=void,
                effective_on=effective_on,
                evidence=evidence,
                actor=ACTOR,
            ),
        )

    async def go_live(self) -> None:
        """service_agreement_signed -> live: the one place the road's end is walked,
        through a wave of its own recorded after the fact (not part of the history)."""
        await go_live_through_engine(
            self.client,
            self.number,
            wave_id=f"history-{self.number}",
            task_queue=self.task_queue,
            now=await self.env.get_current_time(),
            actor=ACTOR,
            evidence={"source": "history recorder"},
        )

    async def deadline(self, obligation: T, days: int, reason: str) -> None:
        await gateway.set_deadline(
            self.client,
            self.number,
            DeadlineCommand(
                obligation_id=obligation.value,
                # The server's clock, not ours: time has been skipped.
                deadline=oslo_date(await self.env.get_current_time()) + timedelta(days=days),
                reason=reason,
                actor=ACTOR,
            ),
        )

    async def sleep(self, days: int) -> None:
        """Let `days` pass on the test server: due timers fire."""
        await self.env.sleep(timedelta(days=days))


async def main_road(r: Recorder) -> None:
    await r.move(T.SIGN_COLLABORATION, key="sign-once")
    await r.move(T.SIGN_COLLABORATION, key="sign-once")  # a repeat: the first answer
    await r.move(T.EXERCISE_OPTION, T.START_PREPARATION, T.SIGN_SERVICE_AGREEMENT)
    await r.go_live()


async def pause_resume(r: Recorder) -> None:
    await r.move(T.SIGN_COLLABORATION, T.EXERCISE_OPTION, T.PAUSE, T.RESUME)
    await r.move(T.START_PREPARATION, T.PAUSE, T.RESUME, T.SIGN_SERVICE_AGREEMENT)


async def decline(r: Recorder) -> None:
    await r.move(T.SIGN_COLLABORATION, T.DECLINE, T.EXERCISE_OPTION, T.START_PREPARATION)
    await r.move(T.DECLINE)


async def withdraw(r: Recorder) -> None:
    await r.move(T.SIGN_COLLABORATION, T.EXERCISE_OPTION, T.WITHDRAW)


async def resignature(r: Recorder) -> None:
    await r.move(T.SIGN_COLLABORATION, T.REQUIRE_RESIGNATURE)
    await r.sleep(130)  # past the 120-day window: its escalations fire
    await r.move(T.SIGN_COLLABORATION)


async def reminders_and_escalations(r: Recorder) -> None:
    await r.move(T.SIGN_COLLABORATION)
    await r.deadline(T.EXERCISE_OPTION, 70, "the program's option date")
    await r.sleep(15)  # the 60-day reminder
    await r.deadline(T.EXERCISE_OPTION, 100, "moved by the program")
    await r.sleep(140)  # the other reminders and the whole escalation ladder
    await r.move(T.EXERCISE_OPTION)


async def deadline_through_a_pause(r: Recorder) -> None:
    await r.move(T.SIGN_COLLABORATION, T.EXERCISE_OPTION)
    await r.deadline(T.SIGN_SERVICE_AGREEMENT, 90, "the service agreement's date")
    await r.move(T.PAUSE)
    await r.sleep(20)
    await r.move(T.RESUME)  # the deadline moves by the 20 days paused
    await r.move(T.SIGN_SERVICE_AGREEMENT)


async def main_road_v2(r: Recorder) -> None:
    """Version 2's road: the pre-project's call-off agreement, with its obligation's reminders."""
    await r.move(T.SIGN_COLLABORATION, T.EXERCISE_OPTION, T.START_PREPARATION)
    await r.deadline(T.SIGN_CALL_OFF_AGREEMENT, 40, "the call-off date of the wave")
    await r.sleep(15)  # the 30-day reminder
    await r.move(T.PAUSE)
    await r.move(T.RESUME)
    await r.move(T.SIGN_CALL_OFF_AGREEMENT, T.PAUSE, T.RESUME, T.SIGN_SERVICE_AGREEMENT)
    await r.go_live()


PATHS: dict[str, Step] = {
    "main_road": main_road,
    "pause_resume": pause_resume,
    "decline": decline,
    "withdraw": withdraw,
    "resignature": resignature,
    "reminders_and_escalations": reminders_and_escalations,
    "deadline_through_a_pause": deadline_through_a_pause,
    # Last, so the paths before it keep their municipality numbers when re-recorded.
    "main_road_v2": main_road_v2,
}


async def continue_as_new(r: Recorder, out: Path) -> list[Path]:
    """Transitions until the workflow continues as new; both runs are recorded.

    `continue_as_new_whole_state_*.json` are this path recorded before the
    bounded-carry patch (the whole state carried), and
    `continue_as_new_stage_searchable_*.json` (with `main_road_stage_searchable.json`)
    before the stage-out-of-visibility patch: kept, never re-recorded.
    """
    handle = await r.start(continue_as_new_after_events=60)
    first_run = (await handle.describe()).run_id
    await r.move(T.SIGN_COLLABORATION, T.EXERCISE_OPTION)
    for _ in range(40):
        await r.move(T.PAUSE, T.RESUME)
        if (await handle.describe()).run_id != first_run:
            break
    else:
        raise RuntimeError("the workflow never continued as new")
    await r.move(T.START_PREPARATION)
    written = []
    runs = (("continue_as_new_first_run", first_run), ("continue_as_new_next_run", None))
    for name, run_id in runs:
        run = r.client.get_workflow_handle(handle.id, run_id=run_id)
        written.append(await write(run, out / f"{name}.json"))
    return written


async def write(handle: WorkflowHandle, path: Path) -> Path:  # type: ignore[type-arg]
    history = await handle.fetch_history()
    path.write_text(history.to_json() + "\n", encoding="utf-8")
    return path


async def write_and_end(
    runs: Sequence[tuple[WorkflowHandle, str]],  # type: ignore[type-arg]
    out: Path,
) -> list[Path]:
    """Write each workflow's history as `<name>.json` under `out`, then end the workflow."""
    written = []
    for handle, name in runs:
        written.append(await write(handle, out / f"{name}.json"))
        await handle.terminate(reason="recorded")
    return written


class WaveSession:
    """Waves and their members on one worker, moved through the wave engine as the API does."""

    def __init__(self, env: WorkflowEnvironment, engine: Engine, task_queue: str) -> None:
        self.env = env
        self.client: Client = env.client
        self.engine = engine
        self.task_queue = task_queue

    def member(self, number: str) -> Recorder:
        return Recorder(self.env, number, self.task_queue, self.engine)

    async def wave(self, wave_id: str, days_ahead: int) -> "WaveHandle":
        now = await self.env.get_current_time()
        go_live_at = (now + timedelta(days=days_ahead)).astimezone(OSLO)
        go_live_at = go_live_at.replace(hour=22, minute=0, second=0, microsecond=0)
        await wave_engine.create_wave(
            self.client,
            WaveCreate(id=wave_id, name=f"Wave {wave_id}", go_live_at=go_live_at),
            actor=ACTOR,
            task_queue=self.task_queue,
            now=now,
        )
        return WaveHandle(self, wave_id)


class WaveHandle:
    """One wave of a session."""

    def __init__(self, session: WaveSession, wave_id: str) -> None:
        self.session = session
        self.id = wave_id

    @property
    def handle(self) -> WorkflowHandle:  # type: ignore[type-arg]
        return self.session.client.get_workflow_handle(wave_workflow_id(self.id))

    async def add(self, number: str, reason: str | None = None) -> None:
        command = AddMemberCommand(number=number, reason=reason, actor=ACTOR)
        await wave_engine.add_member(self.session.client, self.id, command)

    async def remove(self, number: str, reason: str) -> None:
        command = RemoveMemberCommand(number=number, reason=reason, actor=ACTOR)
        await wave_engine.remove_member(self.session.client, self.id, command)

    async def reschedule(self, days_later: int, reason: str) -> None:
        view = await wave_engine.wave(self.session.client, self.id)
        go_live_at = view.go_live_at + timedelta(days=days_later)
        command = RescheduleCommand(go_live_at=go_live_at, reason=reason, actor=ACTOR)
        await wave_engine.reschedule(self.session.client, self.id, command)

    async def decide(self, decision: Decision) -> WaveView:
        evidence = {"document_ref": "styringsgruppe-referat"}
        command = DecisionCommand(decision=decision, evidence=evidence, actor=ACTOR)
        return await wave_engine.decide(self.session.client, self.id, command)

    async def until(self, status: WaveStatus) -> None:
        for _ in range(200):
            if (await wave_engine.wave(self.session.client, self.id)).status is status:
                return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"wave {self.id} never became {status.value}")


async def check_all(member: Recorder) -> None:
    for item in member.process.checklist:
        await wave_engine.complete_item(
            member.client,
            member.number,
            ChecklistCommand(
                item=item.id.value, evidence={"document_ref": f"{item.id.value}-ok"}, actor=ACTOR
            ),
        )


async def waves(session: WaveSession, out: Path) -> list[Path]:
    """A wave rescheduled once goes live at its instant: the ready member goes live, the
    other misses it (its checklist reminders and escalations fire, the program is told);
    a member moved to a later wave and removed from it there; the live wave closed."""
    first = await session.wave("history-at-instant", 130)
    later = await session.wave("history-later", 300)
    ready, missed, moved = (session.member(n) for n in ("7100", "7101", "7102"))
    for member in (ready, missed, moved):
        await member.start()
        await member.move(T.SIGN_COLLABORATION, T.EXERCISE_OPTION)
        await first.add(member.number)
    await ready.move(T.SIGN_SERVICE_AGREEMENT)
    await check_all(ready)
    await later.add(moved.number, reason="not ready in time: postponed to the later wave")
    await later.remove(moved.number, reason="the council paused the project")
    await first.reschedule(10, "moved by the steering group")
    await ready.move(T.APPROVE_GO_LIVE)
    written = await write_and_end(
        [(moved.handle, "wave_moved_member"), (later.handle, "wave_moved_and_removed")], out
    )
    await session.env.sleep(timedelta(days=145))  # past the go-live instant
    await first.until(WaveStatus.LIVE)
    await first.decide(Decision.CLOSE)
    return written + await write_and_end(
        [
            (first.handle, "wave_at_the_instant"),
            (ready.handle, "wave_at_the_instant_ready_member"),
            (missed.handle, "wave_at_the_instant_missed_member"),
        ],
        out,
    )


async def wave_after_the_fact(session: WaveSession, out: Path) -> list[Path]:
    """A wave recorded after the fact: its approve decision takes the member live."""
    member = session.member("7103")
    await member.start()
    await member.move(T.SIGN_COLLABORATION, T.EXERCISE_OPTION, T.SIGN_SERVICE_AGREEMENT)
    await member.go_live()
    wave = WaveHandle(session, f"history-{member.number}")
    return await write_and_end(
        [(wave.handle, "wave_after_the_fact"), (member.handle, "wave_after_the_fact_member")], out
    )


async def backdated(session: WaveSession, out: Path) -> list[Path]:
    """The demo loader's road (#21): transitions, a wave recorded after the fact with its
    members, a move, checklist items one by one, the approval and the decision, each
    backdated to a day of its own a year and more before the server's now."""
    return await _backdated(session, out, "7104", "backdated", items_at_once=False)


async def backdated_items(session: WaveSession, out: Path) -> list[Path]:
    """The demo loader's road since its checklists go in one request: as `backdated`,
    every checklist item done in one update."""
    return await _backdated(session, out, "7105", "backdated_items", items_at_once=True)


async def _backdated(
    session: WaveSession, out: Path, number: str, name: str, *, items_at_once: bool
) -> list[Path]:
    member = session.member(number)
    await member.start()
    now = await session.env.get_current_time()
    day = oslo_date(now) - timedelta(days=500)

    def at(days: int) -> datetime:
        return datetime.combine(day + timedelta(days=days), time(10), tzinfo=OSLO)

    for offset, trigger in enumerate(
        (T.SIGN_COLLABORATION, T.EXERCISE_OPTION, T.SIGN_SERVICE_AGREEMENT)
    ):
        moment = at(10 * offset)
        recorded = command(trigger, effective_on=moment.date()).model_copy(
            update={"recorded_at": moment}
        )
        await gateway.transition(session.client, member.number, recorded)
    wave_id = f"history-{member.number}"
    go_live_at = at(100).replace(hour=0)
    await wave_engine.create_wave(
        session.client,
        WaveCreate(
            id=wave_id,
            name=f"Wave {wave_id}",
            go_live_at=go_live_at,
            recorded_after_the_fact=True,
            recorded_at=at(25),
        ),
        actor=ACTOR,
        task_queue=session.task_queue,
        now=now,
    )
    wave = WaveHandle(session, wave_id)
    await wave_engine.add_member(
        session.client,
        wave_id,
        AddMemberCommand(number=member.number, actor=ACTOR, recorded_at=at(26)),
    )
    await wave_engine.reschedule(
        session.client,
        wave_id,
        RescheduleCommand(
            go_live_at=at(110).replace(hour=0),
            reason="moved by the steering group",
            actor=ACTOR,
            recorded_at=at(70),
        ),
    )
    done = [
        ChecklistCommand(
            item=item.id.value,
            done_on=at(80).date(),
            evidence={"document_ref": f"{item.id.value}-ok"},
            actor=ACTOR,
            recorded_at=at(80),
        )
        for item in member.process.checklist
    ]
    if items_at_once:
        items = ChecklistItemsCommand(commands=done)
        await wave_engine.complete_items(session.client, member.number, items)
    for one in [] if items_at_once else done:
        await wave_engine.complete_item(session.client, member.number, one)
    approve = command(T.APPROVE_GO_LIVE, effective_on=at(103).date())
    await gateway.transition(
        session.client, member.number, approve.model_copy(update={"recorded_at": at(103)})
    )
    await wave_engine.decide(
        session.client,
        wave_id,
        DecisionCommand(
            decision=Decision.APPROVE,
            evidence={"document_ref": "styringsgruppe-referat"},
            actor=ACTOR,
            recorded_at=at(110),
        ),
    )
    return await write_and_end(
        [(wave.handle, f"{name}_wave"), (member.handle, f"{name}_member")], out
    )


async def corrections(session: WaveSession, out: Path) -> list[Path]:
    """A transition's date amended, its evidence amended, the last one voided."""
    member = session.member("7104")
    await member.start()
    today = oslo_date(await session.env.get_current_time())
    await member.move(T.SIGN_COLLABORATION, effective_on=today - timedelta(days=30))
    await member.move(T.EXERCISE_OPTION, effective_on=today - timedelta(days=10))
    await member.move(T.START_PREPARATION)
    await member.correct(2, effective_on=today - timedelta(days=20))
    await member.correct(2, evidence={"case_ref": "2021/4321"})
    await member.correct(3, void=True)
    return await write_and_end([(member.handle, "corrections")], out)


async def migration(session: WaveSession, out: Path) -> list[Path]:
    """Two version-1 parties moved to version 2 by a migration run, paused and resumed.

    One is preparing with its service agreement's deadline set (cancelled by
    v2, which opens the call-off agreement instead), the other has signed the
    collaboration agreement; the run is paused before it starts and resumed.
    """
    preparing, signed = session.member("7201"), session.member("7202")
    for member in (preparing, signed):
        await member.start()
        await member.move(T.SIGN_COLLABORATION)
    await preparing.move(T.EXERCISE_OPTION)
    await preparing.deadline(T.SIGN_SERVICE_AGREEMENT, 120, "the program's date")
    await preparing.move(T.START_PREPARATION)
    plan = MigrationPlan(id="history-v1-to-v2", to_version=2, reason="the call-off step")
    run = await session.client.start_workflow(
        MigrationWorkflow.run,
        MigrationRunInput(plan=plan, actor=ACTOR, numbers=["7201", "7202"], paused=True),
        id=migration_workflow_id(plan.id),
        task_queue=session.task_queue,
    )
    await run.signal(MigrationWorkflow.pause)
    await run.signal(MigrationWorkflow.resume)
    progress = await run.result()
    assert progress.migrated == 2, progress
    await preparing.move(T.SIGN_CALL_OFF_AGREEMENT)  # the v2 road, after the move
    finished = await write(run, out / "migration_run.json")  # it ended on its own
    return [
        finished,
        *await write_and_end(
            [(preparing.handle, "migration_preparing"), (signed.handle, "migration_signed")], out
        ),
    ]


def other_party(kind: PartyKind, org_number: str, home: str) -> tuple[Party, ProcessDefinition]:
    """A GP office, specialist or hospital of the history paths, and the process it walks."""
    party = Party(
        number=party_id(kind, org_number=org_number),
        name=f"History {kind.value} {org_number}",
        county="Trøndelag",
        health_trust="St. Olavs hospital HF",
        kind=kind,
        org_number=org_number,
        municipality_number=None if kind is PartyKind.HOSPITAL else home,
        specialty="Øyesykdommer" if kind is PartyKind.SPECIALIST else None,
    )
    return party, latest(process_key(kind))


async def mixed_wave(session: WaveSession, out: Path) -> list[Path]:
    """A wave of a municipality, its GP office and a hospital going live at its instant.

    The GP office waits for its municipality: it postpones, reconsiders and
    signs the standard agreement, and its approval asks where the municipality
    stands (approved by then). The municipality's approval is then voided, so
    at the instant the hospital goes live and the municipality misses the
    go-live, and so, naming it, does the office (asked in the second round).
    A specialist is offered the agreement and declines.
    """
    wave = await session.wave("history-mixed", 130)
    home = session.member("7300")
    office_party, office_process = other_party(PartyKind.GP_OFFICE, "910000004", "7300")
    hospital_party, hospital_process = other_party(PartyKind.HOSPITAL, "910000012", "7300")
    specialist_party, specialist_process = other_party(PartyKind.SPECIALIST, "910000020", "7300")
    office, hospital, specialist = (
        Recorder(
            session.env,
            party.number,
            session.task_queue,
            session.engine,
            process=process,
            party=party,
        )
        for party, process in (
            (office_party, office_process),
            (hospital_party, hospital_process),
            (specialist_party, specialist_process),
        )
    )
    for member in (home, office, hospital, specialist):
        await member.start()
    await home.move(T.SIGN_COLLABORATION, T.EXERCISE_OPTION, T.SIGN_SERVICE_AGREEMENT)
    await office.move(
        T.OFFER_STANDARD_AGREEMENT,
        T.POSTPONE_DECISION,
        T.RECONSIDER,
        T.SIGN_STANDARD_AGREEMENT,
        T.START_PREPARATION,
    )
    await hospital.move(T.START_PREPARATION)
    for member in (home, office, hospital):
        await wave.add(member.number)
        await check_all(member)
    await home.move(T.APPROVE_GO_LIVE)
    await office.move(T.APPROVE_GO_LIVE)
    await hospital.move(T.APPROVE_GO_LIVE)
    await home.correct(4, void=True)
    await specialist.move(T.OFFER_STANDARD_AGREEMENT, T.DECLINE)
    await session.env.sleep(timedelta(days=135))  # past the go-live instant
    await wave.until(WaveStatus.LIVE)
    return await write_and_end(
        [
            (wave.handle, "mixed_wave"),
            (home.handle, "mixed_wave_municipality"),
            (office.handle, "mixed_wave_gp_office"),
            (hospital.handle, "mixed_wave_hospital"),
            (specialist.handle, "specialist_declines"),
        ],
        out,
    )


async def reforms(session: WaveSession, out: Path) -> list[Path]:
    """Municipal reforms (#20): a merger, its GP office following, and a renumbering.

    One merged municipality is a wave member with a deadline set (its wave is
    told it left, every timer is cancelled), the other has signed; the new
    municipality lands in their common stage with the deadline it inherits,
    whose reminder then fires. The GP office's home moves to the new
    municipality. Another municipality is renumbered and moves on.
    """
    wave = await session.wave("history-reform", 130)
    merged_member, merged_signed, renumbered = (session.member(n) for n in ("7400", "7401", "7403"))
    office_party, office_process = other_party(PartyKind.GP_OFFICE, "910000055", "7400")
    office = Recorder(
        session.env,
        office_party.number,
        session.task_queue,
        session.engine,
        process=office_process,
        party=office_party,
    )
    for member in (merged_member, merged_signed, renumbered, office):
        await member.start()
    for member in (merged_member, merged_signed, renumbered):
        await member.move(T.SIGN_COLLABORATION)
    await merged_member.move(T.EXERCISE_OPTION)
    await wave.add(merged_member.number)
    await merged_member.deadline(T.SIGN_SERVICE_AGREEMENT, 120, "the program's date")
    await office.move(T.OFFER_STANDARD_AGREEMENT)
    today = oslo_date(await session.env.get_current_time())
    evidence = {"document_ref": "https://data.ssb.no/api/klass/v1/classifications/131/changes"}
    merger = ReformPlan(
        id="history-merger",
        kind=ReformKind.MERGER,
        effective_on=today,
        parties=["7400", "7401"],
        new_municipalities=[NewMunicipality(number="7402", name="History merged")],
        stage_rule=StageRule.MOST_ADVANCED,
        evidence=evidence,
    )
    renumbering = ReformPlan(
        id="history-renumbering",
        kind=ReformKind.RENUMBERING,
        effective_on=today,
        parties=["7403"],
        new_number="7404",
        evidence=evidence,
    )
    for plan in (merger, renumbering):
        prepared = await reform_engine.prepare(session.client, session.engine, plan, ACTOR)
        await reform_engine.apply(
            session.client, session.engine, prepared, task_queue=session.task_queue
        )
    await renumbered.move(T.EXERCISE_OPTION)
    await session.env.sleep(timedelta(days=70))  # the inherited deadline's 60-day reminder
    new = session.member("7402")
    return await write_and_end(
        [
            (wave.handle, "reform_wave"),
            (merged_member.handle, "reform_merged_wave_member"),
            (merged_signed.handle, "reform_merged"),
            (new.handle, "reform_new_municipality"),
            (office.handle, "reform_gp_office_follows"),
            (renumbered.handle, "reform_renumbered"),
        ],
        out,
    )


SessionPath = Callable[[WaveSession, Path], Awaitable[list[Path]]]
SESSIONS: dict[str, SessionPath] = {
    "waves": waves,
    "wave_after_the_fact": wave_after_the_fact,
    "backdated": backdated,
    "backdated_items": backdated_items,
    "corrections": corrections,
    "migration": migration,
    "mixed_wave": mixed_wave,
    "reforms": reforms,
}


async def record(out: Path = HERE, names: Sequence[str] = ()) -> list[Path]:
    """Run the paths named (default: every one) and write their histories under `out`.

    Re-recording a path rewrites its files: keep an old file under a new name
    if it is the only proof that an older workflow version still replays.
    """
    known = [*PATHS, "continue_as_new", *SESSIONS]
    unknown = set(names) - set(known)
    if unknown:
        raise SystemExit(f"unknown paths {sorted(unknown)}; known: {', '.join(known)}")
    chosen = set(names or known)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/onboarding.db")
        create_schema(engine)
        async with time_skipping_server() as env:
            # One at a time: the time-skipping server stalls with many timer workflows.
            for index, (name, path) in enumerate(PATHS.items()):
                if name not in chosen:
                    continue
                process = process_definition(MUNICIPALITY, VERSION_OF_PATH.get(name, 1))
                recorder = Recorder(env, f"{7000 + index}", f"history-{name}", process=process)
                async with build_worker(env.client, engine, task_queue=recorder.task_queue):
                    handle = await recorder.start()
                    await path(recorder)
                    written.append(await write(handle, out / f"{name}.json"))
                    await handle.terminate(reason="recorded")
            if "continue_as_new" in chosen:
                recorder = Recorder(env, "7099", "history-continue-as-new")
                async with build_worker(env.client, engine, task_queue=recorder.task_queue):
                    written += await continue_as_new(recorder, out)
                    await recorder.handle.terminate()
            for name, session_path in SESSIONS.items():
                if name not in chosen:
                    continue
                waves_session = WaveSession(env, engine, f"history-{name}")
                async with build_worker(env.client, engine, task_queue=waves_session.task_queue):
                    written += await session_path(waves_session, out)
        engine.dispose()
    return written


if __name__ == "__main__":
    for written_path in asyncio.run(record(names=sys.argv[1:])):
        sys.stdout.write(f"wrote {written_path.relative_to(Path.cwd())}\n")
