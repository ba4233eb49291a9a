"""The ledger checker (bench/verify.py) without a server: a small hall run through the real start,
save, submit, sweep and essay-grading services, a ledger written with the load generator's own
line builders, then copies of the database broken one way each — every break must be named.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from bench import loadgen
from bench.verify import parse_time, same_instant, verify
from quizapp.extensions import db
from quizapp.models import Answer, Attempt, AttemptItem, QuestionVersion
from quizapp.services import attempt_view, delivery, display_ids, grading
from tests.delivery.helpers import at
from tests.factories import make_person, make_quiz

# A fraction of a second on purpose: a finish moved by 0,5 s stays inside the same whole second,
# so only the sub-second check can catch it.
T = datetime(2026, 2, 5, 2, 0, 0, 200000)
RIGHT = {1: "b", 2: ["a", "b"], 3: True, 4: "tự chuyển hóa"}  # the sample bank's keys (bank ids)


class Hall:
    """What the fixture built: the ledger path, the database URL and who is who."""

    def __init__(self, ledger, url):
        self.ledger, self.url = ledger, url
        self.attempts: dict[str, int] = {}

    def check(self) -> dict:
        db.session.commit()
        return verify(self.url, self.ledger)


def _display(attempt_id: int, position: int, value):
    """A bank-id answer as the taker's page sends it (this attempt's display ids)."""
    row = db.session.execute(
        select(QuestionVersion.spec, AttemptItem.choice_order)
        .join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id)
        .where(AttemptItem.attempt_id == attempt_id, AttemptItem.position == position)).one()
    if isinstance(value, str) and position == 1:
        value = {"choice": value}
    elif isinstance(value, list):
        value = {"choices": value}
    elif isinstance(value, bool):
        value = {"value": value}
    elif isinstance(value, str):
        value = {"text": value}
    return display_ids.to_display(row.spec, row.choice_order, value)


@pytest.fixture
def hall(world, tmp_path):
    """Five members, one quiz of every type (shuffled choices), each journey a different ending."""
    ledger = loadgen.Ledger(tmp_path / "ledger.jsonl")
    result = Hall(tmp_path / "ledger.jsonl", db.engine.url.render_as_string(hide_password=False))
    extra = make_person(world.cell_a, "Đỗ Thị Hạnh", "MEMX")
    db.session.commit()
    takers = {"all_right": world.member_a, "partial": world.deputy_a, "essay_waits": world.member_b,
              "timer": extra, "vanished": world.secretary_b}
    plans = {  # bank-id answers in the order saved; a tuple (position, value, seq, stale) re-sends
        "all_right": [(1, "a", 1, False), (2, ["a", "b"], 1, False), (1, "b", 2, False), (1, "c", 1, True),
                      (3, True, 1, False), (4, "tự chuyển hóa", 1, False), (5, "Bài thu hoạch đầy đủ.", 1, False)],
        "partial": [(1, "c", 1, False), (2, ["a"], 1, False), (3, False, 1, False), (4, "a", 1, False),
                    (5, "Bài thu hoạch.", 1, False)],
        "essay_waits": [(1, "b", 1, False), (5, "Bài thu hoạch chờ chấm.", 1, False)],
        "timer": [(2, ["a", "b", "c"], 1, False), (3, True, 1, False)],  # essay left blank: 0, final
        "vanished": [(1, "b", 1, False), (4, "tu chuyen hoa", 1, False)],
    }
    with at(T):
        quiz = make_quiz(world.committee, [world.committee], shuffle_choices=True, shuffle_questions=False)
        for role, person in takers.items():
            attempt = delivery.start_attempt(quiz.id, person)
            ledger.write(**loadgen.start_entry(person.id, 201, attempt_view.attempt_payload(attempt)))
            result.attempts[role] = attempt.id
    for n, (role, plan) in enumerate(plans.items()):
        person, aid = takers[role], result.attempts[role]
        for k, (pos, value, seq, stale) in enumerate(plan):
            with at(T + timedelta(minutes=1 + n, seconds=k)):
                shown = _display(aid, pos, value)
                body = delivery.save_answer(aid, person.id, pos, shown, seq)
                ledger.write(**loadgen.save_entry(person.id, aid, pos, seq, shown, body, stale))
    for n, role in enumerate(("all_right", "partial", "essay_waits")):
        with at(T + timedelta(minutes=10, seconds=n)):
            sent = loadgen.wall_clock()
            attempt = delivery.submit_attempt(result.attempts[role], person_id=takers[role].id, reason="member")
            body = attempt_view.result_payload(attempt)
            ledger.write(**loadgen.submit_entry(takers[role].id, attempt.id, body, sent, loadgen.wall_clock()))
    deadline = db.session.get(Attempt, result.attempts["timer"]).deadline
    with at(deadline + timedelta(seconds=0.3)):  # the page's timer, just after the deadline
        sent = loadgen.wall_clock()
        attempt = delivery.submit_attempt(result.attempts["timer"], person_id=extra.id, reason="timer")
        body = attempt_view.result_payload(attempt)
        ledger.write(**loadgen.submit_entry(extra.id, attempt.id, body, sent, loadgen.wall_clock()))
    with at(deadline + timedelta(seconds=quiz.grace_seconds + 5)):
        assert delivery.close_overdue() == 1  # the vanished member, closed at the deadline
        for role, mark in (("all_right", 0.5), ("partial", 1.0)):
            essay = db.session.scalar(select(Answer.id).where(Answer.attempt_id == result.attempts[role],
                                                              Answer.position == 5))
            grading.grade_essay(essay, world.secretary_a, mark,
                                "Đã chấm.")
    ledger.close()
    db.session.commit()
    return result


def test_a_clean_run_passes_and_every_attempt_is_regraded(hall):
    """Does the checker accept a run done by the real services, regrading every attempt whose essays
    are marked and counting, not comparing, the ones still waiting for a person?"""
    result = hall.check()
    assert result["problems"] == []
    facts = result["facts"]
    assert facts["attempts"] == 5 and facts["starts_acknowledged"] == 5 and facts["submits_acknowledged"] == 4
    assert facts["stale_saves_refused"] == 1
    assert facts["finish_reasons"] == {"member": 3, "timer": 1, "sweep": 1}
    # all_right and partial had their essays marked, timer and vanished left it blank (0 points,
    # nothing to wait for); only essay_waits has an essay waiting for a person: counted, not compared
    assert facts["regraded"] == 4, str(facts)
    assert facts["essays_pending_attempts"] == 1 and facts["essays_pending"] == 1
    right = db.session.get(Attempt, hall.attempts["all_right"])
    assert (right.points, right.score, right.classification) == (4.5, 9.0, "gioi")


def _answer(hall, role: str, position: int) -> Answer:
    return db.session.scalar(select(Answer).where(Answer.attempt_id == hall.attempts[role],
                                                  Answer.position == position))


def _problems(hall) -> list[str]:
    problems = hall.check()["problems"]
    assert problems, "the break went unnoticed"
    return problems


def test_a_lost_save_is_named(hall):
    """An acknowledged save the database lacks (as if the commit was lost)."""
    lost = _answer(hall, "partial", 4)
    db.session.delete(lost)
    expected = f"acknowledged answer missing: attempt {hall.attempts['partial']} position 4 seq 1"
    assert expected in _problems(hall)


def test_an_older_seq_is_named(hall):
    """The database holds seq 1 of an answer acknowledged at seq 2."""
    row = _answer(hall, "all_right", 1)
    row.seq = 1
    key = (hall.attempts["all_right"], 1)
    assert f"older seq stored: {key} has 1, acknowledged 2" in _problems(hall)


def test_a_finish_moved_by_half_a_second_is_named(hall):
    """The stored finish time shifted by 0,5 s (still the same whole second the API returned)."""
    attempt = db.session.get(Attempt, hall.attempts["partial"])
    before = attempt.finished_at
    attempt.finished_at = before + timedelta(milliseconds=500)
    assert attempt.finished_at.replace(microsecond=0) == before.replace(microsecond=0)
    problems = _problems(hall)
    assert any(p.startswith(f"finish time of attempt {attempt.id} stored ") and "outside its acknowledged submit"
               in p for p in problems), problems


def test_a_finish_moved_at_the_deadline_is_named(hall):
    """A submit acknowledged after the deadline must be stored at the deadline, not 0,5 s before it."""
    attempt = db.session.get(Attempt, hall.attempts["timer"])
    assert attempt.finished_at == attempt.deadline
    attempt.finished_at = attempt.deadline - timedelta(milliseconds=500)
    problems = _problems(hall)
    assert any(p.startswith(f"finish time of attempt {attempt.id} stored ") for p in problems), problems


def test_a_changed_score_is_named(hall):
    """The stored score is 0,1 higher than the regrade of the stored answers."""
    attempt = db.session.get(Attempt, hall.attempts["partial"])
    expected_score = attempt.score
    attempt.score = grading.round1(grading.exact(attempt.score) + grading.exact("0.1"))
    line = f"attempt {attempt.id}: score stored {attempt.score}, regrade of its answers gives {expected_score:.1f}"
    assert _problems(hall) == [line]


def test_a_score_other_than_the_one_shown_is_named(hall):
    """A final score (no essay waiting) stored other than the one the submit showed the member."""
    attempt = db.session.get(Attempt, hall.attempts["timer"])
    assert attempt.pending_essays == 0
    shown = attempt.score
    attempt.score = grading.round1(grading.exact(attempt.score) + grading.exact("0.1"))
    problems = _problems(hall)
    assert f"attempt {attempt.id}: score {shown} acknowledged to the member, {attempt.score!r} stored" in problems, \
        problems


def test_changed_points_are_named(hall):
    """The stored points differ from the regrade (the score left as it was)."""
    attempt = db.session.get(Attempt, hall.attempts["all_right"])
    attempt.points = attempt.points - 0.25
    problems = _problems(hall)
    assert any(p.startswith(f"attempt {attempt.id}: points stored 4.25, regrade of its answers gives 4.5")
               for p in problems), problems


def test_an_answer_changed_after_grading_is_named(hall):
    """A stored answer's value changed after the attempt was graded: its regrade no longer gives its mark."""
    row = _answer(hall, "all_right", 1)
    assert row.value == {"choice": "b"} and row.awarded == 1.0
    row.value = {"choice": "d"}
    aid = hall.attempts["all_right"]
    problems = _problems(hall)
    assert f"answer {aid}/1: stored awarded 1.0, regrade of its stored value {{'choice': 'd'}} gives 0.0000" \
        in problems, problems
    assert f"attempt {aid}: points stored 4.5, regrade of its answers gives 3.5000" in problems


