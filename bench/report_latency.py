"""Benchmark: point-in-time reports on PostgreSQL with 10,000 municipalities and 1,000,000 events.

Run on demand, not in CI:

    .venv/bin/python bench/report_latency.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/test]

It creates a database of its own next to the one the URL names (dropped at the
end unless --keep), fills it with synthetic history through COPY (each
municipality's transitions in order, effective dates rising, recorded over
years, and a sprinkling of amendments and voids), then times the funnel (as_of
and as_of + known_on), the stages table, the milestone series (a whole read,
and as the API keeps it after one more transition) and the first page of the
audit log, and prints the median of several runs of each.
"""

import argparse
import json
import os
import random
import resource
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, create_engine, text

from onboarding.domain.process.machine import ProcessContext, allowed_triggers, decide
from onboarding.domain.process.registry import MUNICIPALITY, latest
from onboarding.domain.reports import Interval
from onboarding.domain.vocabulary import MILESTONE_RANK, Stage
from onboarding.history.entries import AuditFilters
from onboarding.history.export import ExportFormat, encode
from onboarding.history.log import audit_page, audit_stream
from onboarding.store import kept_reports, point_in_time
from onboarding.store.database import make_engine
from onboarding.store.schema import create_schema

DEFAULT_URL = os.environ.get(
    "ONBOARDING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
START = date(2015, 1, 1)
RECORDED = datetime(2015, 1, 1, tzinfo=UTC)
COLUMNS = (
    "municipality_number, seq, trigger, from_stage, to_stage, evidence, comment, actor_id, "
    "actor_name, actor_role, effective_on, recorded_at, idempotency_key, workflow_id, run_id, "
    "reached_rank"
)

# What `onboarding up` registers a municipality on: the newest version.
PROCESS = latest(MUNICIPALITY)


def _journey(rng: random.Random, length: int) -> list[tuple[str, str, str]]:
    """`length` transitions the process allows: (trigger, from, to), wandering the road."""
    context = ProcessContext(definition=PROCESS, stage=Stage.PROSPECTIVE)
    steps: list[tuple[str, str, str]] = []
    while len(steps) < length:
        allowed = allowed_triggers(context)
        if not allowed:  # live or withdrawn: a fresh cycle keeps the count (a synthetic log)
            context = ProcessContext(definition=PROCESS, stage=Stage.PROSPECTIVE)
            continue
        trigger = rng.choice(allowed)
        to = decide(context, trigger)
        steps.append((trigger.value, context.stage.value, to.value))
        context = ProcessContext(
            definition=PROCESS,
            stage=to,
            paused_from=context.stage
            if to is Stage.PAUSED
            else (context.paused_from if to is Stage.WITHDRAWN else None),
        )
    return steps


def fill(engine: Engine, *, municipalities: int, events_per: int, seed: int = 5) -> None:
    """Write the synthetic region with COPY (the projection's columns, not its code path)."""
    rng = random.Random(seed)
    # A handful of journeys, reused: deciding 1,000,000 transitions takes longer than COPY.
    journeys = [_journey(rng, events_per) for _ in range(50)]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(  # type: ignore[attr-defined]
            "COPY municipality (number, name, county, health_trust, kind, home_municipality, "
            "stage, last_seq, workflow_id, run_id, updated_at) FROM STDIN"
        ) as copy:
            for n in range(municipalities):
                number = f"{n:04d}" if n < 10_000 else str(n)
                copy.write_row(
                    (
                        number,
                        f"By {number}",
                        "Trøndelag",
                        "HF",
                        "municipality",
                        number,  # a municipality is its own home (Party.home_municipality)
                        "prospective",
                        0,
                        "wf",
                        "run",
                        RECORDED,
                    )
                )
        with cursor.copy(f"COPY audit_event ({COLUMNS}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for n in range(municipalities):
                number = f"{n:04d}"
                journey = journeys[n % len(journeys)]
                day = START + timedelta(days=rng.randint(0, 200))
                recorded = RECORDED + timedelta(days=rng.randint(0, 200))
                reached = 0
                for seq, (trigger, from_stage, to_stage) in enumerate(journey, 1):
                    # As the projection computes it: the furthest milestone so far.
                    reached = max(reached, MILESTONE_RANK.get(Stage(to_stage), 0))
                    day += timedelta(days=rng.randint(0, 30))
                    recorded = max(recorded + timedelta(hours=rng.randint(1, 24 * 40)), RECORDED)
                    copy.write_row(
                        (
                            number,
                            seq,
                            trigger,
                            from_stage,
                            to_stage,
                            json.dumps({}),
                            None,
                            "token:1",
                            "Bench",
                            "coordinator",
                            day,
                            recorded,
                            None,
                            "wf",
                            "run",
                            reached,
                        )
                    )
        raw.commit()
        # Corrections: 1 in 1,000 events amended, 1 in 2,000 voided (a synthetic sprinkle).
        cursor.execute(
            """INSERT INTO correction (municipality_number, seq, kind, event_id, target_seq,
                   trigger, effective_on_before, effective_on_after, evidence_before,
                   evidence_after, stage_before, stage_after, reason, actor_id, actor_name,
                   actor_role, recorded_at, workflow_id, run_id)
               SELECT municipality_number, 100000 + seq, 'amend', id, seq, trigger,
                   effective_on, effective_on + 1, '{}', '{}', to_stage, to_stage, 'bench',
                   'token:1', 'Bench', 'coordinator', recorded_at + interval '1 day', 'wf', 'run'
               FROM audit_event WHERE id % 1000 = 0"""
        )
        cursor.execute(
            """INSERT INTO correction (municipality_number, seq, kind, event_id, target_seq,
                   trigger, effective_on_before, evidence_before, stage_before, stage_after,
                   reason, actor_id, actor_name, actor_role, recorded_at, workflow_id, run_id)
               SELECT municipality_number, 200000 + seq, 'void', id, seq, trigger,
                   effective_on, '{}', to_stage, from_stage, 'bench', 'token:1', 'Bench',
                   'coordinator', recorded_at + interval '2 days', 'wf', 'run'
               FROM audit_event WHERE id % 2000 = 1"""
        )
        raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def kept_milestones_after_a_write(engine: Engine) -> None:
    """One more transition for one party, then the series as the API answers it (kept).

    The API's answer is kept between requests and read again for the parties a
    write touched (store/kept_reports.py): this is what a user asking after
    someone else's transition waits for; the first ask reads the whole log.
    """
    with engine.begin() as connection:
        # After the party's latest transition, on its day: the log stays in order.
        connection.execute(
            text(
                f"INSERT INTO audit_event ({COLUMNS}) "
                "SELECT municipality_number, seq + 1, 'pause', to_stage, 'paused', '{}', NULL, "
                "'token:1', 'Bench', 'coordinator', effective_on, now(), NULL, 'wf', 'run', "
                "reached_rank FROM audit_event WHERE municipality_number = '0001' "
                "ORDER BY seq DESC LIMIT 1"
            )
        )
    kept_reports.milestone_series(
        engine,
        start=START,
        end=date(2022, 12, 31),
        interval=Interval.MONTH,
        known_on=None,
        kind=None,
    )


def median_ms(action: Callable[[], Any], runs: int = 5) -> float:
    """Median wall time of `action` over `runs` runs (after one warm-up), in milliseconds."""
    action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure_export(engine: Engine) -> None:
    """Stream the whole audit log as CSV to nowhere; print rows, time and peak memory growth."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    size = lines = 0
    for piece in encode(audit_stream(engine, AuditFilters()), ExportFormat.CSV):
        size += len(piece)
        lines += 1
    seconds = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(
        f"export CSV: {lines - 1} entries, {size / 1e6:.0f} MB in {seconds:.0f} s; "
        f"peak memory grew by {grown:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="a PostgreSQL database URL (admin)")
    parser.add_argument("--municipalities", type=int, default=10_000)
    parser.add_argument("--events-per", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument(
        "--export", action="store_true", help="also export the whole log as CSV (bounded memory)"
    )
    args = parser.parse_args()

    with database(args.url, args.keep, prefix="onboarding_bench") as url:
        engine = make_engine(url)
        try:
            measure(engine, args)
        finally:
            engine.dispose()


def measure(engine: Engine, args: argparse.Namespace) -> None:
    """Fill the database `engine` points at and print each report's median time."""
    create_schema(engine)
    started = time.perf_counter()
    fill(engine, municipalities=args.municipalities, events_per=args.events_per)
    with engine.connect() as connection:
        events = connection.execute(text("SELECT count(*) FROM audit_event")).scalar_one()
        corrections = connection.execute(text("SELECT count(*) FROM correction")).scalar_one()
    print(
        f"database {engine.url.database}: {args.municipalities} municipalities, {events} audit "
        f"events, {corrections} corrections (filled in {time.perf_counter() - started:.0f} s)"
    )
    as_of, known_on = date(2019, 6, 30), date(2018, 12, 31)
    figures = {
        f"funnel as_of={as_of}": lambda: point_in_time.funnel(engine, as_of=as_of),
        f"funnel as_of={as_of} known_on={known_on}": lambda: point_in_time.funnel(
            engine, as_of=as_of, known_on=known_on
        ),
        "funnel as_of=today": lambda: point_in_time.funnel(engine, as_of=date.today()),
        f"stages as_of={as_of}": lambda: point_in_time.stages(engine, as_of=as_of),
        "milestones 2015..2022 monthly": lambda: point_in_time.milestone_series(
            engine, start=START, end=date(2022, 12, 31), interval=Interval.MONTH
        ),
        "milestones, kept (API), after 1 new transition": lambda: kept_milestones_after_a_write(
            engine
        ),
        "audit log, first page of 100": lambda: audit_page(engine, AuditFilters()),
    }
    for label, action in figures.items():
        print(f"{label:<48} {median_ms(action):8.1f} ms (median of 5)")
    if args.export:
        measure_export(engine)


@contextmanager
def database(url: str, keep: bool, *, prefix: str) -> Iterator[str]:
    """A fresh database beside the one `url` names (`prefix` and a random tail); its URL.
    Dropped afterwards unless `keep`."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        if not keep:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
