"""The party list and the addresses of a party's pages, over HTTP without a browser.

The list reads only the read model, filled here as the workflows' activities fill
it (store.projection): a region of two municipalities, two GP offices, a private
specialist and a hospital, and no workflow. A party's own page asks its workflow,
so it is tested with a worker in test_web_parties_browser.py.
"""

import re
from datetime import date

import httpx
import pytest
from sqlalchemy import Engine

from onboarding.domain.parties.models import RegistrationInput
from onboarding.domain.party import Party, PartyKind, org_number_check_digit, party_id
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.store import projection, tokens
from onboarding.store.tokens import Role
from onboarding.web import region_table
from onboarding.web.party_list import PartyFilters, local_parties, party_lines
from onboarding.web.party_paths import party_path
from tests.helpers.region_rows import region_rows
from tests.helpers.store import projected, register
from tests.helpers.web import sign_in_form

TRUST = "St. Olavs hospital HF"


def org(first_eight: str) -> str:
    """A valid organisation number: `first_eight` and its mod-11 check digit."""
    digit = org_number_check_digit(first_eight)
    assert digit is not None, f"no organisation number starts {first_eight}"
    return f"{first_eight}{digit}"


def _party(kind: PartyKind, first_eight: str, name: str, **fields: object) -> Party:
    number = org(first_eight)
    return Party(
        number=party_id(kind, org_number=number),
        name=name,
        county="Trøndelag",
        health_trust=TRUST,
        kind=kind,
        org_number=number,
        **fields,  # type: ignore[arg-type]
    )


MOHOLT = _party(
    PartyKind.GP_OFFICE, "91234566", "Moholt legesenter", municipality_number="8801", staff_count=9
)
NIDAROS = _party(
    PartyKind.SPECIALIST,
    "91234568",
    "Nidaros øyelege",
    municipality_number="8801",
    specialty="Øyesykdommer",
)
EGGE = _party(PartyKind.GP_OFFICE, "91234571", "Egge legekontor", municipality_number="8802")
HOSPITAL = _party(PartyKind.HOSPITAL, "91234572", "Testby sykehus", staff_count=1200)


def _region(engine: Engine) -> None:
    """8801 and 8802 (Testby 8801, 8802), their GP offices and specialist, and a hospital;
    8801 has signed the collaboration agreement."""
    register(engine, "8801")
    register(engine, "8802")
    for party in (MOHOLT, NIDAROS, EGGE, HOSPITAL):
        projection.register_municipality(
            engine,
            RegistrationInput(municipality=party, workflow_id=f"party-{party.number}", run_id="r"),
        )
    projection.record_transition(
        engine,
        projected(
            "8801",
            1,
            Trigger.SIGN_COLLABORATION,
            Stage.PROSPECTIVE,
            Stage.COLLABORATION_SIGNED,
            date(2017, 3, 15),
        ),
    )


async def _signed_in(
    http: httpx.AsyncClient, engine: Engine, language: str = "nb", role: Role = Role.VIEWER
) -> None:
    _, secret = tokens.create_token(engine, name="Kari", role=role)
    http.headers["Accept-Language"] = language
    assert (await sign_in_form(http, secret)).status_code == 303


def listed(html: str) -> list[str]:
    """The party ids of the list's rows, in order."""
    return re.findall(r'<tr data-party="([^"]+)"', html)


