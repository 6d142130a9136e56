"""Every kind of party on the one party workflow, on the real Temporal test server.

A GP office, a private specialist and a hospital walk their own roads; a
mixed wave takes its ready members live at its instant, and a GP office whose
municipality did not go live misses the go-live, naming the municipality.
Dates lie ahead of the server's clock, derived from it, never named by year.
"""

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from onboarding.domain.calendar import oslo_date
from onboarding.domain.errors import OnboardingError, RequestRejected, TransitionRefused
from onboarding.domain.municipality import Municipality
from onboarding.domain.parties.correction_records import CorrectionCommand
from onboarding.domain.parties.process import process_key
from onboarding.domain.party import Party, PartyKind, party_id
from onboarding.domain.process.registry import latest
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.domain.waves.models import MemberStatus, WaveStatus
from onboarding.gateway import parties as gateway
from onboarding.gateway import waves as wave_engine
from onboarding.store import queries
from onboarding.store import waves as wave_store
from onboarding.store.identifiers import ORG_NUMBER, resolve
from onboarding.store.tables.parties import AuditEventRow
from tests.helpers import ACTOR, V1, Harness, eventually
from tests.helpers.parties import fresh_org_number
from tests.helpers.servers import skip_to
from tests.helpers.waves import TO_AGREEMENT, add, check_items, create_wave, cutover
from workflows.names import party_workflow_id

MINUTE = timedelta(minutes=1)

# A GP office's road to a wave, and a hospital's.
GP_TO_SIGNED = (Trigger.OFFER_STANDARD_AGREEMENT, Trigger.SIGN_STANDARD_AGREEMENT)
GP_TO_PREPARING = (*GP_TO_SIGNED, Trigger.START_PREPARATION)


def party_in(kind: PartyKind, home: Municipality, *, name: str | None = None) -> Party:
    org = fresh_org_number()
    return Party(
        number=party_id(kind, org_number=org),
        name=name or f"{kind.value} {org}",
        county=home.county,
        health_trust=home.health_trust,
        kind=kind,
        org_number=org,
        municipality_number=None if kind is PartyKind.HOSPITAL else home.number,
        specialty="Øyesykdommer" if kind is PartyKind.SPECIALIST else None,
        staff_count=12,
    )


async def started(harness: Harness, party: Party) -> Party:
    """Start `party` on its kind's newest process, with the go-live guard, and wait for its row."""
    return (await harness.start(party=party, readiness_guard=True))[0]


def items_of(party: Party) -> list[str]:
    return [item.id.value for item in latest(process_key(party.kind)).checklist]


async def test_a_gp_office_walks_its_own_road_on_the_one_party_workflow(harness: Harness) -> None:
    async with harness.worker():
        home, _ = await harness.start(process=V1)
        office = await started(harness, party_in(PartyKind.GP_OFFICE, home))

        described = await harness.client.get_workflow_handle(
            party_workflow_id(office.number)
        ).describe()
        assert described.workflow_type == "PartyWorkflow"
        assert party_workflow_id(office.number) == office.number  # gp-<org number>
        view = await harness.state(office.number)
        assert (view.kind, view.stage, view.process_version) == (
            PartyKind.GP_OFFICE,
            Stage.PROSPECTIVE,
            1,
        )
        assert view.allowed_triggers == [Trigger.OFFER_STANDARD_AGREEMENT, Trigger.WITHDRAW]

        # Voluntary: the office may postpone, reconsider, and only then sign.
        for trigger, stage in (
            (Trigger.OFFER_STANDARD_AGREEMENT, Stage.AGREEMENT_OFFERED),
            (Trigger.POSTPONE_DECISION, Stage.DECISION_POSTPONED),
            (Trigger.RECONSIDER, Stage.AGREEMENT_OFFERED),
            (Trigger.SIGN_STANDARD_AGREEMENT, Stage.AGREEMENT_SIGNED),
            (Trigger.START_PREPARATION, Stage.PREPARING),
        ):
            assert (await harness.move(office.number, trigger)).stage is stage
        signed = next(
            r
            for r in queries.history(harness.engine, number=office.number)
            if r.trigger is Trigger.SIGN_STANDARD_AGREEMENT
        )
        assert signed.evidence["signed_by"] and signed.evidence["agreement_version"]

        # Its row and identifiers: kind, home, and the org number resolving to its id.
        row = queries.get_municipality(harness.engine, number=office.number)
        assert row is not None
        assert (row.kind, row.home_municipality, row.stage) == (
            "gp_office",
            home.number,
            "preparing",
        )
        assert resolve(harness.engine, ORG_NUMBER, office.org_number or "") == [office.number]
        # A municipality's own trigger is not one of a GP office's.
        with pytest.raises(OnboardingError, match="exercise_option"):
            await harness.move(office.number, Trigger.EXERCISE_OPTION)


