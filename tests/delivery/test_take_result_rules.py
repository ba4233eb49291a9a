"""The result page, the short link and the paged quiz page, as the server renders them."""
from __future__ import annotations

import re
from datetime import timedelta

from quizapp.clock import utcnow
from quizapp.extensions import db
from quizapp.models import Attempt
from quizapp.services import delivery
from tests.factories import make_quiz

# make_quiz's fixed questions: 1 single (key b), 2 multiple (a, b), 3 true/false (true), 4 short, 5 essay.
RIGHT_SINGLE, WRONG_TF = {"choice": "b"}, {"value": False}
EXPLANATION = "Giải thích đáp án: xem văn bản gốc."


def _finished(quiz, person, reason: str = "member") -> Attempt:
    attempt = delivery.start_attempt(quiz.id, person)
    delivery.save_answer(attempt.id, person.id, 1, "b", 1)
    delivery.save_answer(attempt.id, person.id, 3, "false", 1)
    delivery.submit_attempt(attempt.id, person_id=person.id, reason=reason)
    db.session.commit()
    return attempt


def _result(client, attempt) -> str:
    resp = client.get(f"/take/attempt/{attempt.id}/result")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_marks_and_explanations_only_when_policy_shows_keys(client, world, login_as):
    """Under "correct" (released) each question gets ✓/✗ and the bank's explanation; under "answers"
    and "score" neither appears, though the answers page still lists the member's own choices."""
    shown = {}
    for policy in ("correct", "answers", "score"):
        quiz = make_quiz(world.committee, [world.committee], review_policy=policy, review_when="after_submit")
        shown[policy] = _finished(quiz, world.member_a)
    login_as(world.member_a)
    page = _result(client, shown["correct"])
    assert "✓ Đúng" in page and "✗ Sai" in page and EXPLANATION in page
    assert page.count("Giải thích:") == 5
    assert "Chờ chấm" not in page
    # Question 1 (right) carries ✓, question 3 (wrong) carries ✗.
    blocks = re.findall(r'<section class="card review-item">(.*?)</section>', page, re.S)
    assert "✓ Đúng" in blocks[0] and "✗ Sai" in blocks[2] and "✗ Bỏ trống" in blocks[4]
    # Unanswered (2, 4): no marks, said as such — never "waiting to be graded".
    assert "✗ Bỏ trống" in blocks[1] and "✗ Bỏ trống" in blocks[3] and "Chờ chấm" not in blocks[1] + blocks[3]
    for policy in ("answers", "score"):
        page = _result(client, shown[policy])
        assert "✓" not in page and "✗" not in page and "Giải thích" not in page, policy
    assert "bạn đã chọn" in _result(client, shown["answers"])
    # The JSON result follows the same rule.
    api = {p: client.get(f"/api/v1/attempts/{shown[p].id}/result").get_json() for p in shown}
    assert [it["verdict"] for it in api["correct"]["items"]][:3] == ["right", "blank", "wrong"]
    assert api["correct"]["items"][0]["explanation"] == EXPLANATION
    assert all("verdict" not in it and "explanation" not in it for it in api["answers"]["items"])
    assert "items" not in api["score"]


def test_written_essay_waits_for_grading_without_a_mark(client, world, login_as):
    """An essay that was written shows "Chờ chấm", not ✓/✗, until the cell grades it."""
    quiz = make_quiz(world.committee, [world.committee], review_policy="correct", review_when="after_submit")
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    delivery.save_answer(attempt.id, world.member_a.id, 5, "Bài thu hoạch của tôi.", 1)
    delivery.submit_attempt(attempt.id, person_id=world.member_a.id, reason="member")
    db.session.commit()
    login_as(world.member_a)
    blocks = re.findall(r'<section class="card review-item">(.*?)</section>', _result(client, attempt), re.S)
    assert "Chờ chấm" in blocks[4] and "✓" not in blocks[4] and "✗" not in blocks[4]


def test_correct_policy_keeps_marks_until_the_round_closes(client, world, login_as):
    """"correct" with "after the round closes": before the close no marks, no explanation, no score."""
    quiz = make_quiz(world.committee, [world.committee], review_policy="correct", review_when="after_close")
    attempt = _finished(quiz, world.member_a)
    login_as(world.member_a)
    page = _result(client, attempt)
    assert "Kết quả sẽ được công bố" in page
    assert "✓" not in page and "✗" not in page and "Giải thích" not in page
    quiz.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = _result(client, attempt)
    assert "✓ Đúng" in page and EXPLANATION in page


def test_auto_submitted_result_says_time_ran_out(client, world, login_as):
    """Submitted by the timer, the sweep or on read: "Hết giờ — bài đã được nộp tự động"; by the member: not."""
    login_as(world.member_a)
    for reason, expected in (("timer", True), ("sweep", True), ("read", True), ("member", False)):
        quiz = make_quiz(world.committee, [world.committee])
        page = _result(client, _finished(quiz, world.member_a, reason))
        assert ("Hết giờ — bài đã được nộp tự động." in page) is expected, reason


