"""docs/modules.md is what tools/module_map.py renders from the module docstrings."""

import ast

from tools.module_map import PACKAGES, REGENERATE, ROOT, SKIPPED, render

DOC = ROOT / "docs" / "modules.md"


def test_the_module_map_is_generated_from_the_code() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        f"docs/modules.md differs from the code: regenerate it with `{REGENERATE}`"
    )


def test_every_module_says_what_it_is() -> None:
    missing = [
        path.relative_to(ROOT).as_posix()
        for name in PACKAGES
        for path in (ROOT / name).rglob("*.py")
        if not path.relative_to(ROOT).as_posix().startswith(SKIPPED)
        and path.stat().st_size > 0
        and not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert missing == [], f"modules without a docstring: {missing}"


def test_every_module_has_a_line() -> None:
    rendered = render()
    for path in (ROOT / "onboarding" / "domain").rglob("*.py"):
        if path.name != "__init__.py":
            assert f"- `{path.name}`:" in rendered, path
