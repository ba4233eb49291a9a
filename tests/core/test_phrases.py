"""Phrases: sentences services build stay Vietnamese as data (stored, logged, compared) and read in the
page's language when a template prints them, with typed data marked lang="vi"."""
from __future__ import annotations

import json

from flask import render_template_string
from flask_babel import force_locale

from quizapp.phrases import N_, Phrase, join


def test_a_phrase_is_its_vietnamese_sentence_as_data():
    line = N_("%(n)s câu từ “%(bank)s”", n=3, bank="Ngân hàng <Đảng>", user=("bank",))
    assert line == "3 câu từ “Ngân hàng <Đảng>”" and isinstance(line, str)
    assert json.loads(json.dumps({"provisional": [line]})) == {"provisional": ["3 câu từ “Ngân hàng <Đảng>”"]}
    assert " ".join([line, N_("Gồm: %(mix)s.", mix=join(", ", [Phrase("Tự luận"), "x"]))]) == \
        "3 câu từ “Ngân hàng <Đảng>” Gồm: Tự luận, x."


def test_a_phrase_prints_in_the_page_language_with_typed_data_marked(app):
    line = N_("%(n)s câu từ “%(bank)s”", n=3, bank="Ngân hàng <Đảng>", user=("bank",))
    mix = N_("Gồm: %(mix)s.", mix=join(", ", [N_("%(n)s câu %(type)s", n=2, type=Phrase("Tự luận"))]))
    with app.test_request_context(), force_locale("en"):
        html = render_template_string("{{ a }}|{{ b }}", a=line, b=mix)
    assert html == '3 question(s) from “<span lang="vi">Ngân hàng &lt;Đảng&gt;</span>”|By type: Essay: 2.', html
    with app.test_request_context(), force_locale("vi"):
        html = render_template_string("{{ a }}", a=line)
    assert html == '3 câu từ “<span lang="vi">Ngân hàng &lt;Đảng&gt;</span>”'