def test_short_link_after_submitting_leads_to_the_result(client, world, login_as):
    """Scanning the QR again: in progress -> the attempt; used up -> the latest result, not a dead end."""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    assert client.get(f"/q/{quiz.short_code}").headers["Location"].endswith(f"/take/quiz/{quiz.id}")
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    db.session.commit()
    assert client.get(f"/q/{quiz.short_code}").headers["Location"].endswith(f"/take/attempt/{attempt.id}")
    delivery.submit_attempt(attempt.id, person_id=world.member_a.id, reason="member")
    db.session.commit()
    assert client.get(f"/q/{quiz.short_code}").headers["Location"].endswith(f"/take/attempt/{attempt.id}/result")
    start = client.get(f"/take/quiz/{quiz.id}").get_data(as_text=True)
    assert f"/take/attempt/{attempt.id}/result" in start and "Xem kết quả bài đã nộp" in start


def test_login_from_short_link_names_the_quiz_only(client, world):
    """The login page reached from /q/<code> (e.g. after a wrong password) names the quiz; other
    `next` targets name nothing."""
    quiz = make_quiz(world.committee, [world.committee], title="Học tập Nghị quyết Đại hội XIV")
    landing = client.get(f"/q/{quiz.short_code}").get_data(as_text=True)
    assert f"/auth/login?next=/q/{quiz.short_code}" in landing.replace("%2F", "/")
    login_page = client.get("/auth/login", query_string={"next": f"/q/{quiz.short_code}"}).get_data(as_text=True)
    assert "Đăng nhập để làm bài: Học tập Nghị quyết Đại hội XIV" in login_page
    for target in (f"/take/quiz/{quiz.id}", "/q/NOPE", f"//evil/q/{quiz.short_code}", f"/q/{quiz.short_code}/x",
                   f"/take/c/{quiz.short_code}"):
        page = client.get("/auth/login", query_string={"next": target}).get_data(as_text=True)
        assert "Đăng nhập để làm bài" not in page and quiz.title not in page, target


def test_language_switch_keeps_the_next_target(client, world):
    """Switching language on the login page keeps where the member was going."""
    quiz = make_quiz(world.committee, [world.committee])
    page = client.get("/auth/login", query_string={"next": f"/q/{quiz.short_code}"}).get_data(as_text=True)
    m = re.search(r'name="next" value="([^"]+)"', page)
    assert m and m.group(1).replace("&amp;", "&").replace("%2F", "/") == f"/auth/login?next=/q/{quiz.short_code}"
    resp = client.form("/auth/lang/en", {"next": f"/auth/login?next=/q/{quiz.short_code}"})
    assert resp.headers["Location"].endswith(f"/auth/login?next=/q/{quiz.short_code}")


def test_paged_page_holds_every_question_and_a_chip_saves_before_moving(client, world, login_as):
    """One per page: all questions are on the page (others hidden and disabled without JS); a
    question-number chip is a submit button that saves the answer on screen, then moves."""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    db.session.commit()
    page = client.get(f"/take/attempt/{attempt.id}?mode=one&q=2").get_data(as_text=True)
    assert page.count('class="question card"') == 5
    assert len(re.findall(r'<fieldset class="question card"[^>]*data-position="2"[^>]*>', page)) == 1
    assert "disabled" not in re.search(r'<fieldset class="question card"[^>]*data-position="2"[^>]*>', page).group(0)
    assert len(re.findall(r'<fieldset class="question card"[^>]*\sdisabled>', page)) == 4
    assert len(re.findall(r'<div class="qpage"[^>]*\shidden>', page)) == 4
    chips = re.findall(r'<button type="submit" name="go" value="(\d+)" data-qmap', page)
    assert chips == ["1", "2", "3", "4", "5"]
    # No JS: tick two boxes on question 2, press chip 4 -> saved, then on question 4.
    token = client.csrf()
    resp = client.post(f"/take/attempt/{attempt.id}?q=2", data={"csrf_token": token, "q": "2", "p": "2", "s2": "1",
                                                                  "a2": ["c1", "c2"], "go": "4"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/take/attempt/{attempt.id}?q=4")
    db.session.expire_all()
    from tests.e2e._scenario import saved_answers
    assert saved_answers(attempt.id) == {2: {"choices": ["a", "b"]}}


def test_quiz_save_after_session_lost_asks_to_log_in_again(client, world, login_as):
    """A save whose session is gone (cookies cleared): 401 with a Vietnamese message, not a form error."""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    db.session.commit()
    token = client.csrf()
    client.delete_cookie("session")
    resp = client.put(f"/api/v1/attempts/{attempt.id}/answers/1", json={"value": "c2", "seq": 1},
                      headers={"X-CSRFToken": token})
    assert resp.status_code == 401
    assert resp.get_json()["error"]["message"] == "Vui lòng đăng nhập để tiếp tục."
    page = client.post(f"/take/attempt/{attempt.id}", data={"csrf_token": token, "p": "1", "s1": "1", "a1": "c2"})
    assert page.status_code == 302 and "/auth/login" in page.headers["Location"]
    login = client.get(page.headers["Location"]).get_data(as_text=True)
    assert "câu trả lời vừa gửi chưa được lưu" in login
