"""A document reads its round's figures once: readiness and the document share one reading, and
every figure over the counted attempts takes them from that reading."""
from __future__ import annotations

from sqlalchemy import event, literal, select

from quizapp.extensions import db
from quizapp.services.reporting import documents, items, queries, rollup
from tests.factories import add_member, make_questions, make_report_attempt, make_report_round


def _round(world):
    r = make_report_round([world.committee], world.committee)
    qs = make_questions(2)
    make_report_attempt(r, world.secretary_a, 9.0, versions=qs, picks=["a", "a"])
    make_report_attempt(r, world.deputy_a, 7.0, versions=qs, picks=["a", "b"])
    db.session.commit()
    return r


def _statements(fn, wanted) -> int:
    """How many statements fn runs for which wanted(statement) holds."""
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if wanted(statement):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def _aggregate_queries(fn) -> int:
    """How many statements of fn are cell_rows' aggregate (the one with the materialized members)."""
    return _statements(fn, lambda statement: "MATERIALIZED" in statement and "GROUP BY" in statement)


def test_preview_reads_the_cell_rows_once(world):
    """Do a roll-up and a cell sheet preview run the per-cell aggregate once, not for readiness and again?"""
    r = _round(world)
    assert _aggregate_queries(lambda: documents.preview(r, world.committee, "rollup")) == 1
    assert _aggregate_queries(lambda: documents.preview(r, world.cell_a, "cell_sheet")) == 1
    # Outside a document every call reads afresh.
    assert _aggregate_queries(lambda: (queries.cell_rows(r, world.committee), queries.cell_rows(r, world.committee))) == 2


def test_one_reading_hands_out_copies(world):
    """Does changing the rows one caller got leave what the next caller gets untouched?"""
    r = _round(world)
    with queries.one_reading():
        first = queries.cell_rows(r, world.committee)
        took = {row.org_id: row.took_part for row in first}
        for row in first:
            row.took_part += 100
            row.distribution["gioi"] += 100
        again = queries.cell_rows(r, world.committee)
    assert {row.org_id: row.took_part for row in again} == took
    assert all(row.distribution["gioi"] < 100 for row in again)


def _member_readings(fn) -> int:
    """How many statements of fn look up members' dated party status (a pass over every member)."""
    return _statements(fn, lambda statement: "party_status_period" in statement)


def test_rollup_passes_over_the_members_once(world):
    """Do the commendations, essay counts and weakest topics of a roll-up take the counted attempts
    cell_rows read, instead of each joining every member to their counted attempt again?"""
    r = _round(world)
    assert _member_readings(lambda: rollup.rollup_data(r, world.committee)) == 1
    with queries.one_reading():
        assert _member_readings(lambda: (items.item_analysis(r, world.cell_a),
                                         items.topic_facility(r, world.cell_a))) == 1


def test_counted_attempts_are_the_required_members_counted_ones(world):
    """Are the counted attempts those of required members only, each with the cell it counts in?"""
    r = make_report_round([world.committee], world.committee)
    qs = make_questions(1)
    outsider = add_member(world.cell_a, "Mai Thị Lan", party_status="ngoai_dang")
    first = make_report_attempt(r, world.secretary_a, 4.0, versions=qs, picks=["b"])
    best = make_report_attempt(r, world.secretary_a, 9.0, number=2, versions=qs, picks=["a"])
    other = make_report_attempt(r, world.member_b, 7.0, versions=qs, picks=["a"])
    make_report_attempt(r, outsider, 10.0, versions=qs, picks=["a"])
    db.session.commit()
    assert first.id != best.id
    assert queries.counted_attempts(r, world.committee) == {best.id: world.cell_a.id, other.id: world.cell_b.id}
    assert queries.counted_attempts(r, world.cell_a) == {best.id: world.cell_a.id}


def test_among_takes_more_ids_than_bound_parameters_allow(app):
    """Does an id list longer than SQLite's 32,766 bound parameters still filter exactly?"""
    ids = range(1, 40_001)
    assert db.session.scalar(select(literal(39_999)).where(queries.among(literal(39_999), ids))) == 39_999
    assert db.session.scalar(select(literal(40_001)).where(queries.among(literal(40_001), ids))) is None
    assert db.session.scalar(select(literal(1)).where(queries.among(literal(1), []))) is None
