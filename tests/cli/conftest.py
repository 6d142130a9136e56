"""`offline`: the CLI pointed at a port nothing listens on."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers.notifications import free_port


@pytest.fixture
def offline(tmp_path: Path) -> CliRunner:
    """The CLI pointed at a port nothing listens on, with no token of a real instance."""
    return CliRunner(
        env={
            "ONBOARDING_URL": f"http://127.0.0.1:{free_port()}",
            "ONBOARDING_HOME": str(tmp_path),
            "ONBOARDING_TOKEN": None,
        }
    )
