# ruff: noqa: E501  (sentences of the page text stay whole on one line, as in catalog.py)
"""Texts of the party list and of what a party's page shows about its kind, in bokmål and English.

Kept beside `onboarding.web.catalog`, which merges them into its catalogs. The
kinds' own names come from the domain (onboarding.domain.party.KIND_LABELS).
"""

NB: dict[str, str] = {
    "nav.parties": "Parter",
    "parties.title": "Parter",
    "parties.lead": "Kommuner, fastlegekontor, avtalespesialister og sykehus, hver med trinnet den står i nå.",
    "parties.count": "Parter ({count})",
    "parties.empty": "Ingen parter passer filteret.",
    "parties.none": "Ingen parter er registrert ennå.",
    "parties.fix_filter": "Rett filteret for å se listen.",
    "field.kind": "Type part",
    "field.stage": "Trinn",
    "col.kind": "Type",
    "col.org_number": "Org.nr.",
    "col.specialty": "Fagområde",
    "col.staff": "Ansatte",
    "error.unknown_party": "Ingen part har id {number}.",
    "error.party_id": "Skriv et kommunenummer (fire sifre) eller en parts id, f.eks. gp-923609016.",
    "field.party": "Part (kommunenummer eller id)",
    "party.kind": "Type",
    "party.org_number": "Organisasjonsnummer",
    "party.municipality": "Kommune",
    "party.specialty": "Fagområde",
    "party.staff_count": "Ansatte",
    "party.local": "Fastlegekontor og avtalespesialister",
    "party.local_hint": "Partene i kommunen som har egen innføring, med trinnet de står i nå.",
    "party.no_local": "Ingen fastlegekontor eller avtalespesialister er registrert i kommunen.",
    "party.local_in_list": "Se dem i partslisten",
    "dashboard.all_parties": "Alle parter, også fastlegekontor, avtalespesialister og sykehus",
}

EN: dict[str, str] = {
    "nav.parties": "Parties",
    "parties.title": "Parties",
    "parties.lead": "Municipalities, GP offices, private specialists and hospitals, each with the stage it is at now.",
    "parties.count": "Parties ({count})",
    "parties.empty": "No party matches the filter.",
    "parties.none": "No party is registered yet.",
    "parties.fix_filter": "Correct the filter to see the list.",
    "field.kind": "Kind of party",
    "field.stage": "Stage",
    "col.kind": "Kind",
    "col.org_number": "Org. no.",
    "col.specialty": "Specialty",
    "col.staff": "Staff",
    "error.unknown_party": "No party has the id {number}.",
    "error.party_id": "Enter a municipality number (four digits) or a party's id, e.g. gp-923609016.",
    "field.party": "Party (municipality number or id)",
    "party.kind": "Kind",
    "party.org_number": "Organisation number",
    "party.municipality": "Municipality",
    "party.specialty": "Specialty",
    "party.staff_count": "Staff",
    "party.local": "GP offices and private specialists",
    "party.local_hint": "The parties in the municipality that onboard on their own, with the stage each is at now.",
    "party.no_local": "No GP office or private specialist is registered in the municipality.",
    "party.local_in_list": "See them in the party list",
    "dashboard.all_parties": "All parties, GP offices, private specialists and hospitals included",
}
