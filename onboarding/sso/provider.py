"""The identity provider, through Authlib: sign-in, the ID token's checks, sign-out.

Everything about the protocol is Authlib's (its Starlette client, on httpx and
joserfc): the discovery document, the authorization URL with `state`, `nonce`
and a PKCE challenge (S256), the code exchanged for tokens with the client's
secret and the PKCE verifier, and the ID token checked against the provider's
JWKS (signature, issuer, audience, expiry, nonce). The keys are cached and
fetched again when a token names a key id the cache lacks, which is how a
provider's key rotation reaches us. What this module adds is only what the
library leaves to its caller: where the pending sign-in is kept (the store,
onboarding/store/sso_sign_ins.py) and which issuer and audience to insist on.
"""

import time
import warnings
from dataclasses import dataclass
from typing import Any

import authlib.deprecate  # noqa: F401 - its warning filter first, so ours below wins
import httpx
from joserfc import jws
from joserfc.errors import JoseError

from onboarding.settings import Settings

# Authlib's httpx client warns at import that it would rather have the `httpx2` package;
# httpx is what the project runs on, and the warning says nothing about our use of it.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
    from authlib.oidc.core import IDToken

# Clocks of the provider and this server may differ a little; an ID token is
# accepted this long past its `exp` (Authlib's default of 120 s is generous).
CLOCK_LEEWAY_SECONDS = 30
HTTP_TIMEOUT_SECONDS = 10.0
# A key id the cached JWKS lacks makes a bearer token's check fetch it again at most this often.
JWKS_REFETCH_SECONDS = 60.0


class SignInFailed(Exception):
    """The provider's answer did not hold up (an error, a bad code, an ID token that fails)."""


@dataclass(frozen=True)
class Authorization:
    """Where to send the browser, and what the callback must find again."""

    url: str
    state: str
    nonce: str
    code_verifier: str


