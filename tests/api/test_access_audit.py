"""Every write names its actor: token events and contact-list changes in the audit log."""

from onboarding.store import tokens
from onboarding.store.tokens import Role
from tests.helpers.api import Api


async def test_token_creation_and_revocation_are_in_the_audit_log(api: Api) -> None:
    created = await api.post("/api/users", {"name": "Leaver", "role": "viewer"}, role=Role.ADMIN)
    assert created.status_code == 201, created.text
    token_id, secret = created.json()["id"], created.json()["token"]
    revoked = await api.http.delete(f"/api/users/{token_id}", headers=api.auth(Role.ADMIN))
    assert revoked.status_code == 200, revoked.text
    # A second revocation changes nothing, so records nothing.
    await api.http.delete(f"/api/users/{token_id}", headers=api.auth(Role.ADMIN))

    response = await api.get("/api/audit?kind=token_created&kind=token_revoked", role=Role.ADMIN)
    assert response.status_code == 200, response.text
    mine = [e for e in response.json()["items"] if e["details"]["token_id"] == token_id]
    assert [e["kind"] for e in mine] == ["token_revoked", "token_created"]
    admin = tokens.find_active_token(api.engine, secret=api.secrets[Role.ADMIN])
    assert admin is not None
    assert {e["actor"]["id"] for e in mine} == {f"token:{admin.id}"}
    assert all(e["municipality_number"] is None for e in mine)
    assert secret not in response.text and tokens.hash_secret(secret) not in response.text
    exported = await api.get("/api/audit/export?format=csv&kind=token_revoked", role=Role.ADMIN)
    assert exported.status_code == 200 and "token_revoked" in exported.text


async def test_contact_list_changes_keep_before_after_and_who(api: Api) -> None:
    [number] = await api.start()
    first = [{"role": "municipality_contact", "name": "Kari", "email": "kari@kommune.no"}]
    second = [{"role": "municipal_director", "name": "Ola", "email": "ola@kommune.no"}]
    for contacts in (first, second):
        response = await api.http.put(
            f"/api/municipalities/{number}/contacts",
            json=contacts,
            headers=api.auth(Role.COORDINATOR),
        )
        assert response.status_code == 200, response.text
    program = [{"role": "program_coordinator", "name": "Per", "email": "per@hnt.no"}]
    response = await api.http.put(
        "/api/program/contacts", json=program, headers=api.auth(Role.ADMIN)
    )
    assert response.status_code == 200, response.text

    timeline = (await api.get(f"/api/municipalities/{number}/timeline?kind=contact_change")).json()
    changes = [e for e in timeline if e["kind"] == "contact_change"]
    assert [(c["details"]["before"], c["details"]["after"]) for c in changes] == [
        ([], first),
        (first, second),
    ]
    assert {c["actor"]["role"] for c in changes} == {"coordinator"}

    log = (await api.get("/api/audit?kind=contact_change", role=Role.ADMIN)).json()["items"]
    assert [e["municipality_number"] for e in log] == [None, number, number]
    assert log[0]["details"] == {"list": "program", "before": [], "after": program}
    assert log[0]["actor"]["role"] == "admin"
