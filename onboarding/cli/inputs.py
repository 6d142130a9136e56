"""Checks of what the user typed, made before any request so mistakes cost no round trip.

Only the shape is checked here (a date is a date, evidence is key=value). Whether
a trigger may fire or which evidence it needs is the API's decision: the process
definition lives on the server, and the CLI may be older or newer than it.
"""

import json
import re
import sys
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from onboarding.cli.errors import BadInput
from onboarding.domain.notifications import NotificationStatus
from onboarding.domain.vocabulary import Stage

_NUMBER = re.compile(r"^[0-9]{4}$")
# domain/party.py's PARTY_ID_PATTERN, written out: importing the domain's party
# module (pydantic) would cost --help a tenth of a second; a test keeps them equal.
PARTY_ID = r"^([0-9]{4}|(gp|specialist|hospital)-[0-9]{9})$"
_PARTY_ID = re.compile(PARTY_ID)
_ORG_NUMBER = re.compile(r"^[0-9]{9}$")
# The kinds a party may be registered as; with municipalities, every kind.
PARTY_KINDS = ("gp_office", "specialist", "hospital")
EVERY_KIND = ("municipality", *PARTY_KINDS)
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# What the API takes in its path; it also keeps '/', '?' and '..' out of the URL.
_OBLIGATION_ID = re.compile(r"^[a-z_]{1,64}$")


def idempotency_key(given: str | None) -> str:
    """The key given with --key, or a fresh one: every write the CLI sends carries one.

    With a key the API can repeat an update whose answer was lost, and the user
    can repeat the command (`--key`) to learn its outcome without recording
    it twice. The API checks the key's form (1-200 of A-Z a-z 0-9 . _ : -).
    """
    return given if given is not None else f"cli-{uuid.uuid4().hex}"


def municipality_number(text: str, *, name: str = "NUMBER") -> str:
    """A 4-digit municipality number (kommunenummer), e.g. 5001."""
    if not _NUMBER.match(text):
        raise BadInput(f"{name}: {text!r} is not a 4-digit municipality number (e.g. 5001)")
    return text


def party_id(text: str, *, name: str = "NUMBER") -> str:
    """A party's id: a municipality's 4-digit number (5001), or a GP office's, specialist's
    or hospital's (gp-923609016)."""
    if not _PARTY_ID.match(text):
        raise BadInput(
            f"{name}: {text!r} is not a 4-digit municipality number (e.g. 5001) nor a party id "
            "(gp-, specialist- or hospital- and a 9-digit organisation number, "
            "e.g. gp-923609016)"
        )
    return text


def org_number(text: str, *, option: str = "--org-number") -> str:
    """A 9-digit organisation number; its check digit is the API's to judge."""
    if not _ORG_NUMBER.match(text):
        raise BadInput(f"{option}: {text!r} is not a 9-digit organisation number")
    return text


def party_kind(text: str, *, option: str = "--kind", kinds: Iterable[str] = PARTY_KINDS) -> str:
    """One of the kinds of party `kinds` names."""
    allowed = tuple(kinds)
    if text not in allowed:
        raise BadInput(f"{option}: unknown kind {text!r} (allowed: {', '.join(allowed)})")
    return text


def municipality_numbers(text: str, *, option: str = "--numbers") -> list[str]:
    """Comma-separated municipality numbers (`5001,5006`), each once."""
    numbers: list[str] = []
    for piece in text.split(","):
        number = piece.strip()
        if not _NUMBER.match(number):
            raise BadInput(
                f"{option}: {number!r} is not a 4-digit municipality number (e.g. 5001,5006)"
            )
        if number in numbers:
            raise BadInput(f"{option}: {number} is listed twice")
        numbers.append(number)
    return numbers


def obligation_id(text: str) -> str:
    """An obligation's id: the trigger that fulfils it, e.g. exercise_option.

    Which obligations exist is the server's policy; only the shape is checked.
    """
    if not _OBLIGATION_ID.match(text):
        raise BadInput(
            f"OBLIGATION: {text!r} is not an obligation id "
            "(lowercase letters and _, e.g. exercise_option)"
        )
    return text


def reason(text: str, *, option: str = "--reason") -> str:
    """A non-blank free-text reason, for the audit log."""
    if not text.strip():
        raise BadInput(f"{option}: give a reason (it goes into the audit log)")
    return text.strip()


