"""The reform read model on SQLite and PostgreSQL (`sql_engine`): the region of a date as a
SQL filter, succession read transitively, renumbering through `party_identifier`, the reform log."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, col, func, select

from onboarding.domain.actor import Actor
from onboarding.domain.municipality import Municipality
from onboarding.domain.parties.models import RegistrationInput
from onboarding.store import projection, reforms
from onboarding.store.identifiers import MUNICIPALITY_NUMBER, resolve
from onboarding.store.tables.parties import AuditEventRow, MunicipalityRow

ADMIN = Actor(id="token:1", name="admin", role="admin")


def register(engine: Engine, number: str, name: str) -> None:
    party = Municipality(
        number=number, name=name, county="Trøndelag", health_trust="St. Olavs hospital"
    )
    projection.register_municipality(
        engine, RegistrationInput(municipality=party, workflow_id=f"w-{number}", run_id="r")
    )


def test_the_region_of_a_date_is_a_sql_filter(sql_engine: Engine) -> None:
    for number, name in (("1601", "Trondheim"), ("1662", "Klæbu"), ("5001", "Trondheim")):
        register(sql_engine, number, name)
    register(sql_engine, "0441", "Os")
    register(sql_engine, "5028", "Melhus")  # no periods: in the region on every date
    with Session(sql_engine) as session:
        # Trondheim and Klæbu end at the 2020 merger; the new Trondheim starts then.
        reforms.leave_region(session, "1601", date(2020, 1, 1), reform_id="2020-trondheim")
        reforms.leave_region(session, "1662", date(2020, 1, 1), reform_id="2020-trondheim")
        reforms.join_region(session, "5001", date(2020, 1, 1), reform_id="2020-trondheim")
        reforms.join_region(session, "0441", date(2022, 1, 1), reform_id="2022-os")
        # Twice changes nothing.
        reforms.join_region(session, "0441", date(2022, 1, 1), reform_id="2022-os")
        reforms.leave_region(session, "1601", date(2020, 1, 1), reform_id="2020-trondheim")
        session.commit()

        assert reforms.parties_in_region_on(session, date(2017, 6, 30)) == ["1601", "1662", "5028"]
        assert reforms.parties_in_region_on(session, date(2019, 12, 31)) == [
            "1601",
            "1662",
            "5028",
        ]
        assert reforms.parties_in_region_on(session, date(2020, 1, 1)) == ["5001", "5028"]
        assert reforms.parties_in_region_on(session, date(2022, 6, 30)) == [
            "0441",
            "5001",
            "5028",
        ]
        assert [(p.valid_from, p.valid_to) for p in reforms.region_periods(session, "1601")] == [
            (None, date(2020, 1, 1))
        ]
        # The condition on another table's party column: a count of members on a date.
        count = session.exec(
            select(func.count())
            .select_from(MunicipalityRow)
            .where(reforms.in_region_on(date(2016, 6, 30), col(MunicipalityRow.number)))
        ).one()
        assert count == 3
        # ... and on the audit log's.
        query = select(func.count()).select_from(AuditEventRow)
        assert (
            session.exec(
                query.where(
                    reforms.in_region_on(date(2016, 6, 30), col(AuditEventRow.municipality_number))
                )
            ).one()
            == 0
        )


def test_succession_is_read_transitively(sql_engine: Engine) -> None:
    with Session(sql_engine) as session:

        def merged(olds: tuple[str, ...], new: str, reform_id: str, day: date) -> None:
            for old in olds:
                reforms.add_succession(
                    session,
                    predecessor=old,
                    successor=new,
                    reform_id=reform_id,
                    kind="merger",
                    effective_on=day,
                )

        # 1624 Rissa + 1718 Leksvik -> 5054 Indre Fosen (2018); 1601 + 1662 -> 5001 (2020).
        merged(("1624", "1718"), "5054", "2018-indre-fosen", date(2018, 1, 1))
        merged(("1601", "1662"), "5001", "2020-trondheim", date(2020, 1, 1))
        # A later (made-up) merger of 5001 and 5054 into 5099, recorded twice.
        merged(("5001", "5054"), "5099", "2030-test", date(2030, 1, 1))
        merged(("5001",), "5099", "2030-test", date(2030, 1, 1))
        session.commit()

        before = reforms.predecessors_of(session, "5099")
        assert [link.predecessor for link in before] == [
            "5001",
            "5054",
            "1601",
            "1662",
            "1624",
            "1718",
        ]
        assert before[2].successor == "5001" and before[2].reform_id == "2020-trondheim"
        assert [link.successor for link in reforms.successors_of(session, "1662")] == [
            "5001",
            "5099",
        ]
        assert reforms.predecessors_of(session, "1662") == []
        assert reforms.successors_of(session, "5099") == []


def test_renumbering_closes_the_old_number_and_resolves_both(sql_engine: Engine) -> None:
    register(sql_engine, "1567", "Rindal")
    with Session(sql_engine) as session:
        reforms.renumber(session, "1567", old="1567", new="5061", on=date(2019, 1, 1))
        reforms.renumber(session, "1567", old="1567", new="5061", on=date(2019, 1, 1))
        session.commit()
        row = session.get(MunicipalityRow, "1567")
        assert row is not None and row.current_number == "5061"
        assert reforms.display_number(row) == "5061"
        assert reforms.number_on(session, "1567", date(2018, 12, 31)) == "1567"
        assert reforms.number_on(session, "1567", date(2019, 1, 1)) == "5061"
    assert resolve(sql_engine, MUNICIPALITY_NUMBER, "5061", on=date(2026, 1, 1)) == ["1567"]
    assert resolve(sql_engine, MUNICIPALITY_NUMBER, "5061", on=date(2018, 12, 31)) == []
    assert resolve(sql_engine, MUNICIPALITY_NUMBER, "1567", on=date(2018, 12, 31)) == ["1567"]
    assert resolve(sql_engine, MUNICIPALITY_NUMBER, "1567", on=date(2019, 1, 1)) == []
    # On any date, the party the old number named.
    assert resolve(sql_engine, MUNICIPALITY_NUMBER, "1567") == ["1567"]
    # Registering the party again (a restart) enters nothing new: the old number stays closed.
    register(sql_engine, "1567", "Rindal")
    assert resolve(sql_engine, MUNICIPALITY_NUMBER, "1567", on=date(2019, 1, 1)) == []


def test_the_reform_log_is_append_only(sql_engine: Engine) -> None:
    entry = reforms.ReformEntry(
        reform_id="2020-trondheim",
        kind="merger",
        effective_on=date(2020, 1, 1),
        from_parties=["1601", "1662"],
        to_parties=["5001"],
        numbers={"from": ["5001", "5030"], "to": ["5001"]},
        effects={"1601": {"ends": True}},
        evidence={"source": "https://data.ssb.no/"},
        comment=None,
        actor=ADMIN,
        recorded_at=datetime(2026, 12, 3, 12, tzinfo=UTC),
    )
    with Session(sql_engine) as session:
        assert reforms.record_reform(session, entry) is True
        assert reforms.record_reform(session, entry) is False
        session.commit()
        found = reforms.reform(session, "2020-trondheim")
        assert found is not None and found.from_parties == ["1601", "1662"]
        assert found.actor == ADMIN
        assert [e.reform_id for e in reforms.reforms(session, party="1662")] == ["2020-trondheim"]
        assert reforms.reforms(session, party="5028") == []
        assert reforms.reforms(session, start=date(2020, 1, 2)) == []
        with pytest.raises(ValueError, match="unknown kind of reform"):
            reforms.record_reform(session, entry.__class__(**{**entry.__dict__, "kind": "x"}))
    for statement in ("UPDATE reform SET comment = 'x'", "DELETE FROM reform"):
        with pytest.raises(DatabaseError, match="append-only"):
            with sql_engine.begin() as connection:
                connection.execute(text(statement))
