"""An import file of parties: CSV lines checked whole, every bad line named (pure).

The file is UTF-8 CSV with the header
`kind,org_number,name,municipality_number,health_trust,specialty,staff_count`
and one party per line (gp_office, specialist or hospital; empty cells are
absent values). Every line is checked before anything is registered: its
fields (registration.py: the organisation number's check digit, what the kind
needs), its municipality and health trust against the region, and that no
organisation number is on two lines. Each bad line gets one problem naming
the line and the field; any problem refuses the whole file (ImportRefused),
so a file is never half-imported.
"""

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from onboarding.domain.csv_lines import csv_lines
from onboarding.domain.errors import RequestRejected
from onboarding.domain.parties.registration import PartyRegistration, Region, party_of
from onboarding.domain.party import Party

COLUMNS = (
    "kind",
    "org_number",
    "name",
    "municipality_number",
    "health_trust",
    "specialty",
    "staff_count",
)
SOURCE = "file"
MAX_LINES = 10_000


@dataclass(frozen=True)
class Problem:
    """What is wrong with one line of the file, and which field."""

    line: int
    field: str
    message: str

    @property
    def where(self) -> str:
        """The line and field, as the answer names them: `line 3 org_number`."""
        return f"line {self.line} {self.field}"


@dataclass(frozen=True)
class ImportLine:
    """A good line of the file: its number, and the party it registers."""

    line: int
    party: Party


class ImportRefused(RequestRejected):
    """The file has bad lines (HTTP 422): the first names the field, `errors` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        super().__init__(first.where, first.message)
        self.problems = problems

    def to_detail(self) -> dict[str, Any]:
        return {
            **super().to_detail(),
            "message": f"{len(self.problems)} bad line(s), nothing was registered; "
            f"first: {self.message}",
            "errors": [{"field": p.where, "message": p.message} for p in self.problems],
        }


def parse_import(text: str, region: Region) -> list[ImportLine]:
    """The parties of an import file, in file order; ImportRefused naming every bad line.

    A wrong header or a line with the wrong number of fields stops the reading
    there (the columns after it cannot be trusted); it is named like any other.
    """
    problems: list[Problem] = []
    parties: list[ImportLine] = []
    first_line: dict[str, int] = {}
    try:
        for line, row in csv_lines(text, COLUMNS, SOURCE):
            if line > MAX_LINES + 1:
                problems.append(Problem(line, "row", f"a file holds at most {MAX_LINES} parties"))
                break
            party = _line_party(line, row, region, problems)
            if party is None:
                continue
            assert party.org_number is not None, "a registration has its org number"
            if party.org_number in first_line:
                problems.append(
                    Problem(
                        line,
                        "org_number",
                        f"{party.org_number} is on line {first_line[party.org_number]} already",
                    )
                )
                continue
            first_line[party.org_number] = line
            parties.append(ImportLine(line, party))
    except RequestRejected as err:
        # csv_lines names the file (a wrong header) or `file line N` (a shifted line).
        _, _, rest = err.field.partition(" line ")
        if rest:
            problems.append(Problem(int(rest), "row", err.message))
        else:
            problems.append(Problem(1, "header", err.message))
    if problems:
        raise ImportRefused(problems)
    if not parties:
        raise RequestRejected(SOURCE, "the file holds no parties (only its header)")
    return parties


def _line_party(
    line: int, row: dict[str, str], region: Region, problems: list[Problem]
) -> Party | None:
    """The party of one line, or None with its first problem added."""
    given = {name: value.strip() for name, value in row.items() if value and value.strip()}
    try:
        registration = PartyRegistration.model_validate(given)
        return party_of(registration, region)
    except ValidationError as err:
        first = err.errors()[0]
        context = first.get("ctx") or {}
        field = context.get("field") or ".".join(str(p) for p in first["loc"]) or "row"
        problems.append(Problem(line, str(field), _allowed(first)))
    except RequestRejected as err:
        problems.append(Problem(line, err.field, err.message))
    return None


def _allowed(error: Any) -> str:
    """A validation error's message, with what is allowed where pydantic names it."""
    message = str(error["msg"]).removeprefix("Value error, ")
    expected = (error.get("ctx") or {}).get("expected")
    if expected and "expected" not in message.lower():
        return f"{message}; allowed: {expected}"
    return message
