"""One home per rule (services/rules.py): every consumer — board, cell sheet, roll-up, export, the
report page — gives the same answer for who counts, which attempt counts, its score and "met"."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from quizapp.config import Config
from quizapp.extensions import db
from quizapp.services import participation, round_board, rules
from quizapp.services.grading import classify
from quizapp.services.reporting import excel, queries
from quizapp.services.reporting.rollup import rollup_data
from quizapp.services.reporting.sheets import sheet_data
from quizapp.services.rounds import eligible_quiz_ids
from tests.factories import REPORT_SESSION, add_member, make_report_attempt, make_report_round, move


def _sql_counted_ids(rnd, node) -> dict[int, int | None]:
    """person id -> the counted attempt id, as the SQL reports pick it."""
    m = queries.members_subquery(rnd, node)
    c, c_on = queries.counted(m.c.person_id, rnd.quiz)
    return dict(db.session.execute(select(m.c.person_id, c.c.id).select_from(m).outerjoin(c, c_on)).all())


# ---------------------------------------------------------------- "met" is exact


@pytest.mark.parametrize("part, whole, threshold, expected", [
    (49, 50, 98, True),            # exactly 98 %
    (97, 99, 98, False),           # 97,98 %
    (2, 3, 66.66666666666667, False),  # 66,666…% is below the (float) threshold: no epsilon
    (2, 3, 66.66, True),
    (0, 0, 98, True),              # nobody required
    (0, 1, 0.01, False),
])
def test_met_is_exact(part, whole, threshold, expected):
    """Is "met" decided exactly, with no epsilon letting a rate just below the threshold pass?"""
    assert rules.met(part, whole, threshold) is expected


def test_met_is_the_same_on_board_report_page_and_rollup(world, client, login_as):
    """With a threshold a float epsilon would round over (2 of 3 against 66.66666666666667 %), do the
    figures, the board's cell rows, the roll-up and the results page all say "not met"?"""
    rnd = make_report_round([world.committee], world.committee, threshold=66.66666666666667)
    make_report_attempt(rnd, world.secretary_a, 8.0)
    make_report_attempt(rnd, world.member_a, 7.0)
    db.session.commit()
    f = participation.figures(rnd, world.cell_a)
    assert (f.took_part, f.required) == (2, 3) and f.met is False
    board = round_board.build_board(rnd, world.committee)
    row_a = next(r for r in board.cells if r.org_id == world.cell_a.id)
    assert row_a.met is False
    data = rollup_data(rnd, world.committee)
    assert [r["met"] for r in data.rows if r["org_id"] == world.cell_a.id] == [False]
    assert world.cell_a.id in [r["org_id"] for r in data.below]
    login_as(world.staff)
    html = client.get(f"/reports/rounds/{rnd.id}").get_data(as_text=True)
    row = html[html.index(world.cell_a.name) - 200:html.index(world.cell_a.name) + 300]
    assert "Chưa đạt" in row


# ---------------------------------------------------------------- an ungraded essay attempt


@pytest.fixture
def pending_round(world):
    """CB-A: member_a's only attempt waits for an essay mark (provisional 9,5 stored), the
    secretary scored 6,0; the deputy did not take part."""
    rnd = make_report_round([world.committee], world.committee)
    pending = make_report_attempt(rnd, world.member_a, 9.5, pending=1)
    make_report_attempt(rnd, world.secretary_a, 6.0)
    db.session.commit()
    return rnd, pending


def test_ungraded_attempt_on_the_board(world, pending_round, client, login_as):
    """Does the board count the ungraded attempt as taking part and show "Chờ chấm", not a score?"""
    rnd, pending = pending_round
    board = round_board.build_board(rnd, world.cell_a)
    status = next(s for s in board.statuses if s.person.id == world.member_a.id)
    assert status.state == "submitted" and status.attempt.id == pending.id
    assert status.shown_score is None and status.missing is False
    assert board.figures.took_part == 2 and board.figures.tested == 1 and board.figures.pending == 1
    login_as(world.secretary_a)
    html = client.get(f"/manage/rounds/{rnd.id}/board").get_data(as_text=True)
    row = html[html.index(world.member_a.full_name):]
    row = row[:row.index("</tr>")]
    assert "Chờ chấm" in row and "9,5" not in row and ">0,0<" not in row


def test_ungraded_attempt_on_the_cell_sheet(world, pending_round):
    """Does the cell sheet list the member as taking part, with no score and "Chờ chấm"?"""
    rnd, _ = pending_round
    data = sheet_data(rnd, world.cell_a, "01-BC/CB", REPORT_SESSION)
    line = next(m for m in data.members if m.name == world.member_a.full_name)
    assert line.participation == "Đã tham gia"
    assert line.score is None and line.classification == "Chờ chấm"
    assert data.figures["took_part"] == 2 and data.figures["tested"] == 1
    assert data.figures["mean_score"] == 6.0  # the provisional 9,5 is not in the mean


def test_ungraded_attempt_in_the_rollup(world, pending_round):
    """Does the roll-up count the ungraded attempt as taking part, but keep it out of the mean and
    the commendations (its provisional 9,5 is not a score)?"""
    rnd, _ = pending_round
    data = rollup_data(rnd, world.committee)
    row = next(r for r in data.rows if r["org_id"] == world.cell_a.id)
    assert row["took_part"] == 2 and row["tested"] == 1 and row["mean"] == 6.0
    assert row["outstanding_people"] == 0
    assert data.outstanding_people == []


