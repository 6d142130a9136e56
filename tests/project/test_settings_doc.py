"""docs/settings.md is what onboarding/settings_doc.py renders from the Settings class."""

from pathlib import Path

from onboarding.settings import Settings
from onboarding.settings_doc import REGENERATE, render, variable

DOC = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_settings_page_is_generated_from_the_settings_class() -> None:
    rendered = render()
    assert DOC.read_text(encoding="utf-8") == rendered, (
        f"docs/settings.md differs from onboarding/settings.py: regenerate it with `{REGENERATE}`"
    )


def test_every_setting_has_a_row() -> None:
    rendered = render()
    for name in Settings.model_fields:
        assert f"| `{variable(name)}` |" in rendered, name
