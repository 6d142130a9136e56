"""A small synchronous client of the onboarding REST API.

It knows the routes and turns every failure into a CliError with a one-line
message: the API's own `{"error", "message", "field"}` body when there is one.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

import httpx

from onboarding.cli.errors import ApiRefused, ApiTimedOut, ApiUnreachable
from onboarding.settings import Settings

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
RECONCILE_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
# An import starts a workflow per party and waits for each one's row.
IMPORT_TIMEOUT = httpx.Timeout(300.0, connect=5.0)
# Loading the region's history applies every reform since 2015 through the engine.
HISTORY_TIMEOUT = httpx.Timeout(600.0, connect=5.0)


def one_party(number: str, rest: str = "") -> str:
    """The path of one party's route: a municipality's under /api/municipalities (as every
    version of the API has it), another party's under /api/parties."""
    prefix = "/api/municipalities" if len(number) == 4 and number.isdigit() else "/api/parties"
    return f"{prefix}/{number}{rest}"


def resolve_token(settings: Settings) -> str | None:
    """ONBOARDING_TOKEN, else the person `onboarding signin` signed in, else the admin token
    `onboarding up` wrote under the data dir."""
    if settings.token:
        return settings.token
    for path in (settings.person_token_file, settings.admin_token_file):
        try:
            found = path.read_text(encoding="utf-8").strip()
        except OSError:
            # No local instance (or no access): the API will answer 401 and we say why.
            continue
        if found:
            return found
    return None


