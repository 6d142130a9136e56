"""`onboarding reconcile`: real drift, made by writing to the database directly, found and repaired.

Real worker on the time-skipping server, real SQLite and PostgreSQL. The
time-skipping server cannot list workflows, so the test names the numbers a
row was deleted for (the dev-server fault tests cover the listing).
"""

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from temporalio.client import WorkflowExecutionStatus, WorkflowQueryFailedError
from typer.testing import CliRunner, Result

from onboarding.cli.main import app as cli
from onboarding.domain.parties.models import MunicipalityView
from onboarding.domain.vocabulary import Stage
from onboarding.domain.vocabulary import Trigger as T
from onboarding.embedded.app import create_app
from onboarding.embedded.services import running_api
from onboarding.gateway import reconcile as reconcile_module
from onboarding.gateway.reconcile import DriftKind, ReconcileOptions, ReconcileReport, reconcile
from onboarding.settings import Settings
from onboarding.store import drift, queries
from onboarding.store.schema import create_schema
from onboarding.store.tokens import Role
from tests.helpers import ACTOR, Harness
from tests.helpers.notifications import free_port, role_tokens
from workflows.names import party_workflow_id

pytestmark = pytest.mark.timeout(120)


def kinds(report: ReconcileReport) -> dict[str, set[DriftKind]]:
    found: dict[str, set[DriftKind]] = {}
    for finding in report.findings:
        found.setdefault(finding.number, set()).add(finding.kind)
    return found


def sql(engine: Engine, statement: str, **params: object) -> None:
    with engine.begin() as connection:
        connection.execute(text(statement), params)


def set_row(engine: Engine, number: str, assignments: str) -> None:
    sql(engine, f"UPDATE municipality SET {assignments} WHERE number = :n", n=number)


def delete_audit_event(engine: Engine, number: str, seq: int) -> None:
    """Lose an audit event as a broken projection would: only possible with the guard off."""
    if engine.dialect.name == "sqlite":
        sql(engine, "DROP TRIGGER audit_event_no_delete")
    else:
        sql(engine, "DROP TRIGGER audit_event_append_only ON audit_event")
    sql(
        engine,
        "DELETE FROM audit_event WHERE municipality_number = :n AND seq = :s",
        n=number,
        s=seq,
    )
    create_schema(engine)  # the guard again


async def test_a_consistent_read_model_has_no_drift(sql_harness: Harness) -> None:
    async with sql_harness.worker():
        municipality, _ = await sql_harness.start()
        await sql_harness.move(municipality.number, T.SIGN_COLLABORATION)
        await sql_harness.move(municipality.number, T.EXERCISE_OPTION)
        options = ReconcileOptions(task_queue=sql_harness.task_queue)
        report = await reconcile(sql_harness.client, sql_harness.engine, options)
    assert report.clean, report.findings
    assert report.checked == 1
    assert not report.workflows_listed  # the time-skipping server cannot list


