"""Participation figures: who counts, exempt members, make-up, absences."""
from __future__ import annotations

from datetime import date

import pytest

from quizapp.extensions import db
from quizapp.services import participation
from quizapp.services.exceptions import InvalidInput, NotFound
from tests.factories import add_member, make_report_attempt, make_report_round, move


@pytest.fixture
def setup(world):
    """CB-A with secretary, deputy, member_a + 2 more; a round over the committee."""
    rnd = make_report_round([world.committee], world.committee)
    extra1 = add_member(world.cell_a, "Đỗ Văn Giang")
    extra2 = add_member(world.cell_a, "Bùi Thị Hoa")
    db.session.commit()
    return rnd, extra1, extra2


def test_rate_counts_required_members_only(world, setup):
    """Do exempt and non-party people stay out of the denominator while 3 of 4 count as 75%?"""
    rnd, extra1, extra2 = setup
    exempt = add_member(world.cell_a, "Lý Văn Kha", exempt=True)
    add_member(world.cell_a, "Mai Thị Lan", party_status="ngoai_dang")
    for p, s in [(world.secretary_a, 9.0), (world.deputy_a, 7.0), (world.member_a, 4.0)]:
        make_report_attempt(rnd, p, s)
    make_report_attempt(rnd, exempt, 10.0)
    db.session.commit()
    f = participation.figures(rnd, world.cell_a)
    assert (f.total, f.exempt, f.required, f.took_part) == (6, 1, 5, 3)
    assert f.non_party == 1
    assert f.rate == pytest.approx(60.0)
    assert f.met is False
    assert f.tested == 3
    assert f.mean_score == pytest.approx(6.67)
    assert f.distribution == {"gioi": 1, "kha": 1, "trung_binh": 0, "chua_dat": 1}


def test_membership_on_session_date_decides(world, setup):
    """Does a member who moved to CB-B after the round still count in CB-A, and not in CB-B?"""
    rnd, extra1, _ = setup
    make_report_attempt(rnd, extra1, 8.5)
    move(extra1, world.cell_b, date(2026, 3, 1))
    db.session.commit()
    fa = participation.figures(rnd, world.cell_a)
    fb = participation.figures(rnd, world.cell_b)
    assert fa.required == 5 and fa.took_part == 1
    assert fb.required == 2 and fb.took_part == 0
    names_a = [s.person.full_name for s in participation.member_statuses(rnd, world.cell_a)]
    assert "Đỗ Văn Giang" in names_a
    assert "Đỗ Văn Giang" not in [s.person.full_name for s in participation.member_statuses(rnd, world.cell_b)]


def test_member_joining_after_round_not_counted(world, setup):
    """Is someone who joined CB-A after the session date left out of the round's figures?"""
    rnd, _, _ = setup
    add_member(world.cell_a, "Tạ Văn Mới", start=date(2026, 3, 1))
    db.session.commit()
    assert participation.figures(rnd, world.cell_a).required == 5


def test_makeup_counted_separately(world, setup):
    """Are make-up attempts reported as the difference between rate before and after make-up?"""
    rnd, extra1, extra2 = setup
    for p in (world.secretary_a, world.deputy_a, world.member_a):
        make_report_attempt(rnd, p, 8.0)
    make_report_attempt(rnd, extra1, 6.0, makeup=True)
    db.session.commit()
    f = participation.figures(rnd, world.cell_a)
    assert (f.took_part, f.took_part_on_time, f.made_up) == (4, 3, 1)
    assert f.rate_before_makeup == pytest.approx(60.0)
    assert f.rate == pytest.approx(80.0)
    statuses = {s.person.id: s for s in participation.member_statuses(rnd, world.cell_a)}
    assert statuses[extra1.id].is_makeup is True
    assert statuses[extra2.id].state == "not_started"


def test_attempt_policy_picks_counted_score(world, setup):
    """Does the 'best' policy count the higher of two attempts and 'last' the later one?"""
    rnd, _, _ = setup
    make_report_attempt(rnd, world.member_a, 9.0, number=1)
    make_report_attempt(rnd, world.member_a, 5.0, number=2)
    make_report_attempt(rnd, world.deputy_a, None, number=1, status="in_progress")
    db.session.commit()
    assert participation.figures(rnd, world.cell_a).mean_score == pytest.approx(9.0)
    st = {s.person.id: s for s in participation.member_statuses(rnd, world.cell_a)}
    assert st[world.deputy_a.id].state == "in_progress"
    rnd.quiz.attempt_policy = "last"
    db.session.commit()
    assert participation.figures(rnd, world.cell_a).mean_score == pytest.approx(5.0)


def test_statuses_in_vietnamese_name_order(world, setup):
    """Are member rows sorted by given name first (Ánh, Bình, Cúc, Giang, Hoa)?"""
    rnd, _, _ = setup
    names = [s.person.full_name for s in participation.member_statuses(rnd, world.cell_a)]
    assert names == ["Nguyễn Thị Ngọc Ánh", "Trần Văn Bình", "Phạm Thị Cúc", "Đỗ Văn Giang", "Bùi Thị Hoa"]


def test_absences_split_excused(world, setup):
    """Are recorded absences split into có lý do / không lý do (unrecorded = không lý do)?"""
    rnd, extra1, extra2 = setup
    make_report_attempt(rnd, world.secretary_a, 8.0)
    participation.record_absence(rnd, extra1, "om", "", True, world.secretary_a)
    participation.record_absence(rnd, extra2, "khac", "Không liên lạc được", False, world.secretary_a)
    f = participation.figures(rnd, world.cell_a)
    assert (f.absent_excused, f.absent_unexcused, f.absent_unrecorded) == (1, 3, 2)
    # Updating replaces the record rather than adding a second one.
    participation.record_absence(rnd, extra2, "cong_tac", "", True, world.secretary_a)
    assert participation.figures(rnd, world.cell_a).absent_excused == 2


def test_absence_scope_and_validation(world, setup):
    """Can secretary_b not record an absence for a CB-A member, and is 'khác' without text refused?"""
    rnd, extra1, _ = setup
    with pytest.raises(NotFound):
        participation.record_absence(rnd, extra1, "om", "", True, world.secretary_b)
    with pytest.raises(InvalidInput):
        participation.record_absence(rnd, extra1, "khac", "  ", True, world.secretary_a)
    with pytest.raises(InvalidInput):
        participation.record_absence(rnd, extra1, "bogus", "", True, world.secretary_a)


def test_committee_figures_sum_cells(world, setup):
    """Do the committee's figures equal the sum over its two cells?"""
    rnd, _, _ = setup
    make_report_attempt(rnd, world.member_b, 7.0)
    make_report_attempt(rnd, world.member_a, 9.0)
    db.session.commit()
    f = participation.figures(rnd, world.committee)
    assert (f.required, f.took_part) == (7, 2)
    assert f.mean_score == pytest.approx(8.0)


def test_org_outside_round_not_counted(world):
    """When only CB-A takes part, is CB-B's roster excluded from the committee's figures?"""
    rnd = make_report_round([world.cell_a], world.committee)
    db.session.commit()
    assert participation.figures(rnd, world.committee).required == 3
    assert participation.figures(rnd, world.cell_b).required == 0
