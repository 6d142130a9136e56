"""`python -m onboarding`: the same command line as the `onboarding` script."""

from onboarding.cli.main import app

app(prog_name="onboarding")
