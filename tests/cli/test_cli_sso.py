"""The CLI signing in as a person (device flow) against a real OpenID provider.

`onboarding signin` against the provider of tests/helpers/oidc.py (oidc-provider-mock
with the device authorization grant added on Authlib's server side): a person
approves the code at the provider, the CLI keeps the ID token, and the API,
served by uvicorn with a real worker, takes it as a bearer token and names the
person in the audit log. ID tokens that do not hold, or name a person with no
role, are refused by the API as tokens are.
"""

import asyncio
import json
import stat
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from joserfc.jwk import RSAKey
from typer.testing import CliRunner, Result

from onboarding.cli.main import app as cli
from onboarding.embedded.app import create_app
from onboarding.embedded.services import running_api
from onboarding.history.entries import AuditFilters
from onboarding.history.log import audit_page
from onboarding.settings import Settings
from tests.helpers import Harness
from tests.helpers.oidc import OidcProvider, approve_when_asked, running_provider
from tests.helpers.ports import free_port

ROLES = {
    "onb-coordinators": "coordinator",
    "kommune": "municipality:5001",
    "legekontor": "municipality:gp-923609016",
}
CLI_CLIENT = "onboarding-cli"


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with running_provider() as running:
        running.add_user("kari", name="Kari Nordmann", groups=["onb-coordinators"])
        running.add_user("per", name="Per Utenrolle", groups=["the-canteen"])
        yield running


@dataclass
class Signed:
    url: str
    home: Path
    provider: OidcProvider
    harness: Harness

    def env(self) -> dict[str, str]:
        return {
            "ONBOARDING_URL": self.url,
            "ONBOARDING_HOME": str(self.home),
            "ONBOARDING_OIDC_ISSUER": self.provider.issuer,
            "ONBOARDING_OIDC_CLIENT_ID": "onboarding-pages",
            "ONBOARDING_OIDC_CLI_CLIENT_ID": CLI_CLIENT,
            "ONBOARDING_OIDC_ROLES": json.dumps(ROLES),
        }

    async def run(self, *args: str) -> Result:
        runner = CliRunner(env=self.env())
        return await asyncio.to_thread(lambda: runner.invoke(cli, list(args)))


@pytest.fixture
async def signed(provider: OidcProvider, harness: Harness, tmp_path: Path) -> AsyncIterator[Signed]:
    settings = Settings(
        home=tmp_path / "server",
        task_queue=harness.task_queue,
        oidc_issuer=provider.issuer,
        oidc_client_id="onboarding-pages",
        oidc_cli_client_id=CLI_CLIENT,
        oidc_roles=ROLES,
    )
    app = create_app(settings, client=harness.client, engine=harness.engine)
    port = free_port()
    async with harness.worker(), running_api(app, host="127.0.0.1", port=port):
        yield Signed(f"http://127.0.0.1:{port}", tmp_path / "cli", provider, harness)


async def test_the_cli_signs_in_as_a_person_and_the_audit_log_names_them(
    signed: Signed,
) -> None:
    place, _ = await signed.harness.start()
    person = approve_when_asked(signed.provider, "kari")
    result = await signed.run("signin")
    person.join(5)
    assert result.exit_code == 0, result.output
    assert "enter the code" in result.stderr
    assert "signed in as Kari Nordmann (coordinator)" in result.stdout
    kept = signed.home / "person.token"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert signed.provider.claims_of(kept.read_text())["aud"] == CLI_CLIENT

    moved = await signed.run(
        "transition", place.number, "sign_collaboration", "--on", "2017-03-15",
        "--evidence", "agreement_version=2017", "--evidence", "document_ref=ARK-2017/0042",
    )  # fmt: skip
    assert moved.exit_code == 0, moved.output
    page = audit_page(signed.harness.engine, AuditFilters(municipality=place.number))
    [entry] = [item for item in page.items if item.actor.role != "system"]
    assert (entry.actor.id, entry.actor.name) == ("person:kari", "Kari Nordmann")

    assert (await signed.run("signout")).exit_code == 0
    assert not kept.exists()


