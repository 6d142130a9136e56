"""`onboarding signin` and `signout`: the CLI as a person, through the identity provider.

`signin` runs the device authorization flow (onboarding/sso/device.py): it
prints where to sign in and the code to type, waits, and keeps the verified ID
token in the data dir (`person.token`, mode 600). From then on the CLI sends it
instead of the admin token (ONBOARDING_TOKEN still comes first), and the API
and its audit log see the person. An ID token lives as long as the provider
says (an hour at Entra ID); then `signin` again. `signout` forgets it.
"""

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from onboarding.cli.errors import CliError
from onboarding.cli.remote import fail, settings

# The provider's protocol (authlib, httpx, the store) is loaded when one signs in,
# not for --help (onboarding/cli/lazy.py).
if TYPE_CHECKING:
    from onboarding.sso.device import SignedIn
    from onboarding.sso.provider import Provider


def sign_in() -> None:
    """Sign in at the identity provider from any browser; keep the person's ID token."""
    import asyncio

    from onboarding.sso.provider import Provider, SignInFailed
    from onboarding.sso.roles import person_of

    try:
        loaded = settings()
        if loaded.oidc_issuer is None or loaded.oidc_cli_client_id is None:
            raise CliError(
                "signing in as a person needs ONBOARDING_OIDC_ISSUER and "
                "ONBOARDING_OIDC_CLI_CLIENT_ID (docs/sso.md); or use a token (ONBOARDING_TOKEN)"
            )
        signed = asyncio.run(_device_flow(Provider(loaded, cli=True)))
        person = person_of(signed.claims, loaded)
        if person is None:
            raise CliError(
                f"you signed in as {signed.claims.get('sub')!r}, but your account has no role "
                f"here (the {loaded.oidc_role_claim} claim maps to none): ask an admin"
            )
        _keep(loaded.person_token_file, signed.id_token)
    except SignInFailed as err:
        raise fail(CliError(str(err))) from None
    except CliError as err:
        raise fail(err) from None
    typer.echo(f"signed in as {person.name} ({person.role.value})")


async def _device_flow(provider: "Provider") -> "SignedIn":
    from onboarding.sso.device import request_device_code, wait_for_person

    device = await request_device_code(provider)
    where = device.verification_uri_complete or device.verification_uri
    typer.echo(f"Open {where} in a browser and enter the code {device.user_code}", err=True)
    return await wait_for_person(provider, device)


def _keep(path: Path, id_token: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created 0600 before anything is written: the token is a credential.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(id_token)


def sign_out() -> None:
    """Forget the person's ID token; the CLI goes back to ONBOARDING_TOKEN or the admin token."""
    try:
        settings().person_token_file.unlink(missing_ok=True)
    except CliError as err:
        raise fail(err) from None
    typer.echo("signed out")
