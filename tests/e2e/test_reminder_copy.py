"""In a real browser (phone 360 px and desktop): does the secretary's home page show the open round's
gap and copy the ready reminder for the cell's Zalo group — with the clipboard, and without it?"""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser import axe_violations, login, screenshot
from tests.e2e._scenario import SINGLE, finished_attempt, open_quiz
from tests.factories import PASSWORD


def test_reminder_copied_to_clipboard(page, live_server, world):
    """Does "Sao chép tin nhắn nhắc" put the textarea's exact reminder on the clipboard, axe-clean?"""
    quiz = open_quiz(world)
    finished_attempt(quiz, world.member_a, {SINGLE: "b"})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    login(page, live_server, world.secretary_a.member_code, PASSWORD)
    page.goto(f"{live_server}/home")
    card = page.locator(".round-overview")
    expect(card).to_have_count(1)
    expect(card.locator(".ov-rate")).to_contain_text("1/3")
    reminder = card.locator("textarea.reminder-text")
    text = reminder.input_value()
    assert text.startswith(f"Nhắc làm bài kiểm tra: {quiz.round.title}")
    assert f"{live_server}/q/{quiz.short_code}" in text and world.secretary_a.full_name in text
    assert world.member_a.full_name not in text
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]  # no sideways scroll
    card.get_by_role("button", name="Sao chép tin nhắn nhắc").click()
    expect(card.locator(".copy-status")).to_have_text("Đã sao chép tin nhắn nhắc.")
    assert page.evaluate("navigator.clipboard.readText()") == text
    card.get_by_role("button", name="Sao chép đường dẫn").click()
    expect(card.locator(".copy-status")).to_have_text("Đã sao chép đường dẫn.")
    assert page.evaluate("navigator.clipboard.readText()") == f"{live_server}/q/{quiz.short_code}"
    screenshot(page, "secretary-home-reminder")
    assert not axe_violations(page)


def test_reminder_copy_falls_back_to_selecting_the_text(page, live_server, world):
    """Without navigator.clipboard, is the whole reminder selected (and copied with execCommand)?"""
    open_quiz(world)
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined, configurable: true});")
    login(page, live_server, world.secretary_a.member_code, PASSWORD)
    page.goto(f"{live_server}/home")
    card = page.locator(".round-overview")
    card.get_by_role("button", name="Sao chép tin nhắn nhắc").click()
    expect(card.locator(".copy-status")).not_to_have_text("")
    selected = page.evaluate("(() => { const t = document.querySelector('textarea.reminder-text');"
                             " return [t.selectionStart, t.selectionEnd, t.value.length]; })()")
    assert selected[0] == 0 and selected[1] == selected[2] > 0


def test_shared_link_page_logs_in_to_the_quiz(page, live_server, world):
    """Opened from the pasted reminder, does the short link show title and deadline (axe-clean) and log a
    member in straight to the quiz's start page?"""
    quiz = open_quiz(world)
    page.goto(f"{live_server}/q/{quiz.short_code}")
    expect(page.locator("h1")).to_have_text(quiz.round.title)
    assert page.locator('meta[property="og:title"]').get_attribute("content") == quiz.round.title
    screenshot(page, "shared-link")
    assert not axe_violations(page)
    page.get_by_label("Số thẻ đảng viên / mã đăng nhập").fill(world.member_a.member_code)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"**/take/quiz/{quiz.id}")