async def test_a_refusal_or_no_role_at_the_provider_signs_the_cli_in_as_nobody(
    signed: Signed,
) -> None:
    refusing = approve_when_asked(signed.provider, "kari", allow=False)
    refused = await signed.run("signin")
    refusing.join(5)
    assert refused.exit_code == 1
    assert "refused at the provider" in refused.stderr
    nobody = approve_when_asked(signed.provider, "per")
    no_role = await signed.run("signin")
    nobody.join(5)
    assert no_role.exit_code == 1
    assert "no role here" in no_role.stderr
    assert not (signed.home / "person.token").exists()


async def test_the_api_takes_only_id_tokens_that_hold_and_name_someone_with_a_role(
    signed: Signed,
) -> None:
    issuer, now = signed.provider.issuer, int(time.time())
    good = {"iss": issuer, "sub": "kari", "aud": CLI_CLIENT, "iat": now, "exp": now + 600}
    tokens = {
        "good": (signed.provider.sign({**good, "groups": ["onb-coordinators"]}), 200),
        "no role": (signed.provider.sign({**good, "groups": ["the-canteen"]}), 403),
        "expired": (signed.provider.sign({**good, "iat": now - 900, "exp": now - 300}), 401),
        "the pages' audience": (signed.provider.sign({**good, "aud": "onboarding-pages"}), 401),
        "another issuer": (signed.provider.sign({**good, "iss": "https://idp.example"}), 401),
        "not a token at all": ("garbage", 401),
    }
    async with httpx.AsyncClient(base_url=signed.url) as http:
        for what, (token, status) in tokens.items():
            answer = await http.get(
                "/api/municipalities", headers={"Authorization": f"Bearer {token}"}
            )
            assert answer.status_code == status, (what, answer.text)
        # A person mapped to the municipality role reads only their own municipality
        # or party: let through for it (no such party here: 404), refused for another.
        for group, own, other in (
            ("kommune", "5001", "5006"),
            ("legekontor", "gp-923609016", "gp-987654325"),
        ):
            scoped = {
                "Authorization": f"Bearer {signed.provider.sign({**good, 'groups': [group]})}"
            }
            assert (await http.get("/api/municipalities", headers=scoped)).status_code == 403
            assert (await http.get(f"/api/parties/{own}", headers=scoped)).status_code == 404
            refused = await http.get(f"/api/parties/{other}", headers=scoped)
            assert refused.status_code == 403, (group, refused.text)


async def test_forged_key_ids_do_not_make_the_api_fetch_the_jwks_each_time(
    signed: Signed,
) -> None:
    now = int(time.time())
    claims = {"iss": signed.provider.issuer, "sub": "kari", "aud": CLI_CLIENT, "iat": now}
    async with httpx.AsyncClient(base_url=signed.url) as http:
        before = signed.provider.jwks_requests
        for n in range(5):
            key = RSAKey.generate_key(2048, parameters={"kid": f"forged-{n}"}, private=True)
            forged = signed.provider.sign({**claims, "exp": now + 600}, key=key)
            answer = await http.get(
                "/api/municipalities", headers={"Authorization": f"Bearer {forged}"}
            )
            assert answer.status_code == 401
        # Once to fill the cache, once again for the first unknown key id; then not at all
        # for a minute (a key rotated at the provider reaches the API within it).
        assert signed.provider.jwks_requests - before <= 2


async def test_a_provider_without_device_flow_is_named(signed: Signed) -> None:
    signed.provider.device_flow = False
    try:
        # A fresh discovery: the CLI process reads it anew each time.
        result = await signed.run("signin")
    finally:
        signed.provider.device_flow = True
    assert result.exit_code == 1
    assert "offers no device sign-in" in result.stderr
