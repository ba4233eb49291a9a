"""“Chụp phiếu trả lời” in a browser: upload a photographed sheet, see what was read with the doubtful
question flagged, correct it, confirm, and find the paper attempt saved; axe-clean on phone and desktop."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Attempt
from tests.attacks.helpers import take
from tests.browser import axe_violations, login, screenshot
from tests.factories import PASSWORD
from tests.paper.helpers import key_letters, paper_scene

cv2 = pytest.importorskip("cv2")
np = pytest.importorskip("numpy")


def _sheet_photo(world):
    """(quiz, sheet, variant, JPEG bytes, number of the doubtful question): member A's printed sheet with
    every bubble question filled right, one stray faint mark on the first one, then photographed."""
    from tests.paper.test_omr import fill, layout_questions, photograph, render_sheet

    scene = paper_scene(world)
    base, sheet, variant, quiz = render_sheet(world, world.member_a, scene=scene)
    rng = np.random.default_rng(2026)
    cv2.setRNGSeed(2026)
    questions = layout_questions(variant)
    lettered = [it for it in variant.items if it.kind == "letters"]
    for it in lettered:
        for letter in key_letters(it):
            fill(base, it.number, questions[it.number][0].index(letter), level=25, rng=rng)
    doubtful = lettered[0]
    letters = questions[doubtful.number][0]
    stray = next(i for i, letter in enumerate(letters) if letter not in key_letters(doubtful))
    fill(base, doubtful.number, stray, level=157, scale=1.0)  # a faint touch: neither empty nor filled
    return quiz, sheet, variant, photograph(base, rng), doubtful.number


def test_secretary_reads_a_sheet_photo_corrects_and_saves(page, live_server, world):
    """Does the photo page show the member, the variant and the marks read, flag the faint mark for a
    look, save nothing before Confirm, then save the corrected answers as a graded paper attempt?"""
    quiz, sheet, variant, photo, doubtful = _sheet_photo(world)
    take(quiz.id, world.secretary_a)  # she sits the quiz too: the page works once she has submitted
    db.session.commit()
    login(page, live_server, world.secretary_a.member_code, PASSWORD)
    page.goto(f"{live_server}/manage/rounds/{quiz.round_id}/paper/{world.cell_a.id}/photo")
    expect(page.locator("#paper-locked")).to_have_count(0)
    assert not axe_violations(page)

    page.locator("#photo").set_input_files({"name": "phieu.jpg", "mimeType": "image/jpeg", "buffer": photo})
    page.get_by_role("button", name="Đọc phiếu").click()
    reading = page.locator(".photo-reading")
    expect(reading.get_by_role("heading", level=2)).to_contain_text(world.member_a.full_name)
    expect(reading).to_contain_text(f"Mã đề: {sheet.variant}")
    flagged = page.locator(f'.omr-table tr.omr-uncertain[data-question="{doubtful}"]')
    expect(flagged).to_contain_text("Cần xem lại")
    lettered = [it for it in variant.items if it.kind == "letters"]
    for it in lettered:
        if it.number != doubtful:
            row = page.locator(f'.omr-table tr[data-question="{it.number}"]')
            expect(row.locator(".omr-letters")).to_have_text(key_letters(it))
            expect(row).not_to_have_class("omr-uncertain")
    screenshot(page, "paper-photo-read")
    assert not axe_violations(page)
    db.session.rollback()
    assert db.session.scalar(select(Attempt).where(Attempt.person_id == world.member_a.id)) is None

    # The secretary looks at the sheet: the faint touch was not an answer. She corrects and confirms.
    right = " ".join(f"{it.number}{key_letters(it)}" for it in lettered)
    page.locator("#answers").fill(right)
    page.get_by_role("button", name="Xác nhận và lưu").click()
    expect(page.locator(".flash-success")).to_contain_text(f"Đã lưu bài giấy của {world.member_a.full_name}")
    expect(page.locator(".photo-reading")).to_have_count(0)
    assert not axe_violations(page)
    db.session.rollback()  # end the test's read snapshot: the server wrote the attempt
    attempt = db.session.scalar(select(Attempt).where(Attempt.person_id == world.member_a.id))
    assert attempt.mode == "paper" and attempt.paper_variant == sheet.variant
    assert attempt.entered_by_id == world.secretary_a.id and attempt.points == len(lettered)