class Provider:
    """One identity provider, as the settings name it (`ONBOARDING_OIDC_*`)."""

    def __init__(self, settings: Settings, *, cli: bool = False) -> None:
        """The pages' client (`ONBOARDING_OIDC_CLIENT_ID` and secret), or with `cli` the CLI's
        public one (`ONBOARDING_OIDC_CLI_CLIENT_ID`, no secret)."""
        client_id = settings.oidc_cli_client_id if cli else settings.oidc_client_id
        if settings.oidc_issuer is None or client_id is None:
            raise ValueError("single sign-on needs ONBOARDING_OIDC_ISSUER and a client id")
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.client_id = client_id
        self.scopes = settings.oidc_scopes
        secret = None if cli else settings.oidc_client_secret
        client: StarletteOAuth2App = OAuth().register(
            "onboarding",
            client_id=self.client_id,
            client_secret=secret.get_secret_value() if secret is not None else None,
            server_metadata_url=f"{self.issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": settings.oidc_scopes,
                "code_challenge_method": "S256",
                "timeout": HTTP_TIMEOUT_SECONDS,
                # A public client (no secret) authenticates with PKCE alone.
                **({} if secret is not None else {"token_endpoint_auth_method": "none"}),
            },
        )
        self._client = client
        # When the JWKS was last fetched again for an unknown key id (bearer tokens).
        self._jwks_fetched_at = -JWKS_REFETCH_SECONDS

    async def authorization(self, redirect_uri: str) -> Authorization:
        """A new authorization request: its URL, and its state, nonce and PKCE verifier."""
        try:
            made = await self._client.create_authorization_url(redirect_uri)
        except Exception as err:  # noqa: BLE001 - the provider unreachable or malformed
            raise SignInFailed(f"the provider's discovery failed: {err}") from err
        return Authorization(made["url"], made["state"], made["nonce"], made["code_verifier"])

    async def finish(
        self, *, redirect_uri: str, code: str, code_verifier: str, nonce: str
    ) -> tuple[dict[str, Any], str]:
        """Exchange the code and verify the ID token: its claims and the token itself."""
        try:
            token = await self._client.fetch_access_token(
                redirect_uri=redirect_uri, code=code, code_verifier=code_verifier
            )
        except OAuthError as err:
            raise SignInFailed(f"the provider refused the code: {err.error}") from err
        except Exception as err:  # noqa: BLE001 - network, or an answer that is not JSON
            raise SignInFailed(f"the token request failed: {err}") from err
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SignInFailed("the provider's answer has no ID token")
        return await self.verify(token, nonce=nonce), id_token

    async def verify_bearer(self, id_token: str) -> dict[str, Any]:
        """An ID token sent as a bearer token (the CLI's): its claims, once they hold.

        No nonce here: the CLI's device flow has none; the audience (this client
        id), issuer, signature and expiry are what make it ours and current.
        Anyone may send a bearer token, so a key id the cached JWKS lacks makes
        us fetch the JWKS again at most once a `JWKS_REFETCH_SECONDS`: otherwise
        every forged token would cost a request to the provider.
        """
        try:
            header = jws.extract_compact(id_token.encode()).headers()
        except (JoseError, ValueError) as err:
            raise SignInFailed(f"not an ID token: {err}") from err
        kid = header.get("kid")
        if isinstance(kid, str) and not await self._knows_key(kid):
            raise SignInFailed(f"the provider has no key {kid!r}")
        return await self.verify({"id_token": id_token}, nonce=None, claims_cls=IDToken)

    async def _knows_key(self, kid: str) -> bool:
        try:
            if _has_key(await self._client.fetch_jwk_set(), kid):
                return True
            if time.monotonic() - self._jwks_fetched_at < JWKS_REFETCH_SECONDS:
                return False
            self._jwks_fetched_at = time.monotonic()
            return _has_key(await self._client.fetch_jwk_set(force=True), kid)
        except (httpx.HTTPError, RuntimeError) as err:
            raise SignInFailed(f"the provider's keys could not be fetched: {err}") from err

    async def verify(
        self, token: dict[str, Any], *, nonce: str | None, claims_cls: Any = None
    ) -> dict[str, Any]:
        """The ID token's claims, once signature, issuer, audience, expiry and nonce hold.

        `token` is the token endpoint's answer: with its access token, Authlib also
        checks the ID token's `at_hash` against it.
        """
        options: dict[str, Any] = {
            "iss": {"essential": True, "value": self.issuer},
            "aud": {"essential": True, "value": self.client_id},
        }
        try:
            claims = await self._client.parse_id_token(
                token,
                nonce=nonce,
                claims_options=options,
                claims_cls=claims_cls,
                leeway=CLOCK_LEEWAY_SECONDS,
            )
        except (JoseError, ValueError, httpx.HTTPError) as err:
            raise SignInFailed(f"the ID token does not hold: {err}") from err
        if claims is None or not claims.get("sub"):
            raise SignInFailed("the ID token names no subject")
        return dict(claims)

    async def logout_url(self, *, id_token: str | None, after: str) -> str | None:
        """The provider's end-session URL (RP-initiated logout), or None if it has none."""
        metadata = await self._metadata()
        if not metadata.get("end_session_endpoint"):
            return None
        made = await self._client.create_logout_url(
            post_logout_redirect_uri=after, id_token_hint=id_token, client_id=self.client_id
        )
        url: str = made["url"]
        return url

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (fetched once); SignInFailed if unreachable."""
        try:
            found: dict[str, Any] = await self._client.load_server_metadata()
        except Exception as err:  # noqa: BLE001 - network, or not a discovery document
            raise SignInFailed(f"the provider's discovery failed: {err}") from err
        return found

    async def _metadata(self) -> dict[str, Any]:
        try:
            metadata: dict[str, Any] = await self._client.load_server_metadata()
        except Exception:  # noqa: BLE001 - an unreachable provider has no sign-out to offer
            return {}
        return metadata


def _has_key(jwks: dict[str, Any], kid: str) -> bool:
    return any(key.get("kid") == kid for key in jwks.get("keys", []))
