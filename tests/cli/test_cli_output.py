"""The CLI's plain-text rendering, without a server: what `show` says about blocked triggers."""

from onboarding.cli import output

STEINKJER = {
    "number": "5006",
    "name": "Steinkjer",
    "county": "Trøndelag",
    "health_trust": "Helse Nord-Trøndelag HF",
    "stage": "service_agreement_signed",
    "paused_from": None,
    "allowed_triggers": ["pause", "withdraw"],
    "last_transition": None,
    "go_live_blockers": [
        "not a member of a production wave",
        "checklist item integration_tested not done",
    ],
}


def test_show_names_a_blocked_trigger_and_what_it_lacks() -> None:
    text = output.municipality_details(STEINKJER)
    assert "Allowed triggers: pause, withdraw" in text
    assert "Blocked triggers: approve_go_live, until:" in text
    assert "  - not a member of a production wave" in text
    assert "  - checklist item integration_tested not done" in text


def test_show_names_no_blocked_trigger_when_nothing_is_missing() -> None:
    ready = {**STEINKJER, "stage": "ready", "allowed_triggers": ["go_live"], "go_live_blockers": []}
    assert "Blocked" not in output.municipality_details(ready)
    prospective = {**STEINKJER, "stage": "prospective", "allowed_triggers": ["sign_collaboration"]}
    assert "Blocked" not in output.municipality_details(prospective)
