"""Process versions and migrations from the command line.

`process list|show|diff` read the definitions this installation ships (no
server); `migration dry-run|apply|status|pause|resume` drive the served API
(the `served` fixture: uvicorn on a free port, a real worker, the
time-skipping test server).
"""

import asyncio
import json
import re
import uuid
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from onboarding.cli.main import app as cli
from onboarding.domain.calendar import today_in_oslo
from onboarding.store.tokens import Role
from tests.helpers.cli import Served, one_line_error


def test_process_versions_are_listed_shown_and_compared_without_a_server(
    offline: CliRunner,
) -> None:
    listed = offline.invoke(cli, ["process", "list"])
    assert listed.exit_code == 0, listed.output
    assert [line.split()[:2] for line in listed.stdout.splitlines()[2:]] == [
        ["gp_office", "1"],
        ["hospital", "1"],
        ["municipality", "1"],
        ["municipality", "2"],
        ["specialist", "1"],
    ]
    shown = offline.invoke(cli, ["process", "show", "--version", "2"])
    assert "preparing -> call_off_signed -> service_agreement_signed" in shown.stdout
    assert "sign_call_off_agreement  document_ref, signed_by" in shown.stdout
    diff = offline.invoke(cli, ["process", "diff", "1", "2"])
    assert "+ stage       call_off_signed" in diff.stdout
    assert "~ rule        wave_stages" in diff.stdout
    assert max(len(line) for line in diff.stdout.splitlines()) <= 120
    as_json = json.loads(offline.invoke(cli, ["process", "diff", "1", "2", "--json"]).stdout)
    assert as_json["to_version"] == 2 and as_json["changes"]
    unknown = offline.invoke(cli, ["process", "show", "--version", "9"])
    assert unknown.exit_code == 1
    assert one_line_error(unknown).startswith("error: --version: no process 'municipality'")
    diagram = offline.invoke(cli, ["diagram", "--version", "1"])
    assert "call_off_signed" not in diagram.stdout and "stateDiagram-v2" in diagram.stdout


def test_the_other_kinds_of_party_are_shown_and_drawn_by_key(offline: CliRunner) -> None:
    gp_office = offline.invoke(cli, ["process", "show", "--key", "gp_office"])
    assert gp_office.exit_code == 0, gp_office.output
    assert gp_office.stdout.startswith("Fastlegekontor, versjon 1 (gp_office v1)")
    assert (
        "prospective -> agreement_offered -> agreement_signed -> preparing -> ready -> live"
        in gp_office.stdout
    )
    specialist = offline.invoke(cli, ["process", "show", "--key", "specialist", "--json"])
    offer = next(
        t
        for t in json.loads(specialist.stdout)["triggers"]
        if t["id"] == "offer_standard_agreement"
    )
    assert "terms_version" in offer["required_evidence"]
    hospital = offline.invoke(cli, ["diagram", "--key", "hospital"])
    assert "prospective --> preparing: start_preparation" in hospital.stdout
    assert "agreement" not in hospital.stdout
    same = offline.invoke(cli, ["process", "diff", "1", "1", "--key", "hospital"])
    assert same.stdout.strip() == "hospital v1 and v1 are the same"
    unknown = offline.invoke(cli, ["process", "show", "--key", "nursing_home"])
    assert one_line_error(unknown).startswith("error: --key: no process 'nursing_home'")
    assert "gp_office" in one_line_error(unknown)


