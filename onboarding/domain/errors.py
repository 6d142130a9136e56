"""Errors of the onboarding domain.

    OnboardingError
    ├── RequestRejected            bad input; nothing was changed (HTTP 422)
    │   ├── InvalidEvidence        a missing, unknown or malformed evidence field
    │   ├── InvalidEffectiveDate   effective_on in the future or before the last transition
    │   └── UnknownTrigger         a trigger the process does not define
    ├── TransitionRefused          the trigger may not fire from this stage (HTTP 409)
    ├── ObligationNotOpen          a deadline for an obligation that is not open (HTTP 409)
    ├── WaveRefused                the wave's status does not allow the request (HTTP 409)
    ├── NotEligible                a municipality in a stage no wave takes (HTTP 409)
    ├── MigrationExists            a migration run with that id exists already (HTTP 409)
    ├── PartyExists                a party's id or organisation number is another's (HTTP 409)
    ├── ReformExists               a reform with that id was recorded already (HTTP 409)
    ├── UnknownMunicipality        no municipality with that number (HTTP 404)
    ├── UnknownWave                no wave with that id (HTTP 404)
    ├── UnknownMigration           no migration run with that id (HTTP 404)
    └── UnknownReform              no reform recorded with that id (HTTP 404)

Each carries the field or the facts a client needs to correct itself, and
`to_detail()` gives the JSON-safe form that crosses Temporal and HTTP.
"""

from typing import Any


class OnboardingError(Exception):
    """Base of every error this package raises on purpose."""

    #: a short stable machine-readable code
    code = "onboarding_error"

    def to_detail(self) -> dict[str, Any]:
        return {"error": self.code, "message": str(self)}


class RequestRejected(OnboardingError):
    """The request itself is wrong; names the field and what is allowed."""

    code = "invalid_request"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def to_detail(self) -> dict[str, Any]:
        return {"error": self.code, "field": self.field, "message": self.message}


class InvalidEvidence(RequestRejected):
    """Evidence missing, unknown or malformed for the trigger."""


class InvalidEffectiveDate(RequestRejected):
    """effective_on lies in the future or before the previous transition."""

    def __init__(self, message: str) -> None:
        super().__init__("effective_on", message)


class UnknownTrigger(RequestRejected):
    """The trigger is not part of the process."""

    def __init__(self, trigger: str, allowed: list[str]) -> None:
        super().__init__("trigger", f"unknown trigger {trigger!r}; allowed: {', '.join(allowed)}")
        self.allowed = allowed


class TransitionRefused(OnboardingError):
    """The trigger is known but may not fire from the current stage."""

    code = "invalid_transition"

    def __init__(
        self,
        *,
        trigger: str,
        stage: str,
        allowed_triggers: list[str],
        missing_conditions: list[str] | None = None,
    ) -> None:
        missing = missing_conditions or []
        reason = (
            f"conditions not met: {'; '.join(missing)}"
            if missing
            else f"allowed from {stage}: {', '.join(allowed_triggers) or 'none'}"
        )
        super().__init__(f"{trigger} is not allowed in stage {stage} ({reason})")
        self.trigger = trigger
        self.stage = stage
        self.allowed_triggers = allowed_triggers
        self.missing_conditions = missing

    def to_detail(self) -> dict[str, Any]:
        return {
            "error": self.code,
            "message": str(self),
            "trigger": self.trigger,
            "stage": self.stage,
            "allowed_triggers": self.allowed_triggers,
            "missing_conditions": self.missing_conditions,
        }


class UnknownMunicipality(OnboardingError):
    """No municipality is registered under that number."""

    code = "not_found"

    def __init__(self, number: str) -> None:
        # The routes of one municipality serve every kind of party (api/party_routes.py).
        what = "party with id" if "-" in number else "municipality with number"
        super().__init__(f"no {what} {number}")
        self.number = number


