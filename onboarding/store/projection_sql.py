"""The projection's statements in SQL Core, built once with named parameters.

Every transition runs these. The ORM's unit of work (identity map, flushes,
instance state) was most of a transition's SQL time, and a statement built per
call with its values inline spends as much again on its cache key; built once,
a statement is compiled once and each call only binds its parameters
(bench/results/2026-history.md). Parameters that name a row are prefixed `key_`, so they
never collide with the columns a statement sets.
"""

from sqlalchemy import Table, bindparam, insert, select, update

from onboarding.store.tables.obligations import ObligationRow
from onboarding.store.tables.parties import AuditEventRow, CorrectionRow, MunicipalityRow

AUDIT: Table = AuditEventRow.__table__  # type: ignore[attr-defined]
CORRECTION: Table = CorrectionRow.__table__  # type: ignore[attr-defined]
MUNICIPALITY: Table = MunicipalityRow.__table__  # type: ignore[attr-defined]
OBLIGATION: Table = ObligationRow.__table__  # type: ignore[attr-defined]

INSERT = {AUDIT.name: insert(AUDIT), CORRECTION.name: insert(CORRECTION)}

# The run that wrote a (municipality, seq), per append-only table.
RUN_OF_SEQ = {
    table.name: select(table.c.run_id).where(
        table.c.municipality_number == bindparam("key_number"),
        table.c.seq == bindparam("key_seq"),
    )
    for table in (AUDIT, CORRECTION)
}

# The latest transition in force before a seq: not voided by a correction.
PREVIOUS_IN_FORCE = (
    select(AUDIT.c.reached_rank, AUDIT.c.to_stage)
    .where(
        AUDIT.c.municipality_number == bindparam("key_number"),
        AUDIT.c.seq < bindparam("key_seq"),
        AUDIT.c.id.not_in(select(CORRECTION.c.event_id).where(CORRECTION.c.kind == "void")),
    )
    .order_by(AUDIT.c.seq.desc())
    .limit(1)
)

# Moves the current-state row only forward: the check and the move in one statement.
ADVANCE_MUNICIPALITY = update(MUNICIPALITY).where(
    MUNICIPALITY.c.number == bindparam("key_number"),
    MUNICIPALITY.c.last_seq < bindparam("key_seq"),
)
MUNICIPALITY_EXISTS = select(MUNICIPALITY.c.number).where(
    MUNICIPALITY.c.number == bindparam("key_number")
)
INSERT_MUNICIPALITY = insert(MUNICIPALITY)

OBLIGATIONS_OF = select(OBLIGATION).where(
    OBLIGATION.c.municipality_number == bindparam("key_number")
)
INSERT_OBLIGATION = insert(OBLIGATION)
UPDATE_OBLIGATION = update(OBLIGATION).where(
    OBLIGATION.c.municipality_number == bindparam("key_number"),
    OBLIGATION.c.obligation_id == bindparam("key_obligation"),
)