async def test_a_workflow_without_a_worker_is_unresponsive_after_two_tries(
    sql_harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query that times out is asked again once (a cold worker's first answer waits for
    its replay); only a workflow that answers neither is reported, and nothing compared."""
    async with sql_harness.worker(cached=False):
        municipality, _ = await sql_harness.start()
        await sql_harness.move(municipality.number, T.SIGN_COLLABORATION)
    monkeypatch.setattr(reconcile_module, "QUERY_TIMEOUT_SECONDS", 0.3)
    options = ReconcileOptions(task_queue=sql_harness.task_queue)
    started = asyncio.get_running_loop().time()
    report = await reconcile(
        sql_harness.client, sql_harness.engine, options, numbers=[municipality.number]
    )
    assert asyncio.get_running_loop().time() - started >= 2 * 0.3
    [finding] = report.findings
    assert finding.kind is DriftKind.WORKFLOW_UNRESPONSIVE
    assert "(timed out, asked 2 times)" in finding.detail
    assert finding.action == "nothing compared"


async def test_a_query_cut_short_by_the_deadlock_detector_is_asked_again(
    sql_harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SDK's deadlock detector (an activation starved of 2 s of CPU on a busy
    machine) fails the first query; the second asking is answered and compared."""
    asked: list[int] = []
    answer = reconcile_module._Checker._ask_state

    async def starved_once(checker: reconcile_module._Checker) -> MunicipalityView:
        asked.append(1)
        if len(asked) == 1:
            raise WorkflowQueryFailedError(
                "[TMPRL1101] Potential deadlock detected: workflow didn't yield within 2 second(s)."
            )
        return await answer(checker)

    monkeypatch.setattr(reconcile_module._Checker, "_ask_state", starved_once)
    async with sql_harness.worker():
        municipality, _ = await sql_harness.start()
        await sql_harness.move(municipality.number, T.SIGN_COLLABORATION)
        options = ReconcileOptions(task_queue=sql_harness.task_queue)
        report = await reconcile(
            sql_harness.client, sql_harness.engine, options, numbers=[municipality.number]
        )
    assert report.clean, report.findings
    assert len(asked) == 2


async def test_drift_is_found_reported_and_repaired(sql_harness: Harness) -> None:
    engine = sql_harness.engine
    async with sql_harness.worker():
        behind, _ = await sql_harness.start()
        wrong_stage, _ = await sql_harness.start()
        no_row, _ = await sql_harness.start()
        gap, _ = await sql_harness.start()
        gone_fresh, gone_fresh_handle = await sql_harness.start()
        gone_recorded, gone_recorded_handle = await sql_harness.start()
        for m in (behind, wrong_stage, no_row, gap, gone_recorded):
            await sql_harness.move(m.number, T.SIGN_COLLABORATION)
            await sql_harness.move(m.number, T.EXERCISE_OPTION)
        await sql_harness.move(behind.number, T.START_PREPARATION)

        # The drift, written behind the engine's back.
        set_row(engine, behind.number, "last_seq = 1, stage = 'collaboration_signed'")
        sql(
            engine, "UPDATE municipality SET stage = 'live' WHERE number = :n", n=wrong_stage.number
        )
        sql(engine, "DELETE FROM obligation WHERE municipality_number = :n", n=no_row.number)
        sql(engine, "DELETE FROM municipality WHERE number = :n", n=no_row.number)
        delete_audit_event(engine, gap.number, 1)
        sql(
            engine,
            "INSERT INTO audit_event (municipality_number, seq, trigger, from_stage, to_stage,"
            " evidence, actor_id, actor_name, actor_role, effective_on, recorded_at,"
            " workflow_id, run_id) VALUES (:n, 7, 'go_live', 'ready', 'live', '{}', 'x', 'x',"
            " 'admin', '2020-01-01', '2020-01-01T00:00:00+00:00', 'w', 'r')",
            n=gap.number,
        )
        await gone_fresh_handle.terminate(reason="lost with the server's data")
        await gone_recorded_handle.terminate(reason="lost with the server's data")
        history_before = {
            m.number: queries.history(engine, number=m.number)
            for m in (behind, wrong_stage, gap, gone_recorded)
        }

        options = ReconcileOptions(task_queue=sql_harness.task_queue, dry_run=True)
        dry = await reconcile(sql_harness.client, engine, options, numbers=[no_row.number])
        expected = {
            behind.number: {DriftKind.ROW_BEHIND},
            wrong_stage.number: {DriftKind.STAGE_MISMATCH},
            no_row.number: {DriftKind.ROW_MISSING},
            gap.number: {DriftKind.AUDIT_MISSING, DriftKind.AUDIT_EXTRA},
            gone_fresh.number: {DriftKind.WORKFLOW_MISSING},
            gone_recorded.number: {DriftKind.WORKFLOW_MISSING},
        }
        assert kinds(dry) == expected, dry.findings
        assert not any(f.repaired for f in dry.findings)
        # A dry run changes nothing.
        assert drift.rows(engine)[behind.number].last_seq == 1
        assert no_row.number not in drift.rows(engine)
        assert drift.audit_seqs(engine)[gap.number] == [2, 7]

        options = ReconcileOptions(task_queue=sql_harness.task_queue)
        report = await reconcile(sql_harness.client, engine, options, numbers=[no_row.number])
        assert kinds(report) == expected, report.findings
        left = {(f.number, f.kind) for f in report.unresolved}
        assert left == {
            (gap.number, DriftKind.AUDIT_EXTRA),
            (gone_recorded.number, DriftKind.WORKFLOW_MISSING),
        }, report.findings
        by_kind = {(f.number, f.kind): f for f in report.findings}
        assert "append-only" in (by_kind[(gap.number, DriftKind.AUDIT_EXTRA)].action or "")
        assert "2 recorded transition(s)" in (
            by_kind[(gone_recorded.number, DriftKind.WORKFLOW_MISSING)].action or ""
        )

        rows = drift.rows(engine)
        assert (rows[behind.number].stage, rows[behind.number].last_seq) == ("preparing", 3)
        assert rows[wrong_stage.number].stage == Stage.OPTION_EXERCISED.value
        assert (rows[no_row.number].stage, rows[no_row.number].last_seq) == ("option_exercised", 2)
        assert drift.audit_seqs(engine)[no_row.number] == [1, 2]
        # The lost event is back, exactly as the workflow recorded it.
        restored = queries.history(engine, number=gap.number)
        assert [r.seq for r in restored] == [1, 2, 7]
        assert restored[0].trigger is T.SIGN_COLLABORATION
        assert restored[0].actor == ACTOR
        # The fresh one got its workflow back; the recorded one was left alone.
        described = await sql_harness.client.get_workflow_handle(
            party_workflow_id(gone_fresh.number)
        ).describe()
        assert described.status == WorkflowExecutionStatus.RUNNING
        described = await gone_recorded_handle.describe()
        assert described.status == WorkflowExecutionStatus.TERMINATED
        # Nothing that was there was rewritten.
        for number, before in history_before.items():
            after = queries.history(engine, number=number)
            assert [r for r in after if r.seq in {b.seq for b in before}] == before

        # Reconciling again: only what a person must decide is left.
        again = await reconcile(sql_harness.client, engine, options, numbers=[no_row.number])
        assert {(f.number, f.kind) for f in again.findings} == left, again.findings


async def test_missing_events_are_found_in_earlier_runs(sql_harness: Harness) -> None:
    """An event recorded before continue-as-new is read from the run that recorded it."""
    async with sql_harness.worker():
        municipality, handle = await sql_harness.start(continue_as_new_after_events=60)
        number = municipality.number
        first_run = (await handle.describe()).run_id
        await sql_harness.move(number, T.SIGN_COLLABORATION)
        await sql_harness.move(number, T.EXERCISE_OPTION)
        moves = 0
        while (await handle.describe()).run_id == first_run:
            await sql_harness.move(number, T.PAUSE)
            await sql_harness.move(number, T.RESUME)
            moves += 1
            assert moves < 40, "never continued as new"
        delete_audit_event(sql_harness.engine, number, 1)

        options = ReconcileOptions(task_queue=sql_harness.task_queue)
        report = await reconcile(sql_harness.client, sql_harness.engine, options)
        assert kinds(report) == {number: {DriftKind.AUDIT_MISSING}}, report.findings
        assert report.findings[0].repaired, report.findings
        history = queries.history(sql_harness.engine, number=number)
        assert history[0].seq == 1 and history[0].run_id == first_run
        assert [r.seq for r in history] == list(range(1, len(history) + 1))


async def test_the_command_reports_and_repairs_through_the_api(
    sql_harness: Harness, tmp_path: Path
) -> None:
    engine = sql_harness.engine
    secrets = role_tokens(engine, "reconcile")
    settings = Settings(home=tmp_path, task_queue=sql_harness.task_queue)
    app = create_app(settings, client=sql_harness.client, engine=engine)
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    async def run(*args: str, role: Role = Role.ADMIN) -> Result:
        runner = CliRunner(env={"ONBOARDING_URL": url, "ONBOARDING_TOKEN": secrets[role]})
        return await asyncio.to_thread(lambda: runner.invoke(cli, ["reconcile", *args]))

    async with sql_harness.worker(), running_api(app, host="127.0.0.1", port=port):
        municipality, _ = await sql_harness.start()
        number = municipality.number
        await sql_harness.move(number, T.SIGN_COLLABORATION)
        set_row(engine, number, "stage = 'live'")

        refused = await run(role=Role.COORDINATOR)
        assert refused.exit_code == 1 and "admin" in refused.stderr, refused.output

        dry = await run("--dry-run")
        assert dry.exit_code == 1, dry.output
        assert "checked 1 municipalities (dry run, nothing changed)" in dry.stdout
        assert number in dry.stdout and "stage_mismatch" in dry.stdout
        assert "would set the row's stage to collaboration_signed" in dry.stdout
        assert dry.stderr.strip() == (
            "error: 1 finding(s) left unrepaired (dry run: nothing was changed)"
        )
        assert drift.rows(engine)[number].stage == "live"

        done = await run("--json")
        assert done.exit_code == 0, done.output
        [finding] = json.loads(done.stdout)["findings"]
        assert (finding["kind"], finding["repaired"]) == ("stage_mismatch", True)
        assert drift.rows(engine)[number].stage == "collaboration_signed"

        clean = await run()
        assert clean.exit_code == 0, clean.output
        assert clean.stdout.strip().endswith("no drift")