def test_ungraded_attempt_in_the_export(world, pending_round):
    """Does the export show the member as taking part, with an empty score and "Chờ chấm"?"""
    rnd, _ = pending_round
    rec = next(r for r in excel.member_records(rnd, world.cell_a) if r["name"] == world.member_a.full_name)
    assert rec["state"] == "Đã tham gia"
    assert rec["score"] is None and rec["classification"] == "Chờ chấm"


# ---------------------------------------------------------------- which attempt counts


def test_counted_attempt_is_the_same_in_python_and_sql(world):
    """With a finished attempt without a score, one scored 0, an ungraded one and graded ones, do the
    board (Python) and every report (SQL) pick the same counted attempt under each policy?"""
    rnd = make_report_round([world.committee], world.committee, policy="best")
    sec_none = make_report_attempt(rnd, world.secretary_a, None, number=1)
    sec_zero = make_report_attempt(rnd, world.secretary_a, 0.0, number=2)
    mem_pending = make_report_attempt(rnd, world.member_a, 7.0, number=1, pending=1)
    mem_graded = make_report_attempt(rnd, world.member_a, 6.5, number=2)
    dep_a = make_report_attempt(rnd, world.deputy_a, 5.0, number=1)
    dep_b = make_report_attempt(rnd, world.deputy_a, 5.0, number=2)
    db.session.commit()
    expected = {
        "best": {world.secretary_a.id: sec_zero.id,   # a missing score ranks after 0, not as 0
                 world.member_a.id: mem_pending.id,   # at least 7,0 once graded: the best
                 world.deputy_a.id: dep_a.id},        # a tie goes to the earlier attempt
        "first": {world.secretary_a.id: sec_none.id, world.member_a.id: mem_pending.id, world.deputy_a.id: dep_a.id},
        "last": {world.secretary_a.id: sec_zero.id, world.member_a.id: mem_graded.id, world.deputy_a.id: dep_b.id},
    }
    for policy, want in expected.items():
        rnd.quiz.attempt_policy = policy
        db.session.flush()
        python = {s.person.id: s.attempt.id for s in participation.member_statuses(rnd, world.cell_a)}
        sql = _sql_counted_ids(rnd, world.cell_a)
        assert python == want, policy
        assert sql == want, policy


# ---------------------------------------------------------------- who takes part, who is required


def test_eligibility_is_the_same_everywhere(world):
    """For members who stay, move after the session, join after it, or are exempt, do start
    (round_cell_id), the member's quiz list and the board agree on who takes part and where?"""
    rnd = make_report_round([world.cell_a], world.committee)
    moved = add_member(world.cell_a, "Đỗ Văn Giang")
    move(moved, world.cell_b, REPORT_SESSION.replace(month=3))
    late = add_member(world.cell_a, "Tạ Văn Mới", start=REPORT_SESSION.replace(month=3))
    exempt = add_member(world.cell_a, "Lý Văn Kha", exempt=True)
    db.session.commit()
    board = {s.person.id: s for s in participation.member_statuses(rnd, world.cell_a)}
    people = [world.member_a, world.member_b, world.secretary_b, moved, late, exempt]
    for p in people:
        cell_id = rules.round_cell_id(rnd.id, p.id)
        in_list = rnd.quiz.id in eligible_quiz_ids(p)
        assert (cell_id is not None) == in_list == (p.id in board), p.full_name
        if cell_id is not None:
            assert cell_id == board[p.id].cell.id == world.cell_a.id
    assert board[moved.id].required is True
    assert board[exempt.id].required is False
    assert late.id not in board


# ---------------------------------------------------------------- thresholds, declared once


def test_thresholds_are_declared_in_config():
    """Are the cut-offs and the commendation thresholds config keys with their defaults?"""
    assert Config.DEFAULT_CUTOFFS == {"gioi": 8.0, "kha": 6.5, "trung_binh": 5.0}
    assert (Config.REPORT_OUTSTANDING_SCORE, Config.REPORT_OUTSTANDING_UNIT_MEAN) == (9.0, 8.0)


def test_outstanding_thresholds_come_from_config(world, app):
    """Does lowering REPORT_OUTSTANDING_SCORE / _UNIT_MEAN change who the roll-up commends?"""
    rnd = make_report_round([world.committee], world.committee)
    for p in (world.secretary_a, world.deputy_a, world.member_a):
        make_report_attempt(rnd, p, 7.9)
    db.session.commit()
    data = rollup_data(rnd, world.committee)
    assert data.outstanding_people == [] and data.outstanding_units == []
    app.config.update(REPORT_OUTSTANDING_SCORE=7.5, REPORT_OUTSTANDING_UNIT_MEAN=7.5)
    try:
        data = rollup_data(rnd, world.committee)
    finally:
        app.config.update(REPORT_OUTSTANDING_SCORE=9.0, REPORT_OUTSTANDING_UNIT_MEAN=8.0)
    assert len(data.outstanding_people) == 3
    assert [u["org_id"] for u in data.outstanding_units] == [world.cell_a.id]
    data = rollup_data(rnd, world.committee, rules.Outstanding(score=7.95, unit_mean=7.95))
    assert data.outstanding_people == [] and data.outstanding_units == []


def test_default_cutoffs_come_from_config(app):
    """Does a quiz without its own cut-offs follow DEFAULT_CUTOFFS from config?"""
    assert classify(8.0, None) == "gioi"
    app.config["DEFAULT_CUTOFFS"] = {"gioi": 9.0, "kha": 6.5, "trung_binh": 5.0}
    try:
        assert classify(8.0, None) == "kha"
        assert classify(8.0, {"gioi": 8.0}) == "gioi"
    finally:
        app.config["DEFAULT_CUTOFFS"] = dict(Config.DEFAULT_CUTOFFS)
