"""A document reads its round's figures once: readiness and the document share one reading."""
from __future__ import annotations

from sqlalchemy import event

from quizapp.extensions import db
from quizapp.services.reporting import documents, queries
from tests.factories import make_questions, make_report_attempt, make_report_round


def _round(world):
    r = make_report_round([world.committee], world.committee)
    qs = make_questions(2)
    make_report_attempt(r, world.secretary_a, 9.0, versions=qs, picks=["a", "a"])
    make_report_attempt(r, world.deputy_a, 7.0, versions=qs, picks=["a", "b"])
    db.session.commit()
    return r


def _aggregate_queries(fn) -> int:
    """How many statements of fn are cell_rows' aggregate (the one with the materialized members)."""
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "MATERIALIZED" in statement and "GROUP BY" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


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
