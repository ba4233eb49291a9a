"""Checklist item 15: files (PDFs, exports, slips, templates, staged uploads under instance/)
served without an access check, or guessable without one."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from quizapp.extensions import db
from quizapp.models import IssuedReport, Person
from tests.attacks.helpers import take
from tests.factories import make_quiz

TRAVERSALS = ["/instance/secret_key", "/instance/quizapp.sqlite3", "/static/../instance/secret_key",
              "/static/%2e%2e/instance/secret_key", "/static/..%2finstance%2fsecret_key", "/static/..%5cinstance%5csecret_key",
              "/static/%2e%2e%2f%2e%2e%2fquizapp%2fconfig.py", "/static/../quizapp/config.py", "/static//etc/passwd",
              "/static/%2fetc%2fpasswd", "/instance/roster_uploads/", "/migrations/env.py", "/.git/config", "/wsgi.py",
              "/static/../../instance/secret_key"]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_nothing_outside_static_is_served(app, world, login_as, path):
    """Does a traversal or a guess at instance/, the source or .git return no file content (even to an admin)?"""
    c = login_as(world.admin, c=app.test_client())
    resp = c.get(path)
    assert resp.status_code in (301, 302, 308, 400, 404), (path, resp.status_code)
    body = resp.get_data()
    secret = (Path(app.instance_path) / "secret_key")
    assert b"SECRET_KEY" not in body and b"root:x:" not in body and b"[core]" not in body
    if secret.exists():
        assert secret.read_bytes().strip() not in body


def test_downloads_need_a_login_and_the_right_scope(app, world, login_as):
    """Are exports, the QR PDF, bank exports and the roster template refused to anonymous, members and other cells?"""
    from tests.factories import make_bank

    bank = make_bank(world.cell_a)
    quiz = make_quiz(world.cell_a, [world.cell_a], bank=bank)
    rid, oid = quiz.round_id, world.cell_a.id
    files = [f"/reports/rounds/{rid}/orgs/{oid}/export.xlsx", f"/reports/rounds/{rid}/orgs/{oid}/export.csv",
             f"/manage/rounds/{rid}/qr.pdf", f"/manage/banks/{bank.id}/export", "/manage/people/import/template.xlsx"]
    anon = app.test_client()
    for url in files:
        resp = anon.get(url)
        assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"], url
    member = login_as(world.member_a, c=app.test_client())
    for url in files:
        assert member.get(url).status_code == 403, url
    outsider = login_as(world.secretary_b, c=app.test_client())
    for url in files[:-1]:
        assert outsider.get(url).status_code == 404, url
    take(quiz.id, world.secretary_a)  # she sits the quiz too: the bank export opens once she has finished
    insider = login_as(world.secretary_a, c=app.test_client())
    for url in files:
        resp = insider.get(url)
        assert resp.status_code == 200 and "no-store" in resp.headers.get("Cache-Control", ""), url
    for form_url, data in ((f"/reports/rounds/{rid}/orgs/{oid}/sheet", {"number": "1", "issued_on": "2026-02-06"}),
                           ("/manage/people/slips", {"org_id": str(oid), "mode": "all"})):
        assert member.form(form_url, data).status_code == 403
        assert outsider.form(form_url, data).status_code == 404
    assert db.session.query(IssuedReport).count() == 0


def test_staged_roster_upload_of_another_user_cannot_be_confirmed(app, world, login_as, monkeypatch, tmp_path):
    """Can secretary_b (or another admin) confirm secretary_a's staged roster preview by its token, or traverse with it?"""
    monkeypatch.setitem(app.config, "ROSTER_STAGING_DIR", str(tmp_path))
    sec_a = login_as(world.secretary_a, c=app.test_client())
    csv_data = "Họ và tên,Số thẻ đảng viên\r\nNgười Xem Trước,STAGE1\r\n".encode()
    preview = sec_a.form("/manage/people/import", {"file": (io.BytesIO(csv_data), "ds.csv"), "dry_run": "y",
                                                   "default_org_id": str(world.cell_a.id)},
                         content_type="multipart/form-data")
    assert preview.status_code == 200
    token = re.search(r'name="token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="token"', preview.get_data(as_text=True))
    token = next(g for g in token.groups() if g)
    assert len(token) >= 32 and (tmp_path / f"{token}.bin").exists()
    for thief in (world.secretary_b, world.admin):
        c = login_as(thief, c=app.test_client())
        resp = c.form("/manage/people/import/confirm", {"token": token})
        assert resp.status_code == 422 and "hết hạn hoặc không hợp lệ" in resp.get_data(as_text=True)
    for bad in ("../../secret_key", "..%2f..%2fsecret_key", token + "/../x", "a" * 65, ""):
        resp = sec_a.form("/manage/people/import/confirm", {"token": bad})
        assert resp.status_code in (400, 422), bad
    assert db.session.query(Person).filter_by(member_code="STAGE1").count() == 0
    ok = sec_a.form("/manage/people/import/confirm", {"token": token})
    assert ok.status_code == 200
    assert db.session.query(Person).filter_by(member_code="STAGE1").count() == 1
    assert not (tmp_path / f"{token}.bin").exists()


def test_verify_codes_are_not_guessable(app, world, login_as):
    """Is the public verify code random (60 bits) and a wrong code a plain 404 with no figures?"""
    from quizapp.services.reporting.numbering import CODE_ALPHABET, new_verify_code

    codes = {new_verify_code() for _ in range(200)}
    assert len(codes) == 200 and all(len(c.replace("-", "")) == 12 for c in codes)
    assert len(CODE_ALPHABET) ** 12 >= 2**59
    resp = app.test_client().get("/verify/AAAA-AAAA-AAAA")
    assert resp.status_code == 404 and "Nguyễn" not in resp.get_data(as_text=True)
