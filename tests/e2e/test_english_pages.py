"""English: with the language switched to English, do the main pages of a member, a secretary and
committee staff show no Vietnamese outside the data people typed in?

Vietnamese is recognised by its letters (ă â đ ê ô ơ ư and the tone marks). Text that is user
data (names, titles, question text, org names) sits in elements marked `lang="vi"` or
`data-user` in the templates and is left out; everything else (labels, buttons, headings, form
choices, statuses, the attempt page's save messages) must be English. Placeholders, titles,
aria-labels and alt texts count as text. The document title is left out: it repeats the h1
(label + user data) and cannot mark the data part.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from quizapp.services import delivery
from tests.browser import login, screenshot
from tests.e2e._scenario import ESSAY, SINGLE, TRUE_FALSE, finished_attempt, open_quiz
from tests.factories import PASSWORD

# Text nodes and labelling attributes outside user data that contain a Vietnamese letter.
VIETNAMESE_LEFT = r"""() => {
  const vi = /[ăâđêôơưĂÂĐÊÔƠƯ\u0300\u0301\u0303\u0309\u0323]/;
  const isUser = (el) => el && el.closest('[data-user], [lang="vi"]:not(html)');
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEXTAREA'].includes(el.tagName) || isUser(el)) continue;
    const text = n.textContent.normalize('NFD');
    if (vi.test(text)) out.push(el.tagName.toLowerCase() + ': ' + n.textContent.trim().slice(0, 80));
  }
  for (const el of document.body.querySelectorAll('[placeholder], [title], [aria-label], [alt]')) {
    if (isUser(el)) continue;
    for (const a of ['placeholder', 'title', 'aria-label', 'alt']) {
      const v = el.getAttribute(a);
      if (v && vi.test(v.normalize('NFD'))) out.push(el.tagName.toLowerCase() + '@' + a + ': ' + v.slice(0, 80));
    }
  }
  return out;
}"""


def _listing(found: dict[str, list[str]]) -> str:
    """One line per Vietnamese text left, with its page."""
    return "Vietnamese left on English pages:\n" + "\n".join(f"{p} | {x}" for p, xs in found.items() for x in xs)


def _english(page, base: str) -> None:
    """Switch this browser to English through the footer button."""
    page.goto(base + "/auth/login")
    if page.locator("html").get_attribute("lang") != "en":
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def _left(page, base: str, pages: list[tuple[str, str]]) -> dict[str, list[str]]:
    """{path: Vietnamese left on it} for each (name, path); screenshots each page."""
    found = {}
    for name, path in pages:
        resp = page.goto(base + path)
        assert resp.status == 200, f"{path}: HTTP {resp.status}"
        left = page.evaluate(VIETNAMESE_LEFT)
        if left:
            found[path] = left
        screenshot(page, f"english-{name}")
    return found


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_detector_finds_vietnamese_outside_user_data(page):
    """Is the check live: does it report a Vietnamese label but not a name marked as user data?"""
    page.set_content('<!doctype html><html lang="en"><head><title>Results</title></head><body>'
                     '<h1>Results</h1><p>Trạng thái</p><p lang="vi">Nguyễn Thị Ánh</p>'
                     '<span data-user>Chi bộ Sở Nội vụ</span><input aria-label="Tìm kiếm"></body></html>')
    left = page.evaluate(VIETNAMESE_LEFT)
    assert left == ["p: Trạng thái", "input@aria-label: Tìm kiếm"], left


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_member_pages_in_english(page, live_server, world):
    """Do a member's quiz list, start page, attempt page (with its save messages) and result read in English?"""
    quiz = open_quiz(world)
    other = open_quiz(world)
    done = open_quiz(world, review_policy="correct")
    finished_attempt(done, world.member_a, {SINGLE: "b", TRUE_FALSE: "true", ESSAY: "Bài thu hoạch."})
    _english(page, live_server)
    login(page, live_server, world.member_a.member_code, PASSWORD)
    found = _left(page, live_server, [
        ("member-quizzes", "/take/"),
        ("member-start", f"/take/quiz/{other.id}"),
        ("member-password", "/auth/password"),
    ])
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    page.goto(f"{live_server}/take/attempt/{attempt.id}?mode=all")
    page.locator(f'fieldset[data-position="{TRUE_FALSE}"] input[type=radio]').first.check()
    expect(page.locator(".save-state")).to_have_text("Saved")
    left = page.evaluate(VIETNAMESE_LEFT)
    if left:
        found["attempt"] = left
    screenshot(page, "english-member-attempt")
    assert not found, _listing(found)


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_secretary_pages_in_english(page, live_server, world):
    """Do the secretary's home, people, rounds, board, grading and report pages read in English?"""
    quiz = open_quiz(world)
    finished_attempt(quiz, world.member_a, {SINGLE: "b", ESSAY: "Bài thu hoạch."})
    rid, cell = quiz.round_id, world.cell_a.id
    _english(page, live_server)
    login(page, live_server, world.secretary_a.member_code, PASSWORD)
    found = _left(page, live_server, [
        ("secretary-home", "/home"),
        ("secretary-people", "/manage/people"),
        ("secretary-person", f"/manage/people/{world.member_a.id}"),
        ("secretary-rounds", "/manage/rounds"),
        ("secretary-round-new", "/manage/rounds/new"),
        ("secretary-board", f"/manage/rounds/{rid}/board"),
        ("secretary-reports", "/reports/"),
        ("secretary-results", f"/reports/rounds/{rid}"),
        ("secretary-absences", f"/reports/rounds/{rid}/orgs/{cell}/absences"),
        ("secretary-banks", "/manage/banks"),
    ])
    assert not found, _listing(found)


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_staff_pages_in_english(page, live_server, world):
    """Do committee staff's home, organizations, results, roll-up form and board read in English?"""
    quiz = open_quiz(world)
    finished_attempt(quiz, world.member_a, {SINGLE: "b"})
    rid = quiz.round_id
    _english(page, live_server)
    login(page, live_server, world.staff.member_code, PASSWORD)
    found = _left(page, live_server, [
        ("staff-home", "/home"),
        ("staff-orgs", "/manage/orgs"),
        ("staff-people", "/manage/people"),
        ("staff-results", f"/reports/rounds/{rid}"),
        ("staff-board", f"/manage/rounds/{rid}/board"),
    ])
    assert not found, _listing(found)


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_pages_with_service_sentences_in_english(page, live_server, world):
    """Do round detail (sentences built by services), the roll-up form (its readiness list), org detail,
    grading, the keys-locked notice of a secretary who sits the quiz and a member's result (question text
    marked as Vietnamese data) read in English?"""
    quiz = open_quiz(world, review_policy="correct")
    finished = finished_attempt(quiz, world.member_a, {SINGLE: "b", TRUE_FALSE: "true", ESSAY: "Bài thu hoạch."})
    rid = quiz.round_id
    _english(page, live_server)
    login(page, live_server, world.staff.member_code, PASSWORD)
    found = _left(page, live_server, [
        ("staff-round", f"/manage/rounds/{rid}"),
        ("staff-org", f"/manage/orgs/{world.cell_a.id}"),
        ("staff-grading", "/manage/grading"),
        ("staff-rollup", f"/reports/rounds/{rid}/orgs/{world.committee.id}/rollup"),
    ])
    page.context.clear_cookies()
    _english(page, live_server)
    login(page, live_server, world.secretary_a.member_code, PASSWORD)  # she still sits the open quiz
    found |= _left(page, live_server, [("secretary-grading-keys-locked", "/manage/grading")])
    expect(page.locator(".flash-warning")).to_contain_text("You are taking the quiz")
    page.context.clear_cookies()
    _english(page, live_server)
    login(page, live_server, world.member_a.member_code, PASSWORD)
    found |= _left(page, live_server, [("member-result", f"/take/attempt/{finished.id}/result")])
    assert not found, _listing(found)
