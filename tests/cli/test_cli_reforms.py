"""Municipal reforms from the command line (`onboarding reform ...`, admin) against the served
API, and a renumbered municipality's new number as a command's argument."""

import json
import uuid

from onboarding.domain.calendar import today_in_oslo
from onboarding.store.tokens import Role
from tests.helpers.cli import Served, one_line_error

EVIDENCE = ("-e", "document_ref=https://data.ssb.no/api/klass/v1/classifications/131/changes")


async def test_a_merger_dry_run_then_a_renumbering_and_the_new_number_as_an_argument(
    served: Served,
) -> None:
    signed = await served.signed()
    other = await served.signed()
    new = (await served.harness.fresh_municipality()).number
    on = ("--on", today_in_oslo().isoformat())
    merger = (
        f"cli-{uuid.uuid4().hex[:8]}",
        "--kind",
        "merger",
        *on,
        "--party",
        signed,
        "--party",
        other,
        "--new",
        f"{new}=Nyby",
        *EVIDENCE,
    )
    dry = await served.run("reform", "dry-run", *merger, role=Role.ADMIN)
    assert dry.exit_code == 0, dry.output
    assert f"{new} starts in collaboration_signed: most_advanced_common" in dry.stdout
    assert f"inherits sign_collaboration of {signed}" in dry.stdout
    refused = await served.run("reform", "dry-run", *merger, role=Role.COORDINATOR)
    assert "needs one of the roles admin" in one_line_error(refused)

    renumbered = (await served.harness.fresh_municipality()).number
    reform_id = f"cli-{uuid.uuid4().hex[:8]}"
    applied = await served.run(
        "reform",
        "apply",
        reform_id,
        "--kind",
        "renumbering",
        *on,
        "--party",
        signed,
        "--new-number",
        renumbered,
        *EVIDENCE,
        role=Role.ADMIN,
    )
    assert applied.exit_code == 0, applied.output
    assert f"{signed} -> {renumbered}" in applied.stdout and "Recorded" in applied.stdout
    # The new number is an argument like the old one: the same party.
    shown = await served.run("show", renumbered, "--json", role=Role.VIEWER)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["number"] == signed
    listed = await served.run("reform", "list", "--party", signed, "--json", role=Role.ADMIN)
    assert [r["id"] for r in json.loads(listed.stdout)] == [reform_id]
    one = await served.run("reform", "show", reform_id, role=Role.ADMIN)
    assert one.exit_code == 0 and "renumbered" in one.stdout
    bad = await served.run("reform", "dry-run", *merger[:1], "--kind", "fusion", *merger[3:])
    assert "--kind" in one_line_error(bad)
