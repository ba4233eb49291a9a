"""Checklist item 5: an API route skipping a rule the web page enforces. Each case is tried
through the member pages and through /api/v1; both must refuse and nothing may be written."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt
from tests.attacks.helpers import attempt_status
from tests.delivery.helpers import T0, at, save, start
from quizapp.services.question_types import AnswerError, get_type
from tests.factories import SAMPLE_QUESTIONS, make_quiz

SAMPLE_TYPES = {qtype: get_type(qtype).parse_spec(raw) for qtype, _text, raw in SAMPLE_QUESTIONS}


def _attempts(quiz_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Attempt).where(Attempt.quiz_id == quiz_id))


def _both_refuse_start(client, quiz_id: int) -> tuple[int, int]:
    """(page status, api status) of trying to start; the page must not land on an attempt."""
    page = client.form(f"/take/quiz/{quiz_id}")
    assert "/take/attempt/" not in page.headers.get("Location", ""), page.headers.get("Location")
    api = client.json_post(f"/api/v1/quizzes/{quiz_id}/attempts")
    return page.status_code, api.status_code


def test_closed_and_not_yet_open_quiz(client, world, login_as):
    """Do both the start page and the API refuse a quiz that is closed or not open yet?"""
    closed = make_quiz(world.committee, [world.committee], opens_at=T0 - timedelta(days=2),
                       closes_at=T0 - timedelta(days=1))
    later = make_quiz(world.committee, [world.committee], opens_at=T0 + timedelta(days=1),
                      closes_at=T0 + timedelta(days=2))
    with at(T0):
        login_as(world.member_a)
        for quiz in (closed, later):
            page, api = _both_refuse_start(client, quiz.id)
            assert page in (302, 404) and api in (404, 409), (page, api)
            assert _attempts(quiz.id) == 0


def test_attempts_used_up(client, world, login_as):
    """After the one allowed attempt, do the page and the API both refuse a second one?"""
    quiz = make_quiz(world.committee, [world.committee], attempts_allowed=1)
    login_as(world.member_a)
    aid = start(client, quiz.id)["id"]
    assert client.json_post(f"/api/v1/attempts/{aid}/submit").status_code == 200
    page, api = _both_refuse_start(client, quiz.id)
    assert page == 302 and api == 409
    assert _attempts(quiz.id) == 1
    msg = client.json_post(f"/api/v1/quizzes/{quiz.id}/attempts").get_json()["error"]["message"]
    assert "hết số lần" in msg


def test_quiz_of_another_cell(client, world, login_as):
    """Can member_b start cell A's own quiz by its id through either path?"""
    quiz = make_quiz(world.cell_a, [world.cell_a])
    login_as(world.member_b)
    assert client.get(f"/take/quiz/{quiz.id}").status_code == 404
    page, api = _both_refuse_start(client, quiz.id)
    assert page == 404 and api == 404
    assert _attempts(quiz.id) == 0


def test_save_after_deadline_and_grace(client, world, login_as):
    """After deadline + grace, do the page form and the API both refuse a save and keep the old answer?"""
    quiz = make_quiz(world.committee, [world.committee], opens_at=T0 - timedelta(minutes=5),
                     closes_at=T0 + timedelta(hours=3), time_limit_minutes=10, grace_seconds=60)
    with at(T0):
        login_as(world.member_a)
        body = start(client, quiz.id)
        aid = body["id"]
        single = next(it["position"] for it in body["items"] if it["type"] == "single")
        assert save(client, aid, single, "a", 1).get_json()["applied"] is True
        token = client.csrf()
    with at(T0 + timedelta(minutes=10, seconds=61)):
        page = client.post(f"/take/attempt/{aid}", data={"csrf_token": token, "p": str(single),
                                                         f"s{single}": "2", f"a{single}": "c"})
        assert page.status_code == 302 and "/result" in page.headers["Location"]
        api = save(client, aid, single, "c", 3)
        assert api.status_code in (409, 410), api.status_code
    value = db.session.scalar(select(Answer.value).where(Answer.attempt_id == aid, Answer.position == single))
    assert value == {"choice": "a"}
    assert attempt_status(aid) == "finished"


def test_save_into_submitted_attempt(client, world, login_as):
    """Once submitted, do both the page form and the API refuse to change an answer?"""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    body = start(client, quiz.id)
    aid = body["id"]
    single = next(it["position"] for it in body["items"] if it["type"] == "single")
    save(client, aid, single, "a", 1)
    client.json_post(f"/api/v1/attempts/{aid}/submit")
    page = client.form(f"/take/attempt/{aid}", {"p": str(single), f"s{single}": "9", f"a{single}": "c"})
    assert page.status_code == 302 and "/result" in page.headers["Location"]
    assert save(client, aid, single, "c", 10).status_code == 409
    value = db.session.scalar(select(Answer.value).where(Answer.attempt_id == aid, Answer.position == single))
    assert value == {"choice": "a"}


