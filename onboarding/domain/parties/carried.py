"""What a party's workflow carries into its next run: bounded, so continue-as-new always fits.

Temporal refuses a new run whose input passes its payload limit (2 MiB by
default). The workflow would then retry that task for ever and answer
nothing, so the state it carries must stay bounded however long the party's
road, however many transitions it repeats, however long its comments. Two
parts grow with use:

- `records`, the transitions in force, one per transition ever taken. Only
  corrections read them (and a reform's standing). The newest
  `RECORDS_CARRIED` stay correctable, with the one before them as their
  neighbour; older ones move to `earlier_records`, which keeps only the last
  record of each trigger and stage: what the standing reads (the latest
  signature of each agreement, every stage reached). The audit log keeps
  them all.
- The first answers kept by idempotency key, already bounded by count, but
  each holds a whole view (and its comment of up to 4,000 characters).

Whatever the count limits leave, `BYTES_CARRIED` is a budget on the state's
JSON: the oldest answers go first (never the newest `ANSWERS_KEPT_AT_LEAST` of
each kind: a repeat comes minutes after its request, not hundreds of
transitions later), then the oldest correctable records.
"""

from typing import TypeVar

from pydantic import BaseModel

from onboarding.domain.parties.models import MunicipalityState, TransitionRecord
from onboarding.domain.vocabulary import Stage, Trigger

# Transitions in force a correction can reach, counted back from the newest.
RECORDS_CARRIED = 100
# The budget of the carried state's JSON: half of Temporal's default payload
# limit (2 MiB), which leaves room for the rest of the input and the codec.
BYTES_CARRIED = 1_048_576
# The newest answers of each kind the byte budget never takes.
ANSWERS_KEPT_AT_LEAST = 20

Answer = TypeVar("Answer", bound=BaseModel)


def bound_for_next_run(
    state: MunicipalityState,
    *,
    records_carried: int = RECORDS_CARRIED,
    budget: int = BYTES_CARRIED,
) -> int:
    """Trim `state` in place to what the next run needs; the bytes of its JSON after.

    Changes nothing a user sees of the party: its stage, obligations, wave and
    the answer to any recent repeat stay as they were.
    """
    _archive(state, keep=records_carried + 1)
    size = _bytes(state)
    size -= _drop_oldest(state.results_by_key, over=size - budget)
    size -= _drop_oldest(state.correction_keys, over=size - budget)
    size -= _drop_oldest(state.deadline_answers, over=size - budget)
    while size > budget and len(state.records) > 2:
        while size > budget and len(state.records) > 2:
            oldest = state.records[0]
            _archive(state, keep=len(state.records) - 1)
            size -= _bytes(oldest) + 1  # the comma between items
        # The summary of earlier records may have grown by the one moved: measure.
        size = _bytes(state)
    # Exact: the answers' sizes were subtracted as the JSON writes them.
    return size


def correctable(state: MunicipalityState) -> list[TransitionRecord]:
    """The records a correction may target: all in force, or the newest if older were moved.

    The oldest record carried stays only as its successor's neighbour (an
    amended date may not move before it), so it is not correctable itself.
    """
    return state.records[1:] if state.earlier_records else state.records


def _archive(state: MunicipalityState, *, keep: int) -> None:
    """Move all but the newest `keep` records to `earlier_records`, summarised."""
    if len(state.records) <= keep:
        return
    moved, state.records = state.records[:-keep], state.records[-keep:]
    latest: dict[tuple[Trigger, Stage], TransitionRecord] = {}
    for record in [*state.earlier_records, *moved]:
        latest.pop((record.trigger, record.to_stage), None)
        latest[(record.trigger, record.to_stage)] = record
    state.earlier_records = list(latest.values())


def _drop_oldest(answers: dict[str, Answer], *, over: int) -> int:
    """Drop the oldest answers until `over` bytes are gone or the newest few are left.

    Returns the bytes dropped from the state's JSON.
    """
    dropped = 0
    for key in list(answers)[: max(len(answers) - ANSWERS_KEPT_AT_LEAST, 0)]:
        if dropped >= over:
            break
        # "key":{...}, : the key in quotes, a colon, the answer and a comma.
        dropped += _bytes(answers.pop(key)) + len(key) + 4
    return dropped


def _bytes(model: BaseModel) -> int:
    """The bytes of `model`'s JSON, as the payload converter writes it (UTF-8)."""
    return len(model.model_dump_json().encode())
