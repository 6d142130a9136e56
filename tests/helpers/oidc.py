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
  subject), answering the redirect back to the app;
- the device authorization grant (RFC 8628), which the mock lacks: added here
  on Authlib's server side (its `DeviceAuthorizationEndpoint` and
  `DeviceCodeGrant`), with a verification page where a person types the user
  code and signs in (`approve`), and an ID token with the tokens, as Entra ID
  issues for the `openid` scope. Its discovery document names the endpoint.
"""

import json
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import authlib.deprecate  # noqa: F401 - its warning filter first, so ours below wins
import flask
import httpx
import werkzeug.serving
from authlib.oauth2.rfc8628 import (
    DEVICE_CODE_GRANT_TYPE,
    DeviceAuthorizationEndpoint,
    DeviceCodeGrant,
    DeviceCredentialDict,
)
from joserfc import jwt
from joserfc.jwk import RSAKey as JoseRSAKey

# The mock is built on Authlib's older `authlib.jose`, which warns at import.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="authlib.jose module is deprecated")
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib import jose
    from oidc_provider_mock import User
    from oidc_provider_mock import app as provider_app
    from oidc_provider_mock._app import OpenIDCode, _user_claims_for_scope
    from oidc_provider_mock._storage import Client, Storage

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
# Any client may use the device grant (the mock lets any client id in).
Client.GRANT_TYPES_SUPPORTED = (*Client.GRANT_TYPES_SUPPORTED, DEVICE_CODE_GRANT_TYPE)


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
    # Device flow: credentials by device code, and each user code's answer (sub, approved).
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)
    answers: dict[str, tuple[str, bool]] = field(default_factory=dict)
    # False: discovery leaves the device endpoint out, as a provider without one does.
    device_flow: bool = True
    # False: discovery leaves the end-session endpoint out (no RP-initiated logout).
    end_session: bool = True
    jwks_requests: int = 0

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

    def pending_user_codes(self) -> list[str]:
        """The user codes of device sign-ins nobody has answered yet."""
        return [d["user_code"] for d in self.devices.values() if d["user_code"] not in self.answers]

    def approve(self, user_code: str, sub: str, *, allow: bool = True) -> None:
        """A person at the verification page: types the user code, signs in as `sub`."""
        answer = httpx.post(
            f"{self.issuer}/device",
            data={"user_code": user_code, "sub": sub, "action": "allow" if allow else "deny"},
        )
        assert answer.status_code == 200, answer.text[:300]


def _device_grant(provider: "OidcProvider") -> tuple[type, type]:
    """Authlib's device endpoint and grant, kept in `provider`, issuing an ID token too."""

    class Endpoint(DeviceAuthorizationEndpoint):  # type: ignore[misc]
        INTERVAL = 1  # seconds between polls: the tests wait for a person, not for minutes

        def get_verification_uri(self) -> str:
            return f"{provider.issuer}/device"

        def save_device_credential(self, client_id: str, scope: str, data: Answer) -> None:
            provider.devices[data["device_code"]] = {
                **data,
                "client_id": client_id,
                "scope": scope,
                "expires_at": int(time.time()) + data["expires_in"],
            }

    class Grant(DeviceCodeGrant):  # type: ignore[misc]
        def query_device_credential(self, device_code: str) -> Any:
            found = provider.devices.get(device_code)
            return DeviceCredentialDict(found) if found else None

        def query_user_grant(self, user_code: str) -> Any:
            answer = provider.answers.get(user_code)
            if answer is None:
                return None
            sub, approved = answer
            return provider.storage.get_user(sub), approved

        def should_slow_down(self, credential: Any) -> bool:
            return False

        def create_token_response(self) -> Any:
            status, token, headers = super().create_token_response()
            user, client = self.request.user, self.request.client
            now = int(time.time())
            claims = {
                "iss": provider.issuer,
                "sub": user.sub,
                "aud": client.get_client_id(),
                "iat": now,
                "exp": now + 3600,
                **_user_claims_for_scope(user, token.get("scope", "")),
            }
            return status, {**token, "id_token": provider.sign(claims)}, headers

    return Endpoint, Grant


def _add_device_flow(app: flask.Flask, provider: "OidcProvider") -> None:
    with app.test_request_context():
        app.preprocess_request()
        server = flask.g._authlib_authorization_server
    endpoint, grant = _device_grant(provider)
    server.register_endpoint(endpoint)
    server.register_grant(grant)

    @app.before_request
    def device_token() -> Any:
        # The mock's token view takes only its own grants; this one is answered here.
        form = flask.request.form
        if (
            flask.request.path == "/oauth2/token"
            and form.get("grant_type") == DEVICE_CODE_GRANT_TYPE
        ):
            return server.create_token_response()
        return None

    @app.post("/oauth2/device_authorization")
    def device_authorization() -> Any:
        return server.create_endpoint_response("device_authorization")

    @app.route("/device", methods=["GET", "POST"])
    def device() -> Any:
        if flask.request.method == "GET":
            return (
                '<form method="post"><input name="user_code"><input name="sub">'
                '<button name="action" value="allow">Allow</button></form>'
            )
        user_code = flask.request.form["user_code"]
        sub = flask.request.form["sub"]
        if provider.storage.get_user(sub) is None:
            provider.storage.store_user(User(sub=sub, claims={}))
        provider.answers[user_code] = (sub, flask.request.form.get("action") == "allow")
        return "done"

    @app.after_request
    def discovery_names_the_endpoints(response: flask.Response) -> flask.Response:
        if flask.request.path == "/.well-known/openid-configuration":
            document = json.loads(response.get_data())
            if provider.device_flow:
                document["device_authorization_endpoint"] = (
                    f"{provider.issuer}/oauth2/device_authorization"
                )
            if not provider.end_session:
                document.pop("end_session_endpoint", None)
            response.set_data(json.dumps(document))
        return response


class _Watch:
    """WSGI middleware: the token endpoint's answer through `provider.tamper`."""

    def __init__(self, app: Any, provider: "OidcProvider") -> None:
        self.app = app
        self.provider = provider

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/jwks":
            self.provider.jwks_requests += 1
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
        flask.g.oidc_provider_mock_storage = storage

    server = werkzeug.serving.make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=_Quiet
    )
    provider = OidcProvider(f"http://127.0.0.1:{server.server_port}", storage)
    _add_device_flow(app, provider)
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


def approve_when_asked(provider: OidcProvider, sub: str, *, allow: bool = True) -> threading.Thread:
    """A person who, once a device code is pending, types it at the provider as `sub`."""

    def answer() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            pending = provider.pending_user_codes()
            if pending:
                provider.approve(pending[-1], sub, allow=allow)
                return
            time.sleep(0.05)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    return thread