def test_invalid_values_refused_by_both(client, world, login_as):
    """Is a choice id that does not exist refused by the API (422) and by the page (no write)?"""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    body = start(client, quiz.id)
    aid = body["id"]
    single = next(it["position"] for it in body["items"] if it["type"] == "single")
    api = save(client, aid, single, "zzz", 1)
    assert api.status_code == 422 and "Câu" in api.get_json()["error"]["message"]
    page = client.form(f"/take/attempt/{aid}", {"p": str(single), f"s{single}": "2", f"a{single}": "zzz"})
    assert page.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Answer).where(Answer.attempt_id == aid)) == 0
    for bad in ({"value": "a"}, {"value": "a", "seq": "x"}, {"value": "a", "seq": -1}, [1, 2], "x"):
        r = client.put(f"/api/v1/attempts/{aid}/answers/{single}", json=bad, headers={"X-CSRFToken": client.csrf()})
        assert r.status_code in (400, 422) and r.get_json()["error"]["message"], bad
    assert save(client, aid, 999, "a", 1).status_code == 404


def test_suspended_member_refused_on_both_paths(app, world, login_as):
    """When a logged-in member is suspended, do pages and API both stop working for them?"""
    quiz = make_quiz(world.committee, [world.committee])
    c = login_as(world.member_a, c=app.test_client())
    token = c.csrf()
    world.member_a.state = "suspended"
    db.session.commit()
    page = c.post(f"/take/quiz/{quiz.id}", data={"csrf_token": token})
    assert page.status_code == 302 and "/auth/login" in page.headers["Location"]
    api = c.post(f"/api/v1/quizzes/{quiz.id}/attempts", json={}, headers={"X-CSRFToken": token})
    assert api.status_code == 401
    assert _attempts(quiz.id) == 0


# ------------------------------------------------------------------ answer shapes

WRONG_SHAPES = {
    "single": [["a"], ["a", "b"], {"x": 1}, {"choice": ["a"]}, {"choice": "a", "x": 1}, 3, 2.5, True,
               [["a"]], "a" * 1000, {}],
    "multiple": ["a", {"choices": "a"}, [["a"]], ["a"] * 1000, [1], [None], [{"id": "a"}], 7, True,
                 {"a": 1}, ["a" * 1000]],
    "true_false": [["true"], {"value": [1]}, 1, 0, 0.5, {"x": True}, "x" * 1000, [[True]], {"value": {}}],
    "short_text": [["tự chuyển hóa"], 12, True, {"text": ["x"]}, {"other": "x"}, [[["x"]]], 1e308],
    "essay": [[["x"]], {"text": 5}, 3.2, ["a"], {"text": "a", "more": "b"}, False],
}


def _positions(body: dict) -> dict[str, int]:
    return {it["type"]: it["position"] for it in body["items"]}


def test_wrong_answer_shapes_are_422_with_the_reason(client, world, login_as):
    """Is every value of the wrong JSON shape for its question type (a list for a single choice, a
    string for a multi-select, a number for a text, nested lists, a huge list ...) answered 422 with a
    Vietnamese reason naming the question, and nothing written?"""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    body = start(client, quiz.id)
    aid, pos = body["id"], _positions(body)
    token, seq = client.csrf(), 0
    for qtype, values in WRONG_SHAPES.items():
        for value in values:
            seq += 1
            r = client.put(f"/api/v1/attempts/{aid}/answers/{pos[qtype]}", json={"value": value, "seq": seq},
                           headers={"X-CSRFToken": token})
            assert r.status_code == 422, (qtype, value, r.status_code)
            message = r.get_json()["error"]["message"]
            assert message.startswith(f"Câu {pos[qtype]}: ") and len(message) > 12, message
    assert db.session.scalar(select(func.count()).select_from(Answer).where(Answer.attempt_id == aid)) == 0
    # the accepted shapes still save (so the refusals above are about shape, not a broken route)
    for qtype, value in {"single": "a", "multiple": ["a", "b"], "true_false": True,
                         "short_text": "tự chuyển hóa", "essay": {"text": "Bài viết"}}.items():
        seq += 1
        r = client.put(f"/api/v1/attempts/{aid}/answers/{pos[qtype]}", json={"value": value, "seq": seq},
                       headers={"X-CSRFToken": token})
        assert r.status_code == 200 and r.get_json()["applied"] is True, (qtype, r.get_data(as_text=True))