async def test_the_list_filters_by_kind_with_the_kinds_named_in_the_pages_language(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    _region(sqlite_engine)
    await _signed_in(http, sqlite_engine)
    everyone = await http.get("/parties")
    assert everyone.status_code == 200
    # Municipalities first, then GP offices, specialists, hospitals; by name within a kind.
    assert listed(everyone.text) == [
        "8801",
        "8802",
        EGGE.number,
        MOHOLT.number,
        NIDAROS.number,
        HOSPITAL.number,
    ]
    offices = await http.get("/parties", params={"kind": "gp_office"})
    assert offices.status_code == 200
    assert listed(offices.text) == [EGGE.number, MOHOLT.number]
    text = offices.text
    assert "<td>Fastlegekontor</td>" in text and "Parter (2)" in text
    assert f'<a href="/parties/{MOHOLT.number}">Moholt legesenter</a>' in text
    # The municipality it belongs to, linked to the municipality's page.
    assert '<a href="/municipalities/8801">Testby 8801</a>' in text
    assert f"<td>{MOHOLT.org_number}</td>" in text and '<td class="numeric">9</td>' in text
    # The chosen kind stays chosen in the form.
    assert '<option value="gp_office" selected>Fastlegekontor</option>' in text
    english = await http.get(
        "/parties", params={"kind": "specialist"}, headers={"Accept-Language": "en"}
    )
    assert "<td>Private specialist</td>" in english.text and "<td>Øyesykdommer</td>" in english.text


async def test_the_list_filters_by_municipality_and_stage_together(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    _region(sqlite_engine)
    await _signed_in(http, sqlite_engine)
    # A municipality's filter: the municipality itself and the parties that belong to it.
    home = await http.get("/parties", params={"municipality": "8801"})
    assert listed(home.text) == ["8801", MOHOLT.number, NIDAROS.number]
    both = await http.get("/parties", params={"municipality": "8801", "kind": "specialist"})
    assert listed(both.text) == [NIDAROS.number]
    signed = await http.get("/parties", params={"stage": "collaboration_signed"})
    assert listed(signed.text) == ["8801"]
    prospective = await http.get("/parties", params={"stage": "prospective", "kind": "gp_office"})
    assert listed(prospective.text) == [EGGE.number, MOHOLT.number]
    nobody = await http.get("/parties", params={"stage": "live"})
    assert nobody.status_code == 200 and listed(nobody.text) == []
    assert "Ingen parter passer filteret." in nobody.text


async def test_a_wrong_filter_is_named_by_its_field_and_lists_nothing(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    _region(sqlite_engine)
    await _signed_in(http, sqlite_engine, "en")
    for params, field in (
        ({"kind": "clinic"}, "kind"),
        ({"municipality": "88"}, "municipality"),
        ({"stage": "almost_live", "kind": "gp_office"}, "stage"),
    ):
        refused = await http.get("/parties", params=params)
        assert refused.status_code == 422, params
        assert f'href="#f-{field}"' in refused.text and 'aria-invalid="true"' in refused.text
        assert listed(refused.text) == []
    assert "Choose one of the listed options." in refused.text


async def test_a_partys_address_names_its_kind(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    assert party_path("5001") == "/municipalities/5001"
    assert party_path(MOHOLT.number) == f"/parties/{MOHOLT.number}"
    await _signed_in(http, sqlite_engine, "en", Role.COORDINATOR)
    # Unknown ids: a 404 page worded for the kind, before the workflow engine is asked.
    unknown = await http.get(f"/parties/{MOHOLT.number}")
    assert unknown.status_code == 404 and f"No party has the id {MOHOLT.number}." in unknown.text
    assert (await http.get("/parties/0000")).status_code == 404
    assert "No municipality has number 0000." in (await http.get("/parties/0000")).text
    # The municipality address takes a municipality's number only; neither takes a made-up id.
    assert (await http.get(f"/municipalities/{MOHOLT.number}")).status_code == 422
    assert (await http.get("/parties/gp-12")).status_code == 422
    assert (await http.get(f"/municipalities/{MOHOLT.number}/contacts")).status_code == 422


def test_a_municipalitys_own_parties_and_the_dashboards_table(sqlite_engine: Engine) -> None:
    _region(sqlite_engine)
    local = local_parties(sqlite_engine, "8801")
    assert [line.number for line in local] == [MOHOLT.number, NIDAROS.number]
    assert {line.home_name for line in local} == {"Testby 8801"}
    assert local_parties(sqlite_engine, "8802")[0].number == EGGE.number
    hospital = party_lines(sqlite_engine, PartyFilters(kind=PartyKind.HOSPITAL))
    assert [(h.home_municipality, h.staff_count) for h in hospital] == [(None, 1200)]
    # The dashboard's region table stays about the municipalities.
    rows = region_rows(sqlite_engine, today=date(2026, 12, 3), waves=lambda engine: {})
    assert [row.number for row in rows] == ["8801", "8802"]


async def test_the_dashboard_and_the_navigation_lead_to_the_party_list(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    _region(sqlite_engine)
    await _signed_in(http, sqlite_engine)
    dashboard = await http.get("/")
    assert dashboard.status_code == 200
    assert '<a href="/parties" id="all-parties">' in dashboard.text
    assert re.search(r'<a href="/parties"[^>]*>Parter</a>', dashboard.text), "not in the nav"
    # The region table: the municipalities only.
    table = dashboard.text[dashboard.text.index('id="region-table"') :]
    assert "/municipalities/8801" in table and "/parties/gp-" not in table


async def test_the_audit_log_and_the_outbox_filter_on_any_partys_id(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    # A party's page links admins to the audit log filtered to it, whatever its kind.
    _region(sqlite_engine)
    await _signed_in(http, sqlite_engine, "en", Role.ADMIN)
    outbox = await http.get("/admin/notifications", params={"municipality": MOHOLT.number})
    assert outbox.status_code == 200
    bad = await http.get("/admin/notifications", params={"municipality": "gp-12"})
    assert bad.status_code == 422 and 'id="f-municipality-error"' in bad.text
    office = await http.get("/admin/audit", params={"municipality": MOHOLT.number})
    assert office.status_code == 200
    assert f'value="{MOHOLT.number}"' in office.text
    municipality = await http.get("/admin/audit", params={"municipality": "8801"})
    assert municipality.status_code == 200 and "<tr data-entry=" in municipality.text
    wrong = await http.get("/admin/audit", params={"municipality": "gp-12"})
    assert wrong.status_code == 422
    assert "Enter a municipality number (four digits) or a party&#39;s id" in wrong.text


async def test_the_dashboard_counts_municipalities_unless_another_kind_is_chosen(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    _region(sqlite_engine)
    await _signed_in(http, sqlite_engine)
    region = await http.get("/")
    assert region.status_code == 200
    # Two municipalities, not the six parties: the GP offices, specialist and hospital wait.
    assert "2 kommuner, status per" in region.text
    assert 'stage-collaboration_signed"><span class="count">1</span>' in region.text
    assert 'id="region-table"' in region.text and "stage-agreement_offered" not in region.text
    offices = await http.get("/", params={"kind": "gp_office"})
    assert offices.status_code == 200
    assert "Fastlegekontor: 2, status per" in offices.text
    # A GP office's own road: its stages and milestones, no council's option.
    assert 'stage-prospective"><span class="count">2</span>' in offices.text
    assert 'stage-agreement_offered"><span class="count">0</span>' in offices.text
    assert "stage-option_exercised" not in offices.text
    assert 'id="region-table"' not in offices.text
    assert '<a href="/parties?kind=gp_office" id="kind-list">' in offices.text
    assert '<option value="gp_office" selected>' in offices.text
    wrong = await http.get("/", params={"kind": "clinic"}, headers={"Accept-Language": "en"})
    assert wrong.status_code == 422 and 'id="kind-error"' in wrong.text


async def test_the_region_table_is_filtered_on_the_server_and_cut_to_a_page(
    http: httpx.AsyncClient, sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _region(sqlite_engine)
    await _signed_in(http, sqlite_engine, "en")

    def table(html: str) -> list[str]:
        body = html[html.index('id="region-table"') :]
        return re.findall(r'<td data-sort="(\d{4})">', body)

    whole = await http.get("/dashboard")
    assert table(whole.text) == ["8801", "8802"]
    assert 'data-partial="no"' in whole.text and "Showing 2 of 2 municipalities." in whole.text
    assert 'id="region-table" class="data sortable">' in whole.text
    signed = await http.get("/dashboard", params={"stage": "collaboration_signed"})
    assert table(signed.text) == ["8801"]
    # Filtered by the server: widening the filter must ask it again, not the browser.
    assert 'data-partial="yes"' in signed.text and 'class="data sortable"' in signed.text
    assert '<option value="collaboration_signed" selected>' in signed.text
    assert table((await http.get("/dashboard", params={"q": "8802"})).text) == ["8802"]
    # A filter link on the start page shows the dashboard, filtered.
    assert table((await http.get("/", params={"q": "Testby 8801"})).text) == ["8801"]
    wrong = await http.get("/dashboard", params={"stage": "asleep"})
    assert wrong.status_code == 422 and 'id="f-stage-error"' in wrong.text
    assert table(wrong.text) == []

    # A region larger than a page: the first rows, and the browser leaves filtering to the form.
    monkeypatch.setattr(region_table, "REGION_TABLE_LIMIT", 1)
    cut = await http.get("/dashboard")
    assert table(cut.text) == ["8801"] and 'data-partial="yes"' in cut.text
    # Sorting the first rows in the browser would pass for sorting them all.
    assert 'id="region-table" class="data">' in cut.text and 'class="sort"' not in cut.text
    assert "Showing the first 1 of 2 matches among 2 municipalities" in cut.text