async def test_a_migration_dry_run_apply_and_status(served: Served) -> None:
    number = await served.signed()  # on version 1, its option deadline open
    run = f"cli-{uuid.uuid4().hex[:8]}"
    common = ("--to-version", "2", "--reason", "the call-off step", "--numbers", number)
    before = await served.run("show", number, role=Role.VIEWER)
    assert re.search(r"^Process: +version 1$", before.stdout, re.MULTILINE), before.stdout
    dry = await served.run("migration", "dry-run", run, *common, role=Role.ADMIN)
    assert dry.exit_code == 0, dry.output
    assert number in dry.stdout and "1 of 1 fit, 0 refused" in dry.stdout
    refused = await served.run("migration", "dry-run", run, *common, role=Role.COORDINATOR)
    assert "needs one of the roles admin" in one_line_error(refused)
    started = await served.run("migration", "apply", run, *common, role=Role.ADMIN)
    assert started.exit_code == 0, started.output
    for _ in range(200):
        status = await served.run("migration", "status", run, "--json", role=Role.ADMIN)
        progress = json.loads(status.stdout)
        if progress["finished"]:
            break
        await asyncio.sleep(0.05)
    assert (progress["migrated"], progress["total"]) == (1, 1)
    shown = await served.run("show", number, role=Role.VIEWER)
    assert re.search(r"^Process: +version 2$", shown.stdout, re.MULTILINE), shown.stdout
    paused = await served.run("migration", "pause", run, role=Role.ADMIN)
    assert "finished, 1 of 1 done (1 migrated" in paused.stdout
    again = await served.run("migration", "apply", run, *common, role=Role.ADMIN)
    assert again.exit_code == 1 and "started already" in one_line_error(again)
    bad = await served.run(
        "migration", "dry-run", run, *common, "--reminder-offsets", "soon", role=Role.ADMIN
    )
    assert bad.exit_code == 1 and "--reminder-offsets" in one_line_error(bad)


async def test_a_policy_file_changes_reminders_escalations_and_the_checklist(
    served: Served, tmp_path: Path
) -> None:
    number = await served.signed()
    deadline = (today_in_oslo() + timedelta(days=120)).isoformat()
    setting = await served.run(
        "deadline", "set", number, "exercise_option", "--on", deadline, "--reason", "program date"
    )
    assert setting.exit_code == 0, setting.output
    policy = tmp_path / "policy.json"
    policy.write_text(
        json.dumps(
            {
                "reminder_offsets_days": [45, 30, 7],
                "escalation_ladder": [
                    {
                        "level": 1,
                        "business_days_after_deadline": 2,
                        "recipients": ["municipality_contact"],
                    }
                ],
                "checklist": [{"id": "go_no_go_meeting", "days_before_go_live": 10}],
            }
        )
    )
    run = f"cli-policy-{uuid.uuid4().hex[:8]}"
    common = ("--to-version", "1", "--reason", "the program reminds later", "--numbers", number)
    dry = await served.run(
        "migration", "dry-run", run, *common, "--policy-file", str(policy), "--json",
        role=Role.ADMIN,
    )  # fmt: skip
    assert dry.exit_code == 0, dry.output
    [preview] = json.loads(dry.stdout)["previews"]
    changes = {(t["message_key"], t["change"]) for t in preview["effect"]["timers"]}
    assert {("reminder-60d", "cancelled"), ("reminder-45d", "rearmed")} <= changes
    assert ("escalation-1", "rearmed") in changes  # two business days after, not the day
    assert ("escalation-2", "cancelled") in changes  # the new ladder has one level
    # A file that is not a policy is named before anything is asked of the API.
    for text in ("not json", "[45, 30]"):
        policy.write_text(text)
        bad = await served.run(
            "migration", "dry-run", run, *common, "--policy-file", str(policy), role=Role.ADMIN
        )
        assert bad.exit_code == 1 and one_line_error(bad).startswith("error: --policy-file:")
    policy.write_text(json.dumps({"reminder_offsets_days": [45]}))
    twice = await served.run(
        "migration", "dry-run", run, *common, "--policy-file", str(policy),
        "--reminder-offsets", "40", role=Role.ADMIN,
    )  # fmt: skip
    assert twice.exit_code == 1 and "--reminder-offsets" in one_line_error(twice)
    # What the API refuses of the file is named by its field.
    policy.write_text(json.dumps({"checklist": [{"id": "no_such_item", "days_before_go_live": 3}]}))
    refused = await served.run(
        "migration", "dry-run", run, *common, "--policy-file", str(policy), role=Role.ADMIN
    )
    assert refused.exit_code == 1 and "checklist" in one_line_error(refused)
    # --key chooses the process: a municipality is not on the GP offices' process.
    other = await served.run(
        "migration", "dry-run", run, *common, "--key", "gp_office", role=Role.ADMIN
    )
    assert other.exit_code == 1 and "gp_office" in one_line_error(other)
