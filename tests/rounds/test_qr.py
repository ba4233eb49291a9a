"""The QR page, the printable PDF and the short link."""
from __future__ import annotations

import io

from pypdf import PdfReader

from tests.factories import make_round_with_quiz, make_topic_bank


def test_qr_page_shows_svg_and_short_link(client, world, login_as, app):
    """Does the QR page show an inline SVG code and the short link, with no inline style or script?"""
    rnd = make_round_with_quiz(world.committee, [world.cell_a], bank=make_topic_bank())
    login_as(world.secretary_a)
    html = client.get(f"/manage/rounds/{rnd.id}/qr").get_data(as_text=True)
    assert "<svg" in html and "/q/ABCD234" in html
    assert "style=" not in html and "<script>" not in html


def test_qr_pdf_is_a4_landscape_with_title_and_link(client, world, login_as):
    """Is the PDF one A4 landscape page carrying the round's title (markup kept as text) and the link?"""
    rnd = make_round_with_quiz(world.committee, [world.cell_a], bank=make_topic_bank(), title="Học tập <b>Nghị quyết</b> & Kết luận")
    login_as(world.staff)
    resp = client.get(f"/manage/rounds/{rnd.id}/qr.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(resp.data))
    page = reader.pages[0]
    assert len(reader.pages) == 1 and float(page.mediabox.width) > float(page.mediabox.height)
    text = page.extract_text()
    assert "Học tập <b>Nghị quyết</b> & Kết luận" in text
    assert "/q/ABCD234" in text


def test_short_link_goes_through_login_to_start(client, world, login_as):
    """Does /q/<code> show a visitor the login form, which signs in and lands on the quiz's start page?"""
    from tests.factories import PASSWORD

    rnd = make_round_with_quiz(world.committee, [world.cell_a], bank=make_topic_bank())
    resp = client.get("/q/abcd234")
    assert resp.status_code == 200
    assert 'action="/auth/login?next=/q/ABCD234"' in resp.get_data(as_text=True)
    signed_in = client.form("/auth/login?next=/q/ABCD234", {"member_code": world.member_a.member_code,
                                                           "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/q/ABCD234"
    resp = client.get("/q/abcd234")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/take/quiz/{rnd.quiz.id}")
    assert client.get("/q/ZZZZZZZ").status_code == 404
