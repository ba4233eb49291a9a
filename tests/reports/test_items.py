"""Item analysis: facility, discrimination, choice counts, topic means."""
from __future__ import annotations

import pytest

from quizapp.extensions import db
from quizapp.services.reporting import items
from tests.factories import (
    add_member,
    make_questions,
    make_report_attempt,
    make_report_round,
)


def test_facility_discrimination_and_choices(world):
    """With 4 takers, are facility, upper-lower discrimination and pick counts right?"""
    rnd = make_report_round([world.committee], world.committee)
    qs = make_questions(2, topics=["Chủ đề A", "Chủ đề B"])
    extra = add_member(world.cell_a, "Đỗ Văn Giang")
    # q1: only the two strongest answer correctly; q2: everybody correct.
    make_report_attempt(rnd, world.secretary_a, 10.0, versions=qs, picks=["a", "a"])
    make_report_attempt(rnd, world.deputy_a, 8.0, versions=qs, picks=["a", "a"])
    make_report_attempt(rnd, world.member_a, 5.0, versions=qs, picks=["b", "a"])
    make_report_attempt(rnd, extra, 2.0, versions=qs, picks=[None, "a"])
    db.session.commit()
    stats = {s.text: s for s in items.item_analysis(rnd, world.cell_a)}
    q1, q2 = stats["Câu hỏi số 1"], stats["Câu hỏi số 2"]
    assert q1.facility == pytest.approx(0.5)
    assert q1.discrimination == pytest.approx(1.0)
    assert q2.facility == pytest.approx(1.0) and q2.discrimination == pytest.approx(0.0)
    counts = {c["id"]: c["count"] for c in q1.choices}
    assert counts == {"a": 2, "b": 1, "c": 0, "d": 0}
    topics = items.topic_facility(rnd, world.cell_a)
    assert [t.topic for t in topics] == ["Chủ đề A", "Chủ đề B"]
    assert topics[0].facility == pytest.approx(0.5)


def test_item_analysis_scoped(world):
    """Do CB-B's answers stay out of CB-A's analysis?"""
    rnd = make_report_round([world.committee], world.committee)
    qs = make_questions(1)
    make_report_attempt(rnd, world.member_b, 0.0, versions=qs, picks=["b"])
    make_report_attempt(rnd, world.member_a, 10.0, versions=qs, picks=["a"])
    db.session.commit()
    (only,) = items.item_analysis(rnd, world.cell_a)
    assert only.facility == pytest.approx(1.0) and only.answers == 1


def test_covers_required_members_and_never_ranks_an_ungraded_attempt_as_zero(world):
    """Is someone outside the party left out of the analysis, and is an attempt whose essay waits for a
    mark (stored score 0 so far) counted for facility but ranked in neither group?"""
    rnd = make_report_round([world.committee], world.committee)
    qs = make_questions(2, topics=["Chủ đề A", "Chủ đề B"])
    extra = add_member(world.cell_a, "Đỗ Văn Giang")
    outsider = add_member(world.cell_a, "Mai Thị Lan", party_status="ngoai_dang")
    waiting = add_member(world.cell_a, "Lý Thị Chờ")
    make_report_attempt(rnd, world.secretary_a, 10.0, versions=qs, picks=["a", "a"])
    make_report_attempt(rnd, world.deputy_a, 8.0, versions=qs, picks=["a", "a"])
    make_report_attempt(rnd, world.member_a, 5.0, versions=qs, picks=["b", "a"])
    make_report_attempt(rnd, extra, 2.0, versions=qs, picks=[None, "a"])
    make_report_attempt(rnd, outsider, 0.0, versions=qs, picks=["c", "c"])
    make_report_attempt(rnd, waiting, 0.0, versions=qs, picks=["a", "a"], pending=1)
    db.session.commit()
    q1 = {s.text: s for s in items.item_analysis(rnd, world.cell_a)}["Câu hỏi số 1"]
    assert q1.answers == 5  # the outsider's attempt is not analysed
    assert {c["id"]: c["count"] for c in q1.choices} == {"a": 3, "b": 1, "c": 0, "d": 0}
    assert q1.facility == pytest.approx(0.6)
    # Ranked: 10, 8, 5, 2 (the waiting attempt is not a 0): upper {10}, lower {2}.
    assert q1.discrimination == pytest.approx(1.0)
    topics = {t.topic: t for t in items.topic_facility(rnd, world.cell_a)}
    assert topics["Chủ đề B"].answers == 5 and topics["Chủ đề B"].facility == pytest.approx(1.0)


def test_items_page_says_whom_it_covers(world, client, login_as):
    """Does the item analysis page say whom it covers?"""
    rnd = make_report_round([world.committee], world.committee)
    db.session.commit()
    login_as(world.staff)
    page = client.get(f"/reports/rounds/{rnd.id}/orgs/{world.cell_a.id}/items").get_data(as_text=True)
    assert 'id="items-coverage"' in page and "đảng viên phải tham gia" in page
