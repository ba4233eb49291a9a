"""A shared short link previews in Zalo/Facebook with the round's title and deadline, and nothing private."""
from __future__ import annotations

import io
import re
from datetime import datetime

from PIL import Image

from tests.factories import (
    SINGLE,
    add_question,
    make_attempt_with_items,
    make_round_with_quiz,
    make_topic_bank,
)


def _og(page: str) -> dict[str, str]:
    return dict(re.findall(r'<meta property="(og:[a-z:_]+)" content="([^"]*)">', page))


def _round(world):
    bank = make_topic_bank()
    _, version = add_question(bank, "x-1", "single", dict(SINGLE), text="Câu hỏi bí mật về Nghị quyết 04?")
    rnd = make_round_with_quiz(world.committee, [world.cell_a], bank=bank, title="Học tập Nghị quyết 04 & Kết luận 21",
                     closes=datetime(2030, 3, 2, 3, 0))
    make_attempt_with_items(rnd.quiz, world.member_a, world.cell_a, items=[(version, {"choice": "a"})], score=10.0)
    return rnd


def test_anonymous_fetch_gets_open_graph_tags(client, world):
    """Does an anonymous fetch of /q/<code> carry og:title, description, url, image and vi_VN?"""
    _round(world)
    resp = client.get("/q/abcd234", base_url="https://hoc.dangbo.vn")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    og = _og(page)
    assert og["og:title"] == "Học tập Nghị quyết 04 &amp; Kết luận 21"
    assert og["og:locale"] == "vi_VN"
    assert og["og:url"] == "https://hoc.dangbo.vn/q/ABCD234"
    assert og["og:image"] == "https://hoc.dangbo.vn/q/ABCD234/card.png"
    assert og["og:description"] == "Bài kiểm tra nhận thức sau học tập. Hạn làm bài: 10 giờ 00 ngày 02/03/2030."


def test_preview_page_holds_nothing_private(client, world):
    """Does the anonymous page leave out members, cells, questions, the quiz's figures and its threshold?"""
    _round(world)
    page = client.get("/q/abcd234").get_data(as_text=True)
    page = re.sub(r'<meta name="csrf-token"[^>]*>|<input[^>]*name="csrf_token"[^>]*>', "", page)  # random tokens
    for private in (world.member_a.full_name, world.cell_a.name, world.committee.name, "Câu hỏi bí mật",
                    "Kiểm tra nhận thức</", "98", "1/3", world.member_a.member_code):
        assert private not in page, private


def test_card_image_is_a_1200x630_png(client, world):
    """Is the og:image a 1200×630 PNG served to anyone, for a known code only?"""
    _round(world)
    resp = client.get("/q/ABCD234/card.png")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert Image.open(io.BytesIO(resp.data)).size == (1200, 630)
    assert client.get("/q/NOPE999/card.png").status_code == 404
    assert client.get("/q/NOPE999").status_code == 404


def test_hostile_title_stays_text_in_tags(client, world):
    """Is a title with quotes and markup escaped inside the meta tags?"""
    rnd = make_round_with_quiz(world.committee, [world.cell_a], bank=make_topic_bank(), title='Đợt "1"><script>alert(1)</script>')
    page = client.get(f"/q/{rnd.quiz.short_code}").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert _og(page)["og:title"] == "Đợt &#34;1&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
