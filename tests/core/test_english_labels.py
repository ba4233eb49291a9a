"""English at display: are the models' Vietnamese labels, form choices, the attempt page's save
messages and fixed error messages shown in English once the person picks English, while names
typed by people stay as they are and are marked lang="vi"?
"""
from __future__ import annotations

import json
import re
from html import unescape

from flask import session

from quizapp.services import delivery
from quizapp.services.exceptions import DomainError
from tests.e2e._scenario import open_quiz


def _switch(client, code: str) -> None:
    """Pick the language through the footer form's route."""
    from flask import url_for

    with client.application.test_request_context():
        path = url_for("auth.set_language", code=code)
    resp = client.form(path, {"next": "/home"})
    assert resp.status_code == 302


def test_org_kind_and_role_choices_in_english(client, login_as, world):
    """Does the org page show kinds and roles in English, and mark member names in choices as Vietnamese?"""
    login_as(world.staff)
    _switch(client, "en")
    html = client.get(f"/manage/orgs/{world.cell_a.id}").get_data(as_text=True)
    assert "Grassroots party committee" in html and "Party group" in html
    assert "Deputy secretary" in html
    assert "Đảng ủy cơ sở" not in html and "Phó bí thư" not in html
    assert re.search(r'<option[^>]*lang="vi"[^>]*>Trần Văn Bình \(SECA\)</option>', html), "member choice not marked"
    _switch(client, "vi")
    html = client.get(f"/manage/orgs/{world.cell_a.id}").get_data(as_text=True)
    assert "Đảng ủy cơ sở" in html and "Grassroots party committee" not in html


def test_round_form_choices_in_english(client, login_as, world):
    """Does the new-round form show its delivery forms, review and attempt policies in English?"""
    login_as(world.secretary_a)
    _switch(client, "en")
    html = client.get("/manage/rounds/new").get_data(as_text=True)
    for english in ("In person", "Online", "Highest-scoring attempt", "Score only"):
        assert english in html, english
    for vietnamese in ("Trực tuyến", "Lần cao điểm nhất", "Chỉ điểm số"):
        assert vietnamese not in html, vietnamese


def test_party_status_and_name_on_person_page(client, login_as, world):
    """Is the party status English and the person's name marked lang="vi" on the person page?"""
    login_as(world.secretary_a)
    _switch(client, "en")
    html = client.get(f"/manage/people/{world.member_a.id}").get_data(as_text=True)
    assert "Full member" in html and "Chính thức" not in html
    assert '<h1><span lang="vi">Nguyễn Thị Ngọc Ánh</span></h1>' in html


def test_attempt_page_carries_save_messages_in_its_language(client, login_as, world):
    """Does the attempt page hand take.js its save messages in English, and in Vietnamese by default?"""
    quiz = open_quiz(world)
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    login_as(world.member_a)

    def messages() -> dict:
        html = client.get(f"/take/attempt/{attempt.id}").get_data(as_text=True)
        m = re.search(r'id="save-state"[^>]*data-text="([^"]*)"', html)
        assert m, "no data-text on #save-state"
        return json.loads(unescape(m.group(1)))

    assert messages()["saved"] == "Đã lưu"
    _switch(client, "en")
    text = messages()
    assert text["saved"] == "Saved" and text["offline"].startswith("Not saved")
    assert set(text) == {"saved", "saving", "retry", "offline", "late", "submitting", "kept", "relogin"}


def test_fixed_domain_error_message_in_english(app):
    """Does the error handler show a fixed service message in English when English is chosen?"""
    handler = app.error_handler_spec[None][None][DomainError]
    exc = DomainError("Không tìm thấy trang hoặc dữ liệu được yêu cầu.")
    exc.status = 404
    with app.test_request_context("/manage/x", headers={"Accept": "text/html"}):
        session["lang"] = "en"
        body, status = handler(exc)
        assert status == 404
        assert "The requested page or data was not found." in body
        assert "Không tìm thấy trang" not in body
    with app.test_request_context("/manage/x", headers={"Accept": "text/html"}):
        body, _status = handler(DomainError("Một thông báo có tên riêng: Nguyễn Văn A"))
        assert "Nguyễn Văn A" in body


def test_board_absence_reasons_in_english(client, login_as, world):
    """Does the board show a recorded absence as 'Ill (excused)' in English, and the typed detail as Vietnamese?"""
    quiz = open_quiz(world)
    login_as(world.secretary_a)
    url = f"/reports/rounds/{quiz.round_id}/orgs/{world.cell_a.id}/absences"
    assert client.form(url, {"person_id": world.member_a.id, "reason_code": "om", "excused": "1"}).status_code == 302
    assert client.form(url, {"person_id": world.deputy_a.id, "reason_code": "cong_tac", "reason_text": "Hà Nội",
                             "excused": "0"}).status_code == 302
    board = f"/manage/rounds/{quiz.round_id}/board"
    assert "Ốm (có lý do)" in client.get(board).get_data(as_text=True)
    _switch(client, "en")
    html = client.get(board).get_data(as_text=True)
    assert "Ill (excused)" in html and "Ốm" not in html
    assert 'On a work trip: <span lang="vi">Hà Nội</span> (unexcused)' in html
    absences = client.get(url).get_data(as_text=True)
    assert ">Ill</option>" in absences and ">Family matters</option>" in absences