def test_a_wrong_classification_is_named(hall):
    """The classification stored is not the one the regraded score earns."""
    attempt = db.session.get(Attempt, hall.attempts["all_right"])
    attempt.classification = "kha"
    assert _problems(hall) == [f"attempt {attempt.id}: classification stored kha, regrade gives gioi"]


def test_a_second_attempt_for_one_person_is_named(hall):
    """Two attempts for the same member (a start that raced and both won)."""
    first = db.session.get(Attempt, hall.attempts["partial"])
    db.session.add(Attempt(quiz_id=first.quiz_id, person_id=first.person_id, org_id=first.org_id, number=2,
                           status="finished", finish_reason="member", seed=1, started_at=first.started_at,
                           deadline=first.deadline, finished_at=first.finished_at, points=0.0, max_points=0.0,
                           score=0.0, classification="chua_dat", pending_essays=0))
    assert f"person {first.person_id} has 2 attempts" in _problems(hall)


def test_an_attempt_left_open_is_named(hall):
    """An attempt nobody closed (the sweep missed it)."""
    aid = hall.attempts["vanished"]
    db.session.execute(update(Attempt).where(Attempt.id == aid)
                       .values(status="in_progress", finished_at=None, finish_reason=None, score=None))
    assert f"attempt {aid} not closed (in_progress)" in _problems(hall)


def test_a_pending_essay_count_that_lies_is_named(hall):
    """An attempt stored as fully graded while an essay still waits for a person."""
    attempt = db.session.get(Attempt, hall.attempts["essay_waits"])
    attempt.pending_essays = 0
    assert _problems(hall) == [f"attempt {attempt.id}: 0 essays stored as waiting, regrade finds 1"]


def test_whole_second_acknowledgements_compare_at_their_precision():
    """Does the finish time compare at the API's precision (whole seconds, truncated), and to the
    microsecond when the acknowledgement carries a fraction?"""
    stored = datetime(2026, 2, 5, 2, 10, 0, 700000)
    assert same_instant(stored, "2026-02-05T02:10:00Z")
    assert not same_instant(stored, "2026-02-05T02:10:01Z")
    assert same_instant(stored, "2026-02-05T02:10:00.700000Z")
    assert not same_instant(stored, "2026-02-05T02:10:00.200000Z")
    assert parse_time("2026-02-05T09:10:00+07:00") == datetime(2026, 2, 5, 2, 10)
