"""People's bearer tokens: an ID token from the identity provider, as the CLI sends it.

`onboarding signin` (onboarding/sso/device.py) leaves the CLI with the person's
ID token, issued to the CLI's own public client (`ONBOARDING_OIDC_CLI_CLIENT_ID`).
The API takes it as a bearer token in place of an API token: verified like the
pages' (signature against the provider's JWKS, issuer, audience, expiry), its
claims mapped to a role and scope as for the pages (onboarding/sso/roles.py),
and the audit log names the person. Without a CLI client id configured no ID
token is taken, and only API tokens (`onb_...`) work.
"""

from dataclasses import dataclass

from fastapi import Request

from onboarding.domain.actor import Actor
from onboarding.settings import Settings
from onboarding.sso.provider import Provider, SignInFailed
from onboarding.sso.roles import person_of


@dataclass(frozen=True)
class BearerPerson:
    """Who a verified ID token names, or why it is refused (`problem`, 401 or 403)."""

    actor: Actor | None
    scope: frozenset[str] = frozenset()
    problem: str = ""
    status: int = 401


def cli_provider(request: Request, settings: Settings) -> Provider | None:
    """The identity provider as the CLI's client sees it (made on first use), or None."""
    if settings.oidc_issuer is None or settings.oidc_cli_client_id is None:
        return None
    found: Provider | None = getattr(request.app.state, "cli_provider", None)
    if found is None:
        found = request.app.state.cli_provider = Provider(settings, cli=True)
    return found


async def person_of_bearer(provider: Provider, settings: Settings, secret: str) -> BearerPerson:
    """The person an ID token names, with their role here; or why not."""
    try:
        claims = await provider.verify_bearer(secret)
    except SignInFailed as err:
        return BearerPerson(None, problem=str(err))
    person = person_of(claims, settings)
    if person is None:
        return BearerPerson(
            None,
            problem=f"{claims.get('sub')!r} has no role here (the "
            f"{settings.oidc_role_claim} claim maps to none)",
            status=403,
        )
    return BearerPerson(person.actor, person.scope)
