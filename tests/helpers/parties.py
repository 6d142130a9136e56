"""Parties of the other kinds for the API and CLI tests: fresh organisation numbers, bodies.

Workflow ids are global to a Temporal server, and a GP office's id is made from
its organisation number, so each test takes numbers nobody else in the session
has: random valid ones (mod-11 check digit), each handed out once.
"""

import random
from typing import Any

from onboarding.domain.parties.import_file import COLUMNS
from onboarding.domain.party import org_number_check_digit

_GIVEN: set[str] = set()
_RANDOM = random.Random()


def fresh_org_number() -> str:
    """A valid 9-digit organisation number (its check digit right) not handed out before."""
    while True:
        first = str(_RANDOM.randrange(80_000_000, 99_999_999))
        digit = org_number_check_digit(first)
        if digit is None or first + str(digit) in _GIVEN:
            continue
        _GIVEN.add(first + str(digit))
        return first + str(digit)


def bad_check_digit(org_number: str) -> str:
    """`org_number` with its check digit wrong (and its first eight digits kept)."""
    return org_number[:8] + str((int(org_number[8]) + 1) % 10)


def gp_office(municipality: str, **overrides: Any) -> dict[str, Any]:
    """The body of POST /api/parties for a new GP office of `municipality`."""
    org = fresh_org_number()
    body = {
        "kind": "gp_office",
        "org_number": org,
        "name": f"Legesenter {org[-4:]}",
        "municipality_number": municipality,
        "staff_count": 12,
    }
    return {**body, **overrides}


def csv_file(*rows: dict[str, Any]) -> str:
    """An import file of `rows` (bodies as gp_office gives them), header first."""
    lines = [",".join(COLUMNS)]
    for row in rows:
        lines.append(",".join(str(row.get(column) or "") for column in COLUMNS))
    return "\n".join(lines) + "\n"
