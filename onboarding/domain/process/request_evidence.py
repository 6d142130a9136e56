"""A request's evidence, checked field by field as the request is parsed.

Which fields a trigger requires is checked later, against the party's process
(machine.check_evidence); here only what holds for every process: known
fields, non-empty, within their length (machine.check_evidence_fields). Apart
from machine.py, which reads no pydantic.
"""

from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from onboarding.domain.errors import InvalidEvidence
from onboarding.domain.process.machine import check_evidence_fields


def _evidence_in_a_request(evidence: dict[str, str]) -> dict[str, str]:
    try:
        return check_evidence_fields(evidence)
    except InvalidEvidence as err:
        raise PydanticCustomError("evidence", "{field}: {message}", err.to_detail()) from None


RequestEvidence = Annotated[dict[str, str], AfterValidator(_evidence_in_a_request)]
"""A request's evidence, checked field by field as it is parsed (check_evidence_fields);
which fields a trigger requires is checked later, against the party's process."""
