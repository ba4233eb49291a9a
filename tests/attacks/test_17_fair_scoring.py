"""Fair scoring: a member's grade cannot be dropped by binary floats, gamed by ticking every option
of a multi-select, or decided by which questions a random draw happened to give them."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Attempt, AttemptItem, Question, QuestionVersion, StudyRound
from tests.delivery.helpers import T0, at, save
from tests.factories import make_bank, make_person, make_quiz

RIGHT = ("single", "Câu đúng?", {"choices": [{"text": "Đáp án đúng", "correct": True}, {"text": "Đáp án sai"}]})


def multi(right: int, wrong: int, text: str) -> tuple:
    """A multi-select question whose right options read 'Đúng 1…' and wrong ones 'Sai 1…'."""
    choices = [{"text": f"Đúng {i + 1}", "correct": True} for i in range(right)]
    choices += [{"text": f"Sai {i + 1}"} for i in range(wrong)]
    return ("multiple", text, {"choices": choices})


def sit_through_api(client, quiz_id: int, picks: dict[int, list[str]]) -> dict:
    """Start, answer by choice text (whatever ids the page shows) and submit through the API."""
    body = client.json_post(f"/api/v1/quizzes/{quiz_id}/attempts").get_json()
    for item in body["items"]:
        wanted = picks.get(item["position"])
        if wanted is None:
            continue
        ids = [c["id"] for c in item["view"]["choices"] if c["text"] in wanted]
        value = ids if item["type"] == "multiple" else ids[0]
        assert save(client, body["id"], item["position"], value, 1).status_code == 200
    return client.json_post(f"/api/v1/attempts/{body['id']}/submit").get_json()


def test_float_rounding_cannot_drop_a_grade(client, world, login_as):
    """3 right + multi-select partials 0,6 + 0,75 + 0,6 + 4 wrong of 10 is exactly 4,95: is it 5,0 Trung bình
    (a float sum makes it 4,9499… -> 4,9 Chưa đạt)?"""
    questions = [RIGHT, RIGHT, RIGHT, multi(5, 1, "Nhiều lựa chọn 1?"), multi(4, 1, "Nhiều lựa chọn 2?"),
                 multi(5, 1, "Nhiều lựa chọn 3?"), RIGHT, RIGHT, RIGHT, RIGHT]
    bank = make_bank(world.committee, questions=questions)
    quiz = make_quiz(world.committee, [world.committee], bank=bank, review_policy="score",
                     opens_at=T0 - timedelta(minutes=5), closes_at=T0 + timedelta(hours=1))
    three = ["Đúng 1", "Đúng 2", "Đúng 3"]
    picks = {1: ["Đáp án đúng"], 2: ["Đáp án đúng"], 3: ["Đáp án đúng"], 4: three, 5: three, 6: three,
             7: ["Đáp án sai"], 8: ["Đáp án sai"], 9: ["Đáp án sai"], 10: ["Đáp án sai"]}
    with at(T0):
        login_as(world.member_a)
        result = sit_through_api(client, quiz.id, picks)
    assert result["points"] == 4.95 and result["max_points"] == 10
    assert result["score"] == 5.0 and result["classification"] == "trung_binh"
    assert result["classification_label"] == "Trung bình"


def test_ticking_every_option_scores_zero(client, world, login_as):
    """On a multi-select with 3 right of 5 (as many shipped ones were), does ticking every option
    earn nothing — while honest partial answers still earn their share?"""
    questions = [multi(3, 2, "Ba đúng, hai sai (1)?"), multi(3, 2, "Ba đúng, hai sai (2)?")]
    bank = make_bank(world.committee, questions=questions)
    quiz = make_quiz(world.committee, [world.committee], bank=bank, review_policy="score",
                     opens_at=T0 - timedelta(minutes=5), closes_at=T0 + timedelta(hours=1))
    everything = ["Đúng 1", "Đúng 2", "Đúng 3", "Sai 1", "Sai 2"]
    with at(T0):
        login_as(world.member_a)
        gamed = sit_through_api(client, quiz.id, {1: everything, 2: everything})
    assert gamed["points"] == 0 and gamed["score"] == 0.0
    other = make_quiz(world.committee, [world.committee], bank=bank, review_policy="score",
                      opens_at=T0 - timedelta(minutes=5), closes_at=T0 + timedelta(hours=1))
    with at(T0):
        assert client.form("/auth/logout").status_code == 302
        login_as(world.member_b)
        honest = sit_through_api(client, other.id, {1: ["Đúng 1", "Đúng 2"], 2: ["Đúng 1", "Đúng 2", "Đúng 3"]})
    assert honest["points"] == round(2 / 3 + 1, 4)  # 2/3 of one item, all of the other
    assert db.session.get(Attempt, honest["id"]).person_id == world.member_b.id


def test_random_draw_cannot_give_unequal_papers(client, world, login_as):
    """Is a round whose random draw could give some members the 5-point essay (24 points) and others not
    (20 points) refused at save, and does the per-type rule that replaces it give everyone the same paper?"""
    ones = [("single", f"Câu một lựa chọn số {i}?",
             {"choices": [{"text": "Có", "correct": True}, {"text": "Không"}]}) for i in range(20)]
    essay = ("essay", "Viết bài thu hoạch?", {"rubric": []})
    bank = make_bank(None, questions=ones + [essay])
    db.session.execute(
        QuestionVersion.__table__.update()
        .where(QuestionVersion.type == "essay", QuestionVersion.question_id.in_(
            select(Question.id).where(Question.bank_id == bank.id)))
        .values(points=5.0))
    db.session.commit()
    login_as(world.staff)
    form = {
        "owner_org_id": world.committee.id, "title": "Học tập Nghị quyết 04-NQ/TW", "documents": "Nghị quyết 04-NQ/TW",
        "session_date": "2026-02-05", "place": "Hội trường", "form": "truc_tiep", "org_ids": [world.committee.id],
        "threshold_percent": "98", "quiz_title": "Kiểm tra nhận thức", "mode": "random",
        "rules-0-bank_id": bank.id, "rules-0-count": "20",
        "time_limit_minutes": "30", "opens_at": "2026-02-05T08:55", "closes_at": "2026-02-05T11:00",
        "attempts_allowed": "1", "attempt_policy": "best", "cutoff_gioi": "8", "cutoff_kha": "6,5",
        "cutoff_trung_binh": "5", "review_policy": "score", "review_when": "after_submit", "partial_credit": "y",
        "grace_seconds": "60", "shuffle_questions": "y",
    }
    refused = client.form("/manage/rounds/new", form)
    assert refused.status_code == 422 and "Tự luận, 5 điểm" in refused.get_data(as_text=True)
    assert db.session.scalar(select(StudyRound)) is None
    # Split by question type (19 single-choice + 1 essay), the same round is accepted.
    form.update({"rules-0-count": "19", "rules-0-qtype": "single", "rules-1-bank_id": bank.id,
                 "rules-1-count": "1", "rules-1-qtype": "essay"})
    assert client.form("/manage/rounds/new", form).status_code == 302
    quiz = db.session.scalar(select(StudyRound)).quiz
    shapes = set()
    with at(T0):
        for i in range(15):
            person = make_person(world.cell_a if i % 2 else world.cell_b, f"Lê Văn Hùng {i}", code=f"FAIR{i:02d}")
            db.session.commit()
            assert client.form("/auth/logout").status_code == 302
            login_as(person)
            body = client.json_post(f"/api/v1/quizzes/{quiz.id}/attempts").get_json()
            rows = db.session.execute(
                select(QuestionVersion.type, AttemptItem.points)
                .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
                .where(AttemptItem.attempt_id == body["id"])).all()
            shapes.add((sum(p for _, p in rows), tuple(sorted(Counter(t for t, _ in rows).items()))))
    assert shapes == {(24.0, (("essay", 1), ("single", 19)))}
    assert db.session.query(Attempt).filter(Attempt.quiz_id == quiz.id).count() == 15
