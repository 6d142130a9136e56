"""Files given to the CLI that are wrong: refused whole, locally, with a line that says why.

The API is pointed at a port nothing listens on: a file that passed the local
checks would show up as "cannot reach", so a refusal here means nothing was
sent, let alone half-imported. (Region files: tests/domain/test_region.py; dates,
duplicate numbers and bulk selections: tests/cli/ and tests/api/test_api.py.)
"""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from onboarding.cli.main import app
from tests.helpers.devserver import free_port

KARI = '[{"role": "municipality_contact", "name": "Kari Sørås", "email": "kari@example.no"}]'


@pytest.fixture
def runner(tmp_path: Path) -> CliRunner:
    return CliRunner(
        env={
            "ONBOARDING_URL": f"http://127.0.0.1:{free_port()}",
            "ONBOARDING_HOME": str(tmp_path),
            "ONBOARDING_TOKEN": "onb_unused",
        }
    )


def refused(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "cannot reach" not in lines[0], "the file was sent"
    return lines[0]


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_a_contacts_file_in_another_encoding_is_refused(
    runner: CliRunner, tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "contacts.json"
    path.write_bytes(KARI.encode(encoding))
    line = refused(runner, "contacts", "set", "5001", "--file", str(path))
    assert f"--file: {path} must be UTF-8" in line


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("", "is not JSON"),
        ('{"role": "municipality_contact"}', "must hold a JSON list"),
        ("[1, 2]", "must hold a JSON list"),
        ("role,name,email\nmunicipality_contact,Kari,kari@example.no\n", "is not JSON"),
    ],
    ids=["empty", "an object", "not objects", "csv"],
)
def test_a_contacts_file_of_the_wrong_shape_is_refused(
    runner: CliRunner, tmp_path: Path, content: str, says: str
) -> None:
    path = tmp_path / "contacts.json"
    path.write_text(content, encoding="utf-8")
    assert says in refused(runner, "contacts", "program", "--file", str(path))


def test_a_missing_contacts_file_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    line = refused(runner, "contacts", "set", "5001", "--file", str(tmp_path / "nope.json"))
    assert "cannot read" in line


def test_a_good_file_gets_as_far_as_the_api(runner: CliRunner, tmp_path: Path) -> None:
    """The control: the same command with a good file is sent (and finds no API)."""
    path = tmp_path / "contacts.json"
    path.write_text(KARI, encoding="utf-8")
    result = runner.invoke(app, ["contacts", "set", "5001", "--file", str(path)])
    assert result.exit_code == 1 and "cannot reach" in result.stderr, result.output
