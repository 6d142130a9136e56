"""The CLI signing in as a person: the OAuth device authorization grant (RFC 8628).

`onboarding signin` asks the provider for a device code, shows the person where
to go and which code to type (in any browser, on any machine), and polls the
token endpoint until they have signed in there, refused, or the code expired.
The token request and its answers (`authorization_pending`, `slow_down`,
`access_denied`, `expired_token`) are Authlib's (its httpx OAuth 2 client); the
ID token is verified as the pages verify theirs (onboarding/sso/provider.py),
for the CLI's own public client id. Authlib has no client side for the device
authorization request itself, so that one form post is made here.
"""

import asyncio
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from onboarding.sso.provider import Provider, SignInFailed

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.httpx_client import AsyncOAuth2Client
    from authlib.oauth2.rfc8628 import DEVICE_CODE_GRANT_TYPE

# RFC 8628 §3.5: on `slow_down` the interval grows by 5 seconds.
SLOW_DOWN_SECONDS = 5


@dataclass(frozen=True)
class DeviceCode:
    """What the person needs (where to go, which code) and what the polling needs."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    interval: float
    expires_in: float


@dataclass(frozen=True)
class SignedIn:
    """The verified ID token (the CLI's bearer token from now on) and its claims."""

    id_token: str
    claims: dict[str, Any]


def _client(provider: Provider) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=provider.client_id,
        token_endpoint_auth_method="none",
        scope=provider.scopes,
        timeout=10.0,
    )


async def request_device_code(provider: Provider) -> DeviceCode:
    """Ask the provider for a device code; SignInFailed if it has no device flow."""
    metadata = await provider.metadata()
    endpoint = metadata.get("device_authorization_endpoint")
    if not endpoint:
        raise SignInFailed(
            "the identity provider offers no device sign-in (no device_authorization_endpoint "
            "in its discovery document): use a token (ONBOARDING_TOKEN)"
        )
    async with _client(provider) as client:
        answer = await client.request(
            "POST",
            endpoint,
            withhold_token=True,
            data={"client_id": provider.client_id, "scope": provider.scopes},
        )
    body = (
        answer.json()
        if answer.headers.get("content-type", "").startswith("application/json")
        else {}
    )
    if answer.status_code != 200 or "device_code" not in body:
        raise SignInFailed(
            f"the provider refused a device code: {body.get('error', answer.status_code)}"
        )
    return DeviceCode(
        device_code=body["device_code"],
        user_code=body["user_code"],
        verification_uri=body.get("verification_uri") or body["verification_url"],
        verification_uri_complete=body.get("verification_uri_complete"),
        interval=float(body.get("interval", 5)),
        expires_in=float(body.get("expires_in", 600)),
    )


async def wait_for_person(
    provider: Provider, device: DeviceCode, *, sleep: Callable[[float], Any] = asyncio.sleep
) -> SignedIn:
    """Poll until the person has signed in at the provider; their verified ID token."""
    metadata = await provider.metadata()
    deadline = time.monotonic() + device.expires_in
    interval = device.interval
    async with _client(provider) as client:
        while True:
            await sleep(interval)
            if time.monotonic() > deadline:
                raise SignInFailed("the code expired before anyone signed in with it")
            try:
                token = await client.fetch_token(
                    metadata["token_endpoint"],
                    grant_type=DEVICE_CODE_GRANT_TYPE,
                    device_code=device.device_code,
                    client_id=provider.client_id,
                )
            except OAuthError as err:
                if err.error == "authorization_pending":
                    continue
                if err.error == "slow_down":
                    interval += SLOW_DOWN_SECONDS
                    continue
                if err.error == "access_denied":
                    raise SignInFailed("the sign-in was refused at the provider") from err
                if err.error == "expired_token":
                    raise SignInFailed("the code expired before anyone signed in with it") from err
                raise SignInFailed(f"the provider answered {err.error}") from err
            break
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SignInFailed("the provider's answer has no ID token (is `openid` in the scopes?)")
    return SignedIn(id_token, await provider.verify(dict(token), nonce=None))