def iso_date(text: str, *, option: str) -> date:
    """A calendar date written YYYY-MM-DD."""
    # date.fromisoformat also takes 20240101 and week dates; people mean one form.
    try:
        if _ISO_DATE.match(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise BadInput(f"{option}: {text!r} is not a date (use YYYY-MM-DD, e.g. 2024-11-09)")


def evidence(pairs: Iterable[str]) -> dict[str, str]:
    """`key=value` pairs as a dict; the value may itself contain `=`."""
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise BadInput(
                f"--evidence: {pair!r} is not key=value (e.g. --evidence case_ref=2021/1234)"
            )
        if key in result:
            raise BadInput(f"--evidence: {key} is given twice")
        result[key] = value
    return result


def stage(text: str) -> Stage:
    """One of the process's stages, by its value."""
    try:
        return Stage(text)
    except ValueError:
        allowed = ", ".join(s.value for s in Stage)
        raise BadInput(f"--stage: unknown stage {text!r} (allowed: {allowed})") from None


CONTACT_FIELDS = ("role", "name", "email")
_CONTACT_EXAMPLE = "role=municipality_contact,name=Kari Nordmann,email=kari@example.no"


def contact(text: str, *, option: str = "--contact") -> dict[str, str]:
    """`role=...,name=...,email=...` as a dict; a comma may sit inside a value.

    "name=Nordmann, Kari" stays one name: a piece that does not start with one
    of the three keys continues the value before it.
    """
    fields: dict[str, str] = {}
    current: str | None = None
    for piece in text.split(","):
        key, sep, value = piece.partition("=")
        key = key.strip()
        if sep and key in CONTACT_FIELDS:
            if key in fields:
                raise BadInput(f"{option}: {key} is given twice in {text!r}")
            fields[key] = value
            current = key
        elif sep and key.isidentifier():
            allowed = ", ".join(CONTACT_FIELDS)
            raise BadInput(f"{option}: unknown field {key!r} in {text!r} (fields: {allowed})")
        elif current is not None:
            fields[current] += "," + piece
        else:
            raise BadInput(f"{option}: {text!r} is not role=...,name=...,email=...")
    missing = [name for name in CONTACT_FIELDS if not fields.get(name, "").strip()]
    if missing:
        raise BadInput(
            f"{option}: {' and '.join(missing)} missing in {text!r} (e.g. {_CONTACT_EXAMPLE})"
        )
    return {name: fields[name].strip() for name in CONTACT_FIELDS}


def contacts_file(path: str) -> list[Any]:
    """A JSON list of {role, name, email} from a file (`-` reads standard input).

    Only the shape is checked here; roles and addresses are the API's to judge.
    """
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise BadInput(f"--file: cannot read {path}: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        # Names are Norwegian (æ, ø, å): a Latin-1 file would come out garbled.
        raise BadInput(
            f"--file: {path} must be UTF-8 ({err.reason} at byte {err.start}); "
            "save it as UTF-8 and try again"
        ) from None
    try:
        data = json.loads(text)
    except ValueError as err:
        raise BadInput(f"--file: {path} is not JSON: {err}") from None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise BadInput(f"--file: {path} must hold a JSON list of {{role, name, email}} objects")
    return data


def notification_status(text: str) -> NotificationStatus:
    """One of the outbox statuses, by its value."""
    try:
        return NotificationStatus(text)
    except ValueError:
        allowed = ", ".join(s.value for s in NotificationStatus)
        raise BadInput(f"--status: unknown status {text!r} (allowed: {allowed})") from None


_WAVE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def wave_id(text: str, *, name: str = "WAVE") -> str:
    """A wave id: lower-case letters, digits and dashes, e.g. 2025-spring."""
    if not _WAVE_ID.match(text):
        raise BadInput(
            f"{name}: {text!r} is not a wave id (lower-case letters, digits and -, "
            "e.g. 2025-spring)"
        )
    return text


def local_datetime(text: str, *, option: str, zone: str = "Europe/Oslo") -> datetime:
    """An ISO 8601 date-time; without an offset it is local time in Europe/Oslo."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(
            f"{option}: {text!r} is not a date-time (use e.g. 2025-04-25T22:00 or "
            "2025-04-25T22:00+02:00)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment


def checklist_item(text: str) -> str:
    """A checklist item's id, e.g. integrations_tested (the server knows which exist)."""
    if not _OBLIGATION_ID.match(text):
        raise BadInput(
            f"ITEM: {text!r} is not a checklist item (lowercase letters and _, "
            "e.g. integrations_tested)"
        )
    return text
