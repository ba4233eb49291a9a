"""English catalog: coverage of the Vietnamese msgids, placeholders intact, and the language switch.

Msgids are the Vietnamese UI strings; quizapp/translations/en/LC_MESSAGES/messages.po holds their
English. The coverage test extracts the msgids afresh (as `make translations-update` does), so it
sees strings added since the catalog was last updated; it asks for 95 % rather than 100 % so that
a new string does not break the suite before its English is written.
"""
from __future__ import annotations

import io
import os
import shlex
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import url_for
from flask_babel import get_babel

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "quizapp" / "translations"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
EN_MO = EN_PO.with_suffix(".mo")
MIN_COVERAGE = 0.95

# %(name)s-style placeholders (any conversion) and the escaped percent sign.
PLACEHOLDER = re.compile(r"%\(([^)]*)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]")

VI_NAV = ["Bài kiểm tra của tôi", "Đợt học tập", "Ngân hàng câu hỏi", "Tổ chức đảng", "Đăng xuất"]
EN_NAV = ["My quizzes", "Study rounds", "Party members", "Question banks", "Party organizations", "Log out"]


def _catalog(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _runtime_msgids() -> set[str]:
    """Strings that reach `_()` as variables (see quizapp/translations/runtime_msgids.py)."""
    from quizapp.blueprints.manage.banks import OUTCOME_MESSAGES
    from quizapp.errors import MESSAGES
    from quizapp.models.attempt import CLASSIFICATIONS
    from quizapp.services.question_types import REGISTRY

    ids = set(MESSAGES.values()) | set(OUTCOME_MESSAGES.values()) | set(CLASSIFICATIONS.values())
    ids |= {t.label for t in REGISTRY.values()}
    ids |= {c["text"] for c in REGISTRY["true_false"].public_view({"answer": True})["choices"]}
    return {m for m in ids if m}


def _makefile_extract_options() -> list[str]:
    """The options `make translations-update` gives `pybabel extract` (one source of truth)."""
    line = next(x for x in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines() if "pybabel extract" in x)
    args = shlex.split(line.split("pybabel extract", 1)[1])
    out = args[:args.index("-o")]
    assert "-F" in out, line
    return out


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    """Msgids extracted now from quizapp/**.py and the templates, with the Makefile's options."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    cwd = os.getcwd()
    os.chdir(ROOT)  # babel.cfg's patterns are relative to the repository root
    try:
        CommandLineInterface().run(["pybabel", "-q", "extract", *_makefile_extract_options(), "-o", str(pot), "."])
    finally:
        os.chdir(cwd)
    return {m.id for m in _catalog(pot) if m.id}


@pytest.fixture(scope="module")
def english():
    return _catalog(EN_PO)


def test_extraction_sees_python_templates_and_parametrised_calls(extracted):
    assert "Vui lòng nhập số thẻ đảng viên." in extracted  # lazy_gettext in a form
    assert "Bạn đã đăng xuất." in extracted  # gettext in a view
    assert "Bỏ qua, đến nội dung chính" in extracted  # _() in a template
    assert "Xin chào, %(name)s" in extracted  # _('...', name=...) in a template
    assert "Yêu cầu không hợp lệ." in extracted  # runtime msgid, via runtime_msgids.py
    # a partial in a folder starting with "_" (pybabel skips those unless told)
    assert "bạn đã chọn" in extracted  # templates/question_types/_choices/review.html


def test_english_covers_the_current_msgids(extracted, english):
    wanted = extracted | _runtime_msgids()
    missing = sorted(m for m in wanted if not (english.get(m) and english.get(m).string))
    share = 1 - len(missing) / len(wanted)
    assert share >= MIN_COVERAGE, (
        f"only {share:.1%} of {len(wanted)} msgids have English; run `make translations-update` and "
        f"translate: {missing[:20]}"
    )


def test_no_fuzzy_or_empty_entries_in_the_english_catalog(english):
    fuzzy = [m.id for m in english if m.id and m.fuzzy]
    assert not fuzzy, fuzzy
    assert not english.fuzzy


def test_placeholders_survive_translation(english):
    """A msgstr must use exactly the msgid's %(x)s names, and stay a valid format string."""
    problems = []
    for m in english:
        if not m.id or not m.string:
            continue
        names_id, names_str = set(PLACEHOLDER.findall(m.id)), set(PLACEHOLDER.findall(m.string))
        if names_id != names_str:
            problems.append((m.id, m.string, "placeholders differ"))
            continue
        values = {name: 1 for name in names_id}
        try:
            m.id % values
        except (ValueError, TypeError, KeyError):
            continue  # never formatted (a plain gettext with a literal %)
        try:
            m.string % values
        except (ValueError, TypeError, KeyError) as exc:
            problems.append((m.id, m.string, f"not a format string: {exc}"))
    assert not problems, problems


def test_entity_and_quote_style_kept(english):
    """Curly quotes, arrows and dashes in a msgid are kept in its English."""
    problems = []
    for m in english:
        if not m.id or not m.string:
            continue
        for mark in ("“", "”", "←", "—", "&"):
            if m.id.count(mark) != m.string.count(mark):
                problems.append((m.id, m.string, mark))
    assert not problems, problems


# ---------------------------------------------------------------- the language switch, rendered


@pytest.fixture(scope="module", autouse=True)
def compiled_english(app):
    """The .mo the app reads, rebuilt from the .po unless it already holds exactly that catalog
    (as `make translations` does; compared by content, since a checkout may leave either file newer).
    Translations already loaded from a stale .mo are dropped from Flask-Babel's cache."""
    buf = io.BytesIO()
    write_mo(buf, _catalog(EN_PO))
    fresh = buf.getvalue()
    if EN_MO.exists() and EN_MO.read_bytes() == fresh:
        return
    tmp = EN_MO.with_suffix(f".mo.{os.getpid()}")
    tmp.write_bytes(fresh)
    os.replace(tmp, EN_MO)
    with app.app_context():
        # the Babel extension object (not its per-app configuration) holds the domain and its cache
        get_babel(app).instance.domain_instance.cache.clear()


def _choose(client, code: str, next_url: str):
    resp = client.form(f"/auth/lang/{code}", {"next": next_url})
    assert resp.status_code == 302
    return resp


def test_login_page_in_english_and_back_in_vietnamese(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert "Đăng nhập" in html and '<html lang="vi">' in html

    resp = _choose(client, "en", "/auth/login")
    assert resp.headers["Location"].endswith("/auth/login")
    html = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert "Member card number / login code" in html
    assert "Đăng nhập" not in html
    assert "Mật khẩu" not in html

    _choose(client, "vi", "/auth/login")
    html = client.get("/auth/login").get_data(as_text=True)
    assert "Đăng nhập" in html and "Log in" not in html


def test_form_errors_in_english(client):
    _choose(client, "en", "/auth/login")
    html = client.form("/auth/login", {"member_code": "", "password": ""}).get_data(as_text=True)
    assert "Please enter your member card number." in html
    assert "Vui lòng" not in html


def test_manager_pages_in_english_without_vietnamese_labels(app, client, world, login_as):
    _choose(client, "en", "/auth/login")
    login_as(world.secretary_a)  # the choice survives the session reset at login
    with app.test_request_context():
        urls = [url_for("main.home"), url_for("manage.rounds"), url_for("manage.people"), url_for("take.index")]
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == 200, url
        html = resp.get_data(as_text=True)
        assert '<html lang="en">' in html, url
        for label in EN_NAV:
            assert label in html, (url, label)
        for label in VI_NAV:
            assert label not in html, (url, label)
        assert "Tiếng Việt" in html  # the switch back offers Vietnamese


def test_member_sees_english_quiz_list(app, client, world, login_as):
    _choose(client, "en", "/auth/login")
    login_as(world.member_a)
    with app.test_request_context():
        url = url_for("take.index")
    html = client.get(url).get_data(as_text=True)
    assert "My quizzes" in html and "Log out" in html
    assert "Bài kiểm tra của tôi" not in html and "Đăng xuất" not in html
    assert "No quizzes are open for you right now." in html