class ObligationNotOpen(OnboardingError):
    """The obligation exists in the policy but is not open for this municipality now (HTTP 409)."""

    code = "obligation_not_open"

    def __init__(self, obligation_id: str, stage: str, open_obligations: list[str]) -> None:
        super().__init__(
            f"obligation {obligation_id} is not open in stage {stage} "
            f"(open: {', '.join(open_obligations) or 'none'})"
        )
        self.obligation_id = obligation_id
        self.stage = stage
        self.open_obligations = open_obligations

    def to_detail(self) -> dict[str, Any]:
        return {
            "error": self.code,
            "message": str(self),
            "obligation_id": self.obligation_id,
            "stage": self.stage,
            "open_obligations": self.open_obligations,
        }


class WaveRefused(OnboardingError):
    """The wave exists but its status (or a member's) does not allow this (HTTP 409)."""

    code = "invalid_wave_state"

    def __init__(self, wave_id: str, status: str, message: str) -> None:
        super().__init__(f"wave {wave_id} is {status}: {message}")
        self.wave_id = wave_id
        self.status = status

    def to_detail(self) -> dict[str, Any]:
        return {
            "error": self.code,
            "message": str(self),
            "wave_id": self.wave_id,
            "status": self.status,
        }


class UnknownWave(OnboardingError):
    """No wave has that id."""

    code = "not_found"

    def __init__(self, wave_id: str) -> None:
        super().__init__(f"no wave with id {wave_id}")
        self.wave_id = wave_id


class NotEligible(OnboardingError):
    """The municipality's stage keeps it out of a wave (HTTP 409)."""

    code = "not_eligible"

    def __init__(self, number: str, stage: str, eligible: list[str]) -> None:
        super().__init__(
            f"{number} is {stage}; a wave takes municipalities from option_exercised on, "
            f"not yet live ({', '.join(eligible)})"
        )
        self.number = number
        self.stage = stage
        self.eligible = eligible

    def to_detail(self) -> dict[str, Any]:
        return {
            "error": self.code,
            "message": str(self),
            "number": self.number,
            "stage": self.stage,
            "eligible_stages": self.eligible,
        }


class UnknownMigration(OnboardingError):
    """No migration run has that id."""

    code = "not_found"

    def __init__(self, migration_id: str) -> None:
        super().__init__(f"no migration with id {migration_id}")
        self.migration_id = migration_id


class MigrationExists(OnboardingError):
    """A migration run with that id was started already; ids are never reused (HTTP 409)."""

    code = "migration_exists"

    def __init__(self, migration_id: str) -> None:
        super().__init__(f"migration {migration_id} was started already; give a new plan a new id")
        self.migration_id = migration_id

    def to_detail(self) -> dict[str, Any]:
        return {"error": self.code, "message": str(self), "migration_id": self.migration_id}


class PartyExists(OnboardingError):
    """A party to register clashes with one registered already (HTTP 409).

    `field` names what clashes (the organisation number the id is made from),
    `number` the registered party's id.
    """

    code = "party_exists"

    def __init__(self, field: str, number: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.number = number

    def to_detail(self) -> dict[str, Any]:
        return {
            "error": self.code,
            "field": self.field,
            "number": self.number,
            "message": str(self),
        }


class ReformExists(OnboardingError):
    """A reform with that id was recorded already; ids are never reused (HTTP 409)."""

    code = "reform_exists"

    def __init__(self, reform_id: str) -> None:
        super().__init__(f"reform {reform_id} was recorded already; give a new reform a new id")
        self.reform_id = reform_id

    def to_detail(self) -> dict[str, Any]:
        return {"error": self.code, "message": str(self), "reform_id": self.reform_id}


class UnknownReform(OnboardingError):
    """No reform was recorded with that id (HTTP 404)."""

    code = "not_found"

    def __init__(self, reform_id: str) -> None:
        super().__init__(f"no reform with id {reform_id}")
        self.reform_id = reform_id