def test_single_choice_list_the_reported_case(client, world, login_as):
    """The reported case: {"value": ["a"]} on a single-choice question — 422 saying one choice id is needed?"""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    body = start(client, quiz.id)
    r = save(client, body["id"], _positions(body)["single"], ["a"], 1)
    assert r.status_code == 422
    assert "một lựa chọn" in r.get_json()["error"]["message"]


def test_too_big_or_too_deep_json_is_refused_cheaply(client, world, login_as):
    """Are a save body nested 100,000 lists deep and one over the size bound answered 422, not 500?"""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    body = start(client, quiz.id)
    url = f"/api/v1/attempts/{body['id']}/answers/{_positions(body)['single']}"
    headers = {"X-CSRFToken": client.csrf(), "Content-Type": "application/json"}
    deep = '{"seq": 1, "value": ' + "[" * 100_000 + "]" * 100_000 + "}"
    r = client.put(url, data=deep, headers=headers)
    assert r.status_code == 422 and "sâu" in r.get_json()["error"]["message"]
    big = '{"seq": 1, "value": "' + "a" * 300_000 + '"}'
    r = client.put(url, data=big, headers=headers)
    assert r.status_code == 422 and "quá lớn" in r.get_json()["error"]["message"]
    r = client.post(f"/api/v1/attempts/{body['id']}/submit", data=deep, headers=headers)
    assert r.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Answer).where(Answer.attempt_id == body["id"])) == 0


def test_form_path_refuses_a_crafted_multi_select(client, world, login_as):
    """Does the no-JS page refuse a hand-crafted post of 1,000 picks for a multi-select with a message,
    writing nothing (the same shape check as the API)?"""
    quiz = make_quiz(world.committee, [world.committee])
    login_as(world.member_a)
    body = start(client, quiz.id)
    aid, multi = body["id"], _positions(body)["multiple"]
    data = {"csrf_token": client.csrf(), "p": str(multi), f"s{multi}": "1", f"a{multi}": ["a"] * 1000}
    page = client.post(f"/take/attempt/{aid}", data=data)
    assert page.status_code == 302
    shown = client.get(page.headers["Location"]).get_data(as_text=True)
    assert "quá nhiều phương án" in shown
    assert db.session.scalar(select(func.count()).select_from(Answer).where(Answer.attempt_id == aid)) == 0


# Any JSON value: scalars (with choice ids and form strings among the texts), lists and objects.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.sampled_from(["a", "b", "c", "zzz", "", "true", "false", "1", "dung", "tự chuyển hóa"]) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=12)
    | st.dictionaries(st.sampled_from(["choice", "choices", "value", "text", "x"]) | st.text(max_size=5), inner, max_size=3),
    max_leaves=25,
)


@pytest.mark.parametrize("qtype", sorted(SAMPLE_TYPES))
def test_shape_check_then_clean_never_crashes(qtype):
    """For random JSON values, do check_answer_shape and clean_answer of every type only ever accept (a
    stored dict or None) or refuse with AnswerError — never another exception?"""
    spec = SAMPLE_TYPES[qtype]
    handler = get_type(qtype)

    @settings(max_examples=400, deadline=None, database=None)
    @given(value=JSON_VALUES)
    def run(value):
        try:
            handler.check_answer_shape(spec, value)
            cleaned = handler.clean_answer(spec, value)
        except AnswerError as exc:
            assert str(exc)
        else:
            assert cleaned is None or isinstance(cleaned, dict)
            json.dumps(cleaned)

    run()


def test_api_save_never_answers_500_for_any_json_value(app, world, login_as):
    """Through PUT /api/v1/attempts/<id>/answers/<pos>, for random JSON values on every question type:
    is the answer always 200 or 422 (with a message), never a 5xx?"""
    quiz = make_quiz(world.committee, [world.committee])
    c = login_as(world.member_a, c=app.test_client())
    body = start(c, quiz.id)
    aid, pos = body["id"], _positions(body)
    token, seqs = c.csrf(), iter(range(1, 10**6))
    seen: set[int] = set()

    @settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(qtype=st.sampled_from(sorted(pos)), value=JSON_VALUES)
    def run(qtype, value):
        r = c.put(f"/api/v1/attempts/{aid}/answers/{pos[qtype]}", json={"value": value, "seq": next(seqs)},
                  headers={"X-CSRFToken": token})
        assert r.status_code in (200, 422), (qtype, value, r.status_code, r.get_data(as_text=True)[:300])
        if r.status_code == 422:
            assert r.get_json()["error"]["message"].startswith(f"Câu {pos[qtype]}: ")
        seen.add(r.status_code)

    run()
    assert seen == {200, 422}
