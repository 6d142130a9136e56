"""A real OpenID Connect provider for the sign-in tests, served on a free port in a thread.

It is `oidc-provider-mock` (PyPI: a Flask app on Authlib's server side, with
discovery, JWKS, the authorization code flow with PKCE and nonce, and
RP-initiated logout), given three things the tests need around it:

- keys with key ids named in the ID token's header (as real providers do), and
  `rotate()`: the provider signs with a new key and its JWKS lists only that
  one (the harshest rotation: the old key is gone);
- `tamper`: a function the token endpoint's answer passes through on its way
  out, so a test can hand the app a forged, expired or foreign ID token exactly
  where a compromised network or provider would;
- `sign_in(...)`: the provider's sign-in page filled in (its form takes the
  subject), answering the redirect back to the app.

The provider has no device authorization endpoint (RFC 8628).
"""

import json
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import authlib.deprecate  # noqa: F401 - its warning filter first, so ours below wins
import httpx
import werkzeug.serving
from joserfc import jwt
from joserfc.jwk import RSAKey as JoseRSAKey

# The mock is built on Authlib's older `authlib.jose`, which warns at import.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="authlib.jose module is deprecated")
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib import jose
    from oidc_provider_mock import User
    from oidc_provider_mock import app as provider_app
    from oidc_provider_mock._app import OpenIDCode
    from oidc_provider_mock._storage import Storage

Answer = dict[str, Any]


def _with_key_id(get_jwt_config: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """The mock's signing configuration, with the key's id (for the ID token's header)."""

    def config(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        found = get_jwt_config(self, *args, **kwargs)
        return {**found, "kid": found["key"].get("kid")}

    return config


# Real providers (Entra ID, ID-porten) name the signing key in every ID token's header;
# the mock does not, and a client can only notice a rotation by an unknown key id.
OpenIDCode.get_jwt_config = _with_key_id(OpenIDCode.get_jwt_config)  # type: ignore[method-assign]


class KeyedStorage(Storage):
    """The mock's storage, signing with a key that has a key id, and able to rotate it."""

    def __init__(self) -> None:
        super().__init__()
        self.generation = 0
        self.rotate()

    def rotate(self) -> None:
        self.generation += 1
        self.jwk = jose.RSAKey.generate_key(
            is_private=True, options={"kid": f"key-{self.generation}"}
        )


@dataclass
class OidcProvider:
    """The running provider: its issuer URL, its storage, and the hooks above."""

    issuer: str
    storage: KeyedStorage
    tamper: Callable[[Answer], Answer] | None = None
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def add_user(self, sub: str, **claims: Any) -> None:
        """A person the provider knows, with the claims of their ID token (name, groups...)."""
        self.storage.store_user(User(sub=sub, claims=claims))

    def rotate(self) -> None:
        """Sign with a new key from now on; the JWKS lists only the new one."""
        self.storage.rotate()

    def sign(self, claims: dict[str, Any], *, key: JoseRSAKey | None = None) -> str:
        """An ID token with `claims`, signed with the provider's current key (or `key`)."""
        signing = key or JoseRSAKey.import_key(self.storage.jwk.as_dict(is_private=True))
        kid = signing.kid or self.storage.jwk.as_dict()["kid"]
        return jwt.encode({"alg": "RS256", "kid": kid}, claims, signing)

    def claims_of(self, id_token: str) -> dict[str, Any]:
        """The claims of one of this provider's ID tokens (its signature checked)."""
        key = JoseRSAKey.import_key(self.storage.jwk.as_dict())
        return dict(jwt.decode(id_token, key).claims)

    async def sign_in(self, http: httpx.AsyncClient, authorize_url: str, sub: str) -> str:
        """Sign in at the provider's page as `sub`; the URL it sends the browser back to."""
        page = await http.get(authorize_url)
        assert page.status_code == 200, page.text[:500]
        answer = await http.post(authorize_url, data={"sub": sub})
        assert answer.status_code in (302, 303), answer.text[:500]
        return answer.headers["location"]


class _Watch:
    """WSGI middleware: the token endpoint's answer through `provider.tamper`."""

    def __init__(self, app: Any, provider: "OidcProvider") -> None:
        self.app = app
        self.provider = provider

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") != "/oauth2/token" or self.provider.tamper is None:
            return self.app(environ, start_response)
        captured: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        body = b"".join(self.app(environ, keep))
        if captured["status"].startswith("200"):
            body = json.dumps(self.provider.tamper(json.loads(body))).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]


class _Quiet(werkzeug.serving.WSGIRequestHandler):
    """No access log on stderr for every request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def running_provider(*, require_nonce: bool = True) -> Iterator[OidcProvider]:
    """The provider on a free loopback port, until the block ends."""
    app = provider_app(require_nonce=require_nonce)
    storage = KeyedStorage()

    @app.before_request
    def _our_storage() -> None:
        # Runs after the mock's own (registered first), so every endpoint sees this storage.
        import flask

        flask.g.oidc_provider_mock_storage = storage

    server = werkzeug.serving.make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=_Quiet
    )
    provider = OidcProvider(f"http://127.0.0.1:{server.server_port}", storage)
    app.wsgi_app = _Watch(app.wsgi_app, provider)  # type: ignore[method-assign]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


async def sso_sign_in(
    http: httpx.AsyncClient, provider: OidcProvider, sub: str, *, next_path: str = "/"
) -> httpx.Response:
    """Sign `http` (a browser of the app) in at the provider as `sub`: the callback's answer."""
    began = await http.get("/signin/sso", params={"next": next_path})
    assert began.status_code == 303, began.text[:500]
    async with httpx.AsyncClient() as at_provider:
        back = await provider.sign_in(at_provider, began.headers["location"], sub)
    return await http.get(back)