class ApiClient:
    """The API at `url`, as `token` sees it. Use as a context manager."""

    def __init__(
        self,
        url: str,
        token: str | None,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.url = url.rstrip("/")
        self.has_token = token is not None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    @classmethod
    def from_settings(cls, settings: Settings) -> "ApiClient":
        """A client for ONBOARDING_URL with ONBOARDING_TOKEN (or the local admin token)."""
        return cls(settings.url, resolve_token(settings))

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # -- routes --------------------------------------------------------------

    def municipalities(self, *, stage: str | None = None) -> Any:
        """GET /api/municipalities, optionally filtered by stage."""
        params = {"stage": stage} if stage else None
        return self._request("GET", "/api/municipalities", params=params)

    def municipality(self, number: str) -> Any:
        """GET /api/municipalities/{number} (or /api/parties/{number}: one_party)."""
        return self._request("GET", one_party(number))

    def parties(self, params: dict[str, str]) -> Any:
        """GET /api/parties with the filters given (kind, municipality, stage, org_number)."""
        return self._request("GET", "/api/parties", params=params or None)

    def register_party(self, body: dict[str, Any]) -> Any:
        """POST /api/parties: register a GP office, specialist or hospital (idempotent)."""
        return self._request("POST", "/api/parties", json=body)

    def import_parties(self, text: bytes) -> Any:
        """POST /api/parties/import: a CSV file of parties, registered whole or not at all."""
        return self._request(
            "POST",
            "/api/parties/import",
            content=text,
            headers={"Content-Type": "text/csv; charset=utf-8"},
            timeout=IMPORT_TIMEOUT,
        )

    def transition(self, number: str, body: dict[str, Any]) -> Any:
        """POST /api/municipalities/{number}/transitions."""
        return self._request("POST", one_party(number, "/transitions"), json=body)

    def history(self, number: str) -> Any:
        """GET /api/municipalities/{number}/history."""
        return self._request("GET", one_party(number, "/history"))

    def funnel(
        self, *, as_of: str | None = None, known_on: str | None = None, kind: str | None = None
    ) -> Any:
        """GET /api/reports/funnel, on `as_of` (default: today), as known on `known_on`."""
        params = _given(as_of=as_of, known_on=known_on, kind=kind)
        return self._request("GET", "/api/reports/funnel", params=params or None)

    def stages(
        self, *, as_of: str | None = None, known_on: str | None = None, kind: str | None = None
    ) -> Any:
        """GET /api/reports/stages."""
        params = _given(as_of=as_of, known_on=known_on, kind=kind)
        return self._request("GET", "/api/reports/stages", params=params or None)

    def coverage(self, *, as_of: str | None = None, known_on: str | None = None) -> Any:
        """GET /api/reports/coverage: per kind of party, how many, live, and their staff."""
        params = _given(as_of=as_of, known_on=known_on)
        return self._request("GET", "/api/reports/coverage", params=params or None)

    def milestones(self, params: dict[str, str]) -> Any:
        """GET /api/reports/milestones (from, to, interval, known_on, kind)."""
        return self._request("GET", "/api/reports/milestones", params=params)

    def timeline(self, number: str, params: list[tuple[str, str]]) -> Any:
        """GET /api/municipalities/{number}/timeline (kind repeatable, from, to, order)."""
        return self._request("GET", one_party(number, "/timeline"), params=params)

    def audit(self, params: list[tuple[str, str]]) -> Any:
        """GET /api/audit with the filters given (kind repeatable)."""
        return self._request("GET", "/api/audit", params=params)

    def export_audit(
        self, params: Sequence[tuple[str, str]], write: Callable[[bytes], object]
    ) -> None:
        """GET /api/audit/export, handing the body to `write` as it arrives (bounded memory)."""
        query = httpx.QueryParams(list(params))
        with (
            self._transport_errors(),
            self._http.stream("GET", "/api/audit/export", params=query) as response,
        ):
            if not response.is_success:
                response.read()
                raise self._refusal(response)
            for chunk in response.iter_bytes():
                write(chunk)

    def correct(self, number: str, body: dict[str, Any]) -> Any:
        """POST /api/municipalities/{number}/corrections."""
        return self._request("POST", one_party(number, "/corrections"), json=body)

    def engine(self, number: str) -> Any:
        """GET /api/municipalities/{number}/engine: workflow id, runs, web UI links."""
        return self._request("GET", one_party(number, "/engine"))

    def engine_history(self, number: str) -> Any:
        """GET /api/municipalities/{number}/engine/history: the event history summary (admin)."""
        return self._request("GET", one_party(number, "/engine/history"))

    def users(self) -> Any:
        """GET /api/users."""
        return self._request("GET", "/api/users")

    def add_user(
        self, *, name: str, role: str, scope: list[str] | None = None, expires_at: str | None = None
    ) -> Any:
        """POST /api/users; the answer holds the new token, shown only this once."""
        body: dict[str, Any] = {"name": name, "role": role}
        if scope is not None:
            body["scope"] = scope
        if expires_at is not None:
            body["expires_at"] = expires_at
        return self._request("POST", "/api/users", json=body)

    def load_region(self) -> Any:
        """POST /api/region/load: start a workflow for every municipality of the region."""
        return self._request("POST", "/api/region/load")

    def load_history(self, body: dict[str, Any]) -> Any:
        """POST /api/region/history/load: the region's history since 2015 (minutes at most)."""
        return self._request("POST", "/api/region/history/load", json=body, timeout=HISTORY_TIMEOUT)

    def contacts(self, number: str) -> Any:
        """GET /api/municipalities/{number}/contacts."""
        return self._request("GET", one_party(number, "/contacts"))

    def set_contacts(self, number: str, contacts: list[Any]) -> Any:
        """PUT /api/municipalities/{number}/contacts: replace the whole list."""
        return self._request("PUT", one_party(number, "/contacts"), json=contacts)

    def program_contacts(self) -> Any:
        """GET /api/program/contacts."""
        return self._request("GET", "/api/program/contacts")

    def set_program_contacts(self, contacts: list[Any]) -> Any:
        """PUT /api/program/contacts: replace the whole list."""
        return self._request("PUT", "/api/program/contacts", json=contacts)

    def notifications(self, filters: dict[str, str | int | None]) -> Any:
        """GET /api/notifications with the filters that are set (municipality, status, ...)."""
        params = {name: value for name, value in filters.items() if value is not None}
        return self._request("GET", "/api/notifications", params=params)

    def obligations(self, number: str) -> Any:
        """GET /api/municipalities/{number}/obligations."""
        return self._request("GET", one_party(number, "/obligations"))

    def set_deadline(self, number: str, obligation_id: str, body: dict[str, Any]) -> Any:
        """PUT /api/municipalities/{number}/obligations/{obligation_id}: set or move it."""
        return self._request("PUT", one_party(number, f"/obligations/{obligation_id}"), json=body)

    def bulk_deadlines(self, body: dict[str, Any]) -> Any:
        """POST /api/bulk/deadlines: one deadline for many municipalities, a result each."""
        return self._request("POST", "/api/bulk/deadlines", json=body)

    def overdue(self, *, as_of: str | None = None, kind: str | None = None) -> Any:
        """GET /api/reports/overdue, on `as_of` (default: today), of `kind` (default: all)."""
        params = _given(as_of=as_of, kind=kind)
        return self._request("GET", "/api/reports/overdue", params=params or None)

    def worklist(self, params: dict[str, object]) -> Any:
        """GET /api/worklist with its filters."""
        return self._request("GET", "/api/worklist", params=params)

    def waves(self) -> Any:
        """GET /api/waves."""
        return self._request("GET", "/api/waves")

    def wave(self, wave_id: str) -> Any:
        """GET /api/waves/{id}: members, every date it had, decisions, history."""
        return self._request("GET", f"/api/waves/{wave_id}")

    def create_wave(self, body: dict[str, Any]) -> Any:
        """POST /api/waves."""
        return self._request("POST", "/api/waves", json=body)

    def add_member(self, wave_id: str, body: dict[str, Any]) -> Any:
        """POST /api/waves/{id}/members: add, or move here from another wave."""
        return self._request("POST", f"/api/waves/{wave_id}/members", json=body)

    def remove_member(self, wave_id: str, number: str, *, reason: str | None) -> Any:
        """DELETE /api/waves/{id}/members/{number}."""
        params = {"reason": reason} if reason else None
        return self._request("DELETE", f"/api/waves/{wave_id}/members/{number}", params=params)

    def reschedule(self, wave_id: str, body: dict[str, Any]) -> Any:
        """POST /api/waves/{id}/reschedule."""
        return self._request("POST", f"/api/waves/{wave_id}/reschedule", json=body)

    def decide(self, wave_id: str, body: dict[str, Any]) -> Any:
        """POST /api/waves/{id}/decision."""
        return self._request("POST", f"/api/waves/{wave_id}/decision", json=body)

    def wave_blockers(self, wave_id: str | None, *, as_of: str | None = None) -> Any:
        """GET /api/waves/{id}/blockers, or the program's /api/reports/blockers."""
        params = {"as_of": as_of} if as_of else None
        path = f"/api/waves/{wave_id}/blockers" if wave_id else "/api/reports/blockers"
        return self._request("GET", path, params=params)

    def checklist(self, number: str) -> Any:
        """GET /api/municipalities/{number}/checklist."""
        return self._request("GET", one_party(number, "/checklist"))

    def complete_item(self, number: str, item: str, body: dict[str, Any]) -> Any:
        """POST /api/municipalities/{number}/checklist/{item}."""
        return self._request("POST", one_party(number, f"/checklist/{item}"), json=body)

    def complete_items(self, number: str, body: dict[str, Any]) -> Any:
        """POST /api/municipalities/{number}/checklist: several items, all or none."""
        return self._request("POST", one_party(number, "/checklist"), json=body)

    def reconcile(self, *, dry_run: bool) -> Any:
        """POST /api/reconcile: compare the read model with the workflows (and repair)."""
        # Every municipality is asked: give it minutes, not the usual 30 s.
        return self._request(
            "POST",
            "/api/reconcile",
            params={"dry_run": "true" if dry_run else "false"},
            timeout=RECONCILE_TIMEOUT,
        )

    # -- plumbing ------------------------------------------------------------

    def migration_dry_run(self, body: dict[str, Any]) -> Any:
        """POST /api/migrations/dry-run: what a plan would do to each selected party."""
        return self._request("POST", "/api/migrations/dry-run", json=body)

    def migration_apply(self, body: dict[str, Any]) -> Any:
        """POST /api/migrations: start migrating the selected parties."""
        return self._request("POST", "/api/migrations", json=body)

    def migration(self, migration_id: str, action: str | None = None) -> Any:
        """GET /api/migrations/{id}/progress, or POST .../pause and .../resume."""
        if action is None:
            return self._request("GET", f"/api/migrations/{migration_id}/progress")
        return self._request("POST", f"/api/migrations/{migration_id}/{action}")

    def reform_dry_run(self, body: dict[str, Any]) -> Any:
        """POST /api/reforms/dry-run: what a reform would do to each party, and what follows."""
        return self._request("POST", "/api/reforms/dry-run", json=body)

    def reform_apply(self, body: dict[str, Any]) -> Any:
        """POST /api/reforms: record a reform."""
        return self._request("POST", "/api/reforms", json=body)

    def reforms(self, *, party: str | None = None, kind: str | None = None) -> Any:
        """GET /api/reforms: the reforms recorded."""
        params = {k: v for k, v in (("party", party), ("kind", kind)) if v is not None}
        return self._request("GET", "/api/reforms", params=params)

    def reform(self, reform_id: str) -> Any:
        """GET /api/reforms/{id}: one reform as recorded."""
        return self._request("GET", f"/api/reforms/{reform_id}")

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        with self._transport_errors():
            response = self._http.request(method, path, **kwargs)
        if response.is_success:
            return _json(response)
        raise self._refusal(response)

    @contextmanager
    def _transport_errors(self) -> Iterator[None]:
        """httpx's failures to reach the API (or to hear back) as the CLI's errors."""
        try:
            yield
        except (httpx.ConnectTimeout, httpx.PoolTimeout):
            # The request never left: nothing was done.
            raise ApiUnreachable(f"cannot reach the API at {self.url} in time") from None
        except httpx.TimeoutException:
            raise ApiTimedOut(f"the API at {self.url} did not answer in time") from None
        except httpx.TransportError:
            raise ApiUnreachable(
                f"cannot reach the API at {self.url} (is 'onboarding up' running?)"
            ) from None

    def _refusal(self, response: httpx.Response) -> ApiRefused:
        body = _json(response)
        reason = error_message(body) or f"HTTP {response.status_code} {response.reason_phrase}"
        if response.status_code == 401 and not self.has_token:
            reason += (
                " (no token: set ONBOARDING_TOKEN, or ONBOARDING_HOME to the data dir"
                " of 'onboarding up')"
            )
        elif response.status_code >= 500:
            reason = f"the API failed (HTTP {response.status_code}): {reason}"
        return ApiRefused(reason, status=response.status_code, body=body)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text or None


def error_message(body: object) -> str | None:
    """The one-line reason in an error body of the API (or of FastAPI's own validation)."""
    if not isinstance(body, dict):
        return body.strip() if isinstance(body, str) and body.strip() else None
    message = body.get("message")
    field = body.get("field")
    if isinstance(message, str):
        return f"{field}: {message}" if isinstance(field, str) and field else message
    detail = body.get("detail")
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        # FastAPI's default 422: [{"loc": [...], "msg": ...}, ...]
        first = detail[0]
        location = ".".join(str(p) for p in first.get("loc", []) if p != "body")
        return f"{location}: {first.get('msg')}" if location else str(first.get("msg"))
    error = body.get("error")
    return error if isinstance(error, str) else None


def _given(**params: str | None) -> dict[str, str]:
    """The query parameters that have a value."""
    return {name: value for name, value in params.items() if value}
