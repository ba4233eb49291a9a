"""Links members receive (QR, short link, slips, PDFs) use a public address, never localhost by surprise."""
from __future__ import annotations

import pytest

from quizapp import _trust_proxies
from tests.factories import PASSWORD, make_round_with_quiz, make_topic_bank


def _login(client, person, host: str, **kw):
    """Log in through the real form on `host` (cookies belong to the host they were set on)."""
    token = client.get("/csrf-token", base_url=host, **kw).get_json()["csrf_token"]
    headers = {"Referer": f"{host}/auth/login", **kw.pop("headers", {})}  # HTTPS CSRF checks the referrer
    resp = client.post("/auth/login", base_url=host, data={"member_code": person.member_code,
                                                           "password": PASSWORD, "csrf_token": token},
                       headers=headers, **kw)
    assert resp.status_code == 302


@pytest.fixture
def rnd(world):
    return make_round_with_quiz(world.committee, [world.cell_a], bank=make_topic_bank())


@pytest.fixture
def site_url(app):
    """Set SITE_URL for one test and put the configured value back."""
    old = app.config.get("SITE_URL")

    def _set(value):
        app.config["SITE_URL"] = value

    yield _set
    app.config["SITE_URL"] = old


def test_unset_site_url_uses_the_request_host(client, world, login_as, rnd, site_url):
    """With SITE_URL unset, does the QR page show the address the request came in on?"""
    site_url("")
    _login(client, world.secretary_a, "https://hoc.dangbo.vn")
    page = client.get(f"/manage/rounds/{rnd.id}/qr", base_url="https://hoc.dangbo.vn").get_data(as_text=True)
    assert "hoc.dangbo.vn/q/ABCD234" in page
    detail = client.get(f"/manage/rounds/{rnd.id}", base_url="https://hoc.dangbo.vn").get_data(as_text=True)
    assert "https://hoc.dangbo.vn/q/ABCD234" in detail


def test_configured_site_url_wins(client, world, login_as, rnd, site_url):
    """With SITE_URL set, is it used whatever host the request named?"""
    site_url("https://kiemtra.tinhuy.vn/")
    _login(client, world.secretary_a, "https://other.example")
    page = client.get(f"/manage/rounds/{rnd.id}", base_url="https://other.example").get_data(as_text=True)
    assert "https://kiemtra.tinhuy.vn/q/ABCD234" in page and "other.example/q/" not in page


def test_forwarded_host_ignored_without_proxy_count(client, world, login_as, rnd, site_url):
    """With PROXY_COUNT=0, is a forged X-Forwarded-Host ignored?"""
    site_url("")
    _login(client, world.secretary_a, "http://app.internal:8000")
    page = client.get(f"/manage/rounds/{rnd.id}", base_url="http://app.internal:8000",
                      headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}).get_data(as_text=True)
    assert "http://app.internal:8000/q/ABCD234" in page and "evil.example" not in page


def test_forwarded_host_used_behind_one_proxy(app, client, world, login_as, rnd, site_url):
    """With PROXY_COUNT=1, do links use the proxy's X-Forwarded-Host and -Proto?"""
    site_url("")
    original, count = app.wsgi_app, app.config.get("PROXY_COUNT")
    app.config["PROXY_COUNT"] = 1
    _trust_proxies(app)
    try:
        _login(client, world.secretary_a, "http://127.0.0.1:8000")
        page = client.get(f"/manage/rounds/{rnd.id}", base_url="http://127.0.0.1:8000",
                          headers={"X-Forwarded-Host": "hoc.dangbo.vn", "X-Forwarded-Proto": "https",
                                   "X-Forwarded-For": "203.0.113.5"}).get_data(as_text=True)
    finally:
        app.wsgi_app, app.config["PROXY_COUNT"] = original, count
    assert "https://hoc.dangbo.vn/q/ABCD234" in page


@pytest.mark.parametrize("configured, host, warned", [
    ("", "http://localhost", True),
    ("", "http://127.0.0.1:5000", True),
    ("http://localhost:5000", "https://hoc.dangbo.vn", True),
    ("", "https://hoc.dangbo.vn", False),
    ("https://hoc.dangbo.vn", "http://127.0.0.1:5000", False),
])
def test_admin_banner_for_local_address(client, world, login_as, site_url, configured, host, warned):
    """Does the admin see a warning exactly when shared links would point at localhost/127.0.0.1?"""
    site_url(configured)
    _login(client, world.admin, host)
    page = client.get("/home", base_url=host).get_data(as_text=True)
    assert ('id="local-address-warning"' in page) is warned


def test_banner_is_for_admins_only(client, world, login_as, site_url):
    """Does a secretary on localhost not get the admin's warning?"""
    site_url("")
    login_as(world.secretary_a)
    assert 'id="local-address-warning"' not in client.get("/home").get_data(as_text=True)


def test_slips_and_qr_pdf_use_the_request_host(client, world, login_as, rnd, site_url):
    """With SITE_URL unset, do the login slips and the printable QR page carry the request's host?"""
    import io

    from pypdf import PdfReader

    site_url("")
    host = "http://hoc.dangbo.vn"
    _login(client, world.secretary_a, host)
    token = client.get("/csrf-token", base_url=host).get_json()["csrf_token"]
    slips = client.post("/manage/people/slips", base_url=host,
                        data={"org_id": world.cell_a.id, "mode": "all", "csrf_token": token})
    assert slips.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(slips.data)).pages)
    assert "hoc.dangbo.vn" in text and "localhost" not in text
    qr = client.get(f"/manage/rounds/{rnd.id}/qr.pdf", base_url=host)
    assert "hoc.dangbo.vn/q/ABCD234" in PdfReader(io.BytesIO(qr.data)).pages[0].extract_text()


def test_issued_sheet_verification_link_uses_the_request_host(client, world, login_as, rnd, site_url):
    """With SITE_URL unset, does an issued sheet's verification link name the host it was issued from?"""
    import io

    from pypdf import PdfReader

    site_url("")
    host = "http://hoc.dangbo.vn"
    _login(client, world.secretary_a, host)
    token = client.get("/csrf-token", base_url=host).get_json()["csrf_token"]
    resp = client.post(f"/reports/rounds/{rnd.id}/orgs/{world.cell_a.id}/sheet", base_url=host,
                       data={"number": "5", "issued_on": "2026-03-03", "confirm": "1", "csrf_token": token})
    assert resp.status_code == 303, resp.get_data(as_text=True)[:300]
    from sqlalchemy import select

    from quizapp.extensions import db
    from quizapp.models import IssuedReport

    report = db.session.scalar(select(IssuedReport))
    resp = client.get(f"/reports/documents/{report.id}/file", base_url=host)
    assert resp.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(resp.data)).pages)
    assert "hoc.dangbo.vn/verify/" in text.replace("\n", "")
