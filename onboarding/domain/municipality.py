"""A municipality of the region: its number, name, county and health trust.

The first kind of party (party.py): a municipality's party id is its number.
"""

from typing import Literal

from onboarding.domain.party import MunicipalityNumber, Party, PartyKind

__all__ = ["Municipality", "MunicipalityNumber"]


class Municipality(Party):
    """A municipality of the region, as the shipped region file lists it."""

    number: MunicipalityNumber
    kind: Literal[PartyKind.MUNICIPALITY] = PartyKind.MUNICIPALITY
