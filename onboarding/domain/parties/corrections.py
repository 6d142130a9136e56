"""Corrections of recorded transitions, planned and applied to a municipality's state.

Pure functions of the state (the workflow passes in its clock and run): the
workflow's `correct` update and its validator plan with the same code, so a
correction refused by the validator is refused for the same reason a
handler would refuse it. Nothing recorded is rewritten: a correction is a
record of its own, and the state moves to what it says.
"""

from datetime import date, datetime

from onboarding.domain.errors import InvalidEffectiveDate, RequestRejected
from onboarding.domain.idempotency import FirstAnswers
from onboarding.domain.parties.carried import correctable
from onboarding.domain.parties.correction_records import (
    CorrectionCommand,
    CorrectionKind,
    CorrectionRecord,
)
from onboarding.domain.parties.models import CorrectionResult, MunicipalityState, TransitionRecord
from onboarding.domain.process.machine import check_effective_on, check_evidence
from onboarding.domain.process.registry import MUNICIPALITY, process_definition
from onboarding.domain.vocabulary import Stage, Trigger


def plan_correction(
    state: MunicipalityState,
    command: CorrectionCommand,
    *,
    today: date,
    now: datetime,
    workflow_id: str,
    run_id: str,
) -> CorrectionRecord:
    """The correction `command` would record, or an OnboardingError saying why not.

    Only a transition in force can be corrected, and only one of the newest
    carried into the workflow's run (parties/carried.py); only the last one can be
    voided; an amended date must stay between its neighbours' and not be in
    the future (`today`, Europe/Oslo); a correction that changes nothing is
    refused.
    """
    if not state.records_complete:
        raise RequestRejected(
            "event_id",
            "this municipality's workflow predates corrections and does not hold "
            "its earlier transitions; corrections are not possible for it",
        )
    records = state.records
    index = next((i for i, r in enumerate(records) if r.seq == command.target_seq), None)
    if state.earlier_records and command.target_seq <= records[0].seq:
        raise RequestRejected(
            "event_id",
            f"event {command.event_id} is older than the {len(correctable(state))} newest "
            "transitions in force, which are the ones a correction can reach; the audit log "
            "keeps it as recorded",
        )
    if index is None:
        raise RequestRejected(
            "event_id", f"event {command.event_id} is not in force: it was voided"
        )
    target = records[index]
    if target.trigger is Trigger.REFORM:
        raise RequestRejected(
            "event_id",
            f"event {command.event_id} records a municipal reform; a reform is not corrected, "
            "only followed by another one",
        )
    evidence_after: dict[str, str] | None = None
    effective_after: date | None = None
    stage_after = state.stage
    if command.kind is CorrectionKind.VOID:
        if index != len(records) - 1:
            last = records[-1]
            raise RequestRejected(
                "event_id",
                f"only the last transition in force can be voided: {last.trigger.value} "
                f"effective {last.effective_on}; void that one first",
            )
        if target.process_version != state.process_version:
            # Voiding moves the party back to a stage of the version the record was
            # decided by; since a migration it runs another one.
            raise RequestRejected(
                "event_id",
                f"{target.trigger.value} was decided under process version "
                f"{target.process_version}; the municipality runs version "
                f"{state.process_version} since a migration, so it cannot be voided",
            )
        stage_after = target.from_stage
    else:
        effective_after = command.effective_on or target.effective_on
        _check_amended_date(records, index, effective_after, today)
        # By the rules of the version the transition was decided by.
        evidence_after = check_evidence(
            process_definition(MUNICIPALITY, target.process_version),
            target.trigger,
            {**target.evidence, **(command.evidence or {})},
        )
        if effective_after == target.effective_on and evidence_after == target.evidence:
            raise RequestRejected(
                "effective_on" if command.effective_on is not None else "evidence",
                "the correction changes nothing: the transition already says so",
            )
    return CorrectionRecord(
        seq=state.seq + 1,
        kind=command.kind,
        event_id=command.event_id,
        target_seq=target.seq,
        trigger=target.trigger,
        effective_on_before=target.effective_on,
        effective_on_after=effective_after,
        evidence_before=target.evidence,
        evidence_after=evidence_after,
        stage_before=state.stage,
        stage_after=stage_after,
        reason=command.reason,
        actor=command.actor,
        recorded_at=now,
        idempotency_key=command.idempotency_key,
        workflow_id=workflow_id,
        run_id=run_id,
    )


def _check_amended_date(
    records: list[TransitionRecord], index: int, effective_after: date, today: date
) -> None:
    """An amended date stays in the past and between the neighbouring transitions'."""
    check_effective_on(effective_after, today, records[index - 1] if index > 0 else None)
    if index < len(records) - 1 and effective_after > records[index + 1].effective_on:
        after = records[index + 1]
        raise InvalidEffectiveDate(
            f"{effective_after} is after {after.effective_on}, when the next "
            f"transition ({after.trigger.value}) took effect"
        )


def apply_correction(
    state: MunicipalityState, correction: CorrectionRecord
) -> TransitionRecord | None:
    """Move `state` to what the planned `correction` says; the voided transition, if any.

    An amendment replaces the record in force with its corrected copy (the
    audit log keeps the original); a void drops the last record and returns
    the stage to where that transition began.
    """
    state.seq = correction.seq
    index = next(i for i, r in enumerate(state.records) if r.seq == correction.target_seq)
    target = state.records[index]
    if correction.kind is CorrectionKind.AMEND:
        assert correction.effective_on_after is not None
        state.records[index] = target.model_copy(
            update={
                "effective_on": correction.effective_on_after,
                "evidence": correction.evidence_after or target.evidence,
            }
        )
        state.last_transition = state.records[-1]
        return None
    state.records.pop()
    state.last_transition = state.records[-1] if state.records else None
    state.stage = target.from_stage
    if target.trigger is Trigger.RESUME:
        state.paused_from = target.to_stage
    elif target.to_stage is Stage.PAUSED:
        state.paused_from = None
    return target


def correction_answers(
    state: MunicipalityState, *, kept: int
) -> FirstAnswers[CorrectionCommand, CorrectionResult]:
    """The first answers to corrections by idempotency key; a key is for one event."""
    return FirstAnswers(
        state.correction_keys,
        kept=kept,
        asked_for=lambda command: f"event {command.event_id}",
        answered=lambda result: f"event {result.correction.event_id}",
    )