async def test_a_gp_office_is_not_approved_before_its_municipality_is_ready(
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    harness = own_harness
    async with harness.worker():
        now = await own_env.get_current_time()
        wave = await create_wave(harness, cutover(now, 30), now=now)
        home, _ = await harness.start(process=V1, readiness_guard=True)
        for trigger in (Trigger.SIGN_COLLABORATION, Trigger.EXERCISE_OPTION):
            await harness.move(home.number, trigger)
        office = await started(harness, party_in(PartyKind.GP_OFFICE, home))
        for trigger in GP_TO_PREPARING:
            await harness.move(office.number, trigger)
        await add(harness, wave.id, office.number)
        await check_items(harness, office.number, items_of(office))

        with pytest.raises(
            TransitionRefused,
            match=re.escape(
                f"municipality {home.number} is not ready for go-live (option_exercised)"
            ),
        ):
            await harness.move(office.number, Trigger.APPROVE_GO_LIVE)
        assert (await harness.state(office.number)).stage is Stage.PREPARING

        # Once the municipality is approved, so may the office be.
        await harness.move(home.number, Trigger.SIGN_SERVICE_AGREEMENT)
        await add(harness, wave.id, home.number)
        await check_items(harness, home.number)
        await harness.move(home.number, Trigger.APPROVE_GO_LIVE)
        assert (await harness.move(office.number, Trigger.APPROVE_GO_LIVE)).stage is Stage.READY


async def test_a_mixed_wave_takes_its_ready_members_live_and_names_what_held_one_back(
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    harness = own_harness
    async with harness.worker():
        now = await own_env.get_current_time()
        go_live_at = cutover(now, 21)
        wave = await create_wave(harness, go_live_at, now=now, health_trust="St. Olavs hospital HF")

        home, _ = await harness.start(process=V1, readiness_guard=True)
        for trigger in TO_AGREEMENT:
            await harness.move(home.number, trigger)
        hospital = await started(harness, party_in(PartyKind.HOSPITAL, home, name="St. Olavs"))
        await harness.move(hospital.number, Trigger.START_PREPARATION)
        office = await started(harness, party_in(PartyKind.GP_OFFICE, home))
        for trigger in GP_TO_PREPARING:
            await harness.move(office.number, trigger)
        for member in (home.number, hospital.number, office.number):
            await add(harness, wave.id, member)
        await check_items(harness, home.number)
        await check_items(harness, hospital.number, items_of(hospital))
        await check_items(harness, office.number, items_of(office))
        await harness.move(home.number, Trigger.APPROVE_GO_LIVE)
        await harness.move(hospital.number, Trigger.APPROVE_GO_LIVE)
        await harness.move(office.number, Trigger.APPROVE_GO_LIVE)

        # The municipality's approval was recorded by mistake and is taken back:
        # at the instant it is not ready, and neither, through it, is the office.
        with Session(harness.engine) as session:
            approval = session.exec(
                select(AuditEventRow).where(
                    AuditEventRow.municipality_number == home.number,
                    AuditEventRow.trigger == Trigger.APPROVE_GO_LIVE.value,
                )
            ).one()
        assert approval.id is not None
        await gateway.correct(
            harness.client,
            home.number,
            CorrectionCommand(
                event_id=approval.id,
                target_seq=approval.seq,
                reason="approved before the go/no-go meeting",
                void=True,
                actor=ACTOR,
            ),
        )
        blockers = wave_store.blockers_of(
            harness.engine, wave_ids=[wave.id], checklist=items_of(home), as_of=oslo_date(now)
        )[0]
        waiting = next(m for m in blockers.members if m.number == office.number)
        assert f"municipality {home.number} is not ready for go-live" in " ".join(waiting.missing)

        await skip_to(own_env, go_live_at + MINUTE)
        await eventually(
            lambda: wave_store.list_waves(harness.engine)[0].status is WaveStatus.LIVE,
            what="the wave to go live",
        )
        view = await wave_engine.wave(harness.client, wave.id)
        assert {m.number: m.status for m in view.members} == {
            home.number: MemberStatus.MISSED_GO_LIVE,
            hospital.number: MemberStatus.LIVE,
            office.number: MemberStatus.MISSED_GO_LIVE,
        }
        assert (await harness.state(hospital.number)).stage is Stage.LIVE
        left = await harness.state(office.number)
        assert (left.stage, left.missed_go_live) == (Stage.READY, wave.id)
        missed = {
            e.number: e.reason
            for e in wave_store.wave_events(harness.engine, wave_id=wave.id)
            if e.kind == "member_missed_go_live"
        }
        assert missed[office.number] == (
            f"municipality {home.number} ({home.name}) did not go live with the wave"
        )
        # Its own checklist done, it lacked only the approval taken back.
        assert "go_live is not allowed in stage service_agreement_signed" in missed[home.number]


async def test_a_specialist_is_not_offered_before_the_program_opens_for_specialists(
    harness: Harness,
) -> None:
    async with harness.worker():
        home, _ = await harness.start(process=V1)
        specialist = await started(harness, party_in(PartyKind.SPECIALIST, home))
        opens = latest("specialist").offerable_from[Trigger.OFFER_STANDARD_AGREEMENT]
        with pytest.raises(RequestRejected, match=f"^effective_on: .* is before {opens}"):
            await harness.move(
                specialist.number,
                Trigger.OFFER_STANDARD_AGREEMENT,
                effective_on=opens - timedelta(days=1),
            )
        moved = await harness.move(
            specialist.number, Trigger.OFFER_STANDARD_AGREEMENT, effective_on=opens
        )
        assert moved.stage is Stage.AGREEMENT_OFFERED
        row = queries.get_municipality(harness.engine, number=specialist.number)
        assert row is not None and (row.kind, row.specialty) == ("specialist", "Øyesykdommer")
