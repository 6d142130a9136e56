"""`party_log`: each party's log counted and its latest transition, kept by database triggers.

At the size of a country (10,000 parties, a million audit events) counting
the log is 50 ms and more on PostgreSQL, and the dashboard's version of the
log (store/report_cache.py, store/log_changes.py) needs the count on every
request: concurrent writers commit ids out of order, so the largest id alone
cannot tell that a row was added below it. The work list needs each party's
latest transition (store/worklist.py), a probe of the log per party.

A trigger on every insert into `audit_event` and `correction` adds to the
party's row in the same transaction, whatever code inserts (the projection,
a loader, a benchmark's COPY), so the sum of the counts equals the count of
the rows in every snapshot: a reader sees an insert and its count together
or neither. The log tables refuse UPDATE and DELETE, so counts only grow.
Concurrent inserts for one party queue on its row (one workflow writes a
party's log, so they hardly ever meet); no row is shared by all writers.

PostgreSQL runs one statement-level trigger per insert statement (a COPY of
a million events is one grouped upsert); SQLite, which has only row-level
triggers, one upsert per row.
"""

from sqlalchemy import Connection, text

# Select items: how many audit events and corrections there are (0 when none).
EVENTS_SQL = "(SELECT COALESCE(SUM(events), 0) FROM party_log)"
CORRECTIONS_SQL = "(SELECT COALESCE(SUM(corrections), 0) FROM party_log)"

# The latest transition is the one with the highest seq (a party's seqs only grow,
# but a retried or loaded insert may come in any order).
_LATEST = """
    last_effective_on = CASE WHEN excluded.last_seq > party_log.last_seq
                             THEN excluded.last_effective_on ELSE party_log.last_effective_on END,
    last_seq = CASE WHEN excluded.last_seq > party_log.last_seq
                    THEN excluded.last_seq ELSE party_log.last_seq END"""

_POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION party_log_events() RETURNS trigger AS $$
        BEGIN
            INSERT INTO party_log
                (municipality_number, events, corrections, last_seq, last_effective_on)
            SELECT municipality_number, COUNT(*), 0, MAX(seq),
                   (ARRAY_AGG(effective_on ORDER BY seq DESC))[1]
            FROM added GROUP BY municipality_number
            -- One order of row locks for every writer: no deadlock between two loaders.
            ORDER BY municipality_number
            ON CONFLICT (municipality_number) DO UPDATE SET
                events = party_log.events + excluded.events, {_LATEST};
            RETURN NULL;
        END; $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION party_log_corrections() RETURNS trigger AS $$
        BEGIN
            INSERT INTO party_log
                (municipality_number, events, corrections, last_seq, last_effective_on)
            SELECT municipality_number, 0, COUNT(*), 0, NULL
            FROM added GROUP BY municipality_number ORDER BY municipality_number
            ON CONFLICT (municipality_number) DO UPDATE SET
                corrections = party_log.corrections + excluded.corrections;
            RETURN NULL;
        END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_event_party_log AFTER INSERT ON audit_event
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT
        EXECUTE FUNCTION party_log_events()""",
    """CREATE TRIGGER correction_party_log AFTER INSERT ON correction
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT
        EXECUTE FUNCTION party_log_corrections()""",
]

_SQLITE = [
    f"""CREATE TRIGGER audit_event_party_log AFTER INSERT ON audit_event BEGIN
        INSERT INTO party_log
            (municipality_number, events, corrections, last_seq, last_effective_on)
        VALUES (NEW.municipality_number, 1, 0, NEW.seq, NEW.effective_on)
        ON CONFLICT (municipality_number) DO UPDATE SET events = party_log.events + 1, {_LATEST};
    END""",
    """CREATE TRIGGER correction_party_log AFTER INSERT ON correction BEGIN
        INSERT INTO party_log
            (municipality_number, events, corrections, last_seq, last_effective_on)
        VALUES (NEW.municipality_number, 0, 1, 0, NULL)
        ON CONFLICT (municipality_number) DO UPDATE SET corrections = party_log.corrections + 1;
    END""",
]

_DROP = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_event_party_log ON audit_event",
        "DROP TRIGGER IF EXISTS correction_party_log ON correction",
        "DROP FUNCTION IF EXISTS party_log_events()",
        "DROP FUNCTION IF EXISTS party_log_corrections()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_event_party_log",
        "DROP TRIGGER IF EXISTS correction_party_log",
    ],
}

# Every party's row as the logs stand (a party with a log has at least one event).
_FILL = """
    INSERT INTO party_log (municipality_number, events, corrections, last_seq, last_effective_on)
    SELECT p.municipality_number,
           (SELECT COUNT(*) FROM audit_event AS e
            WHERE e.municipality_number = p.municipality_number),
           (SELECT COUNT(*) FROM correction AS c
            WHERE c.municipality_number = p.municipality_number),
           COALESCE((SELECT MAX(seq) FROM audit_event AS e
                     WHERE e.municipality_number = p.municipality_number), 0),
           (SELECT e.effective_on FROM audit_event AS e
            WHERE e.municipality_number = p.municipality_number
            ORDER BY e.seq DESC LIMIT 1)
    FROM (SELECT municipality_number FROM audit_event
          UNION SELECT municipality_number FROM correction) AS p"""


def install(connection: Connection) -> None:
    """Fill `party_log` from the logs and add the triggers that keep it (in one transaction).

    On PostgreSQL the logs are locked against inserts meanwhile, so none is
    committed between the fill and the triggers and left uncounted.
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("LOCK TABLE audit_event, correction IN SHARE MODE"))
    connection.execute(text(_FILL))
    for statement in _POSTGRESQL if dialect == "postgresql" else _SQLITE:
        connection.execute(text(statement))


def uninstall(connection: Connection) -> None:
    """Drop the triggers that keep `party_log` (the table is the migration's)."""
    for statement in _DROP.get(connection.dialect.name, _DROP["postgresql"]):
        connection.execute(text(statement))
