"""Checklist item 10: CSRF on every state-changing action. Every POST/PUT/DELETE rule in the URL
map, called by a logged-in admin and by the attempt's owner without a token, with a forged token
and with another session's token, answers 400 and changes nothing in any table."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from tests.core.test_route_walk import build_cell_a_objects, url_for_rule

UNSAFE = {"POST", "PUT", "DELETE", "PATCH"}


def _snapshot() -> dict:
    """Every row of every table (the whole database), to prove nothing changed."""
    db.session.expire_all()
    return {t.name: sorted(map(repr, db.session.execute(select(t)).all())) for t in db.metadata.sorted_tables}


def _unsafe_rules(app):
    return [(r, m) for r in app.url_map.iter_rules() for m in sorted(r.methods & UNSAFE)]


@pytest.mark.parametrize("role", ["admin", "member_a"])
def test_every_unsafe_route_refuses_missing_or_forged_tokens(app, world, login_as, role):
    """Without a valid CSRF token, does every state-changing route answer 400 and write nothing?"""
    values = build_cell_a_objects(world)
    victim = login_as(getattr(world, role), c=app.test_client())
    attacker = login_as(world.member_b, c=app.test_client())
    foreign = attacker.csrf()  # a real token, but of another session
    before = _snapshot()
    rules = _unsafe_rules(app)
    assert len(rules) >= 20
    bad = []
    for rule, method in rules:
        path = url_for_rule(rule, values)
        form = {"full_name": "Đổi tên", "comment": "x", "awarded": "1", "token": "x", "person_id": "1",
                "reason_code": "om", "name": "x", "code": "X1", "value": "a", "seq": "99"}
        tries = {
            "none": victim.open(path, method=method, data=form),
            "forged form": victim.open(path, method=method, data={**form, "csrf_token": "forged." + "A" * 40}),
            "foreign form": victim.open(path, method=method, data={**form, "csrf_token": foreign}),
            "none json": victim.open(path, method=method, json={"value": "a", "seq": 99}),
            "foreign header": victim.open(path, method=method, json={"value": "a", "seq": 99},
                                          headers={"X-CSRFToken": foreign}),
        }
        for label, resp in tries.items():
            if resp.status_code != 400:
                bad.append((method, path, label, resp.status_code))
    assert not bad, bad
    assert _snapshot() == before


def test_csrf_refusal_is_a_clear_vietnamese_message(app, world, login_as):
    """Does a form post without a token get the Vietnamese 'reload the page' message (HTML and JSON)?"""
    c = login_as(world.secretary_a, c=app.test_client())
    page = c.post("/manage/people/1/reset-password", data={})
    assert page.status_code == 400 and "tải lại trang" in page.get_data(as_text=True)
    api = c.post("/api/v1/quizzes/1/attempts", json={})
    assert api.status_code == 400 and "tải lại trang" in api.get_json()["error"]["message"]


def test_valid_token_passes(app, world, login_as):
    """Control: with the session's own token, does a password reset go through (so the test above can fail)?"""
    c = login_as(world.secretary_a, c=app.test_client())
    resp = c.form(f"/manage/people/{world.member_a.id}/reset-password")
    assert resp.status_code == 200
    db.session.expire_all()
    assert world.member_a.must_change_password is True


def test_a_form_is_checked_by_its_field_first_and_json_by_its_header(app, world, login_as):
    """A form post is read as Flask-WTF reads it (its csrf_token field before any header): a valid
    field with a stale header goes through. A JSON request is checked by its header: a stale header
    is refused even when the body carries a valid csrf_token field."""
    c = login_as(world.secretary_a, c=app.test_client())
    good = c.csrf()
    stale = "stale." + "A" * 40
    resp = c.post(f"/manage/people/{world.member_a.id}/reset-password", data={"csrf_token": good},
                  headers={"X-CSRFToken": stale})
    assert resp.status_code == 200
    api = c.post("/api/v1/quizzes/1/attempts", json={"csrf_token": good}, headers={"X-CSRFToken": stale})
    assert api.status_code == 400
