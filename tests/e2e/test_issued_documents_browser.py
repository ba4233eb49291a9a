"""In a real browser (phone and desktop): can a secretary preview, issue (with confirmation), download and
verify the cell's sheet, on pages that pass axe-core?"""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from quizapp.clock import utcnow
from quizapp.extensions import db
from quizapp.models import IssuedReport
from tests.browser import assert_accessible, login, screenshot
from tests.e2e._scenario import SHORT, SINGLE, finished_attempt, fresh, open_quiz
from tests.factories import PASSWORD


def test_secretary_previews_issues_and_verifies_the_sheet(page, live_server, world, tmp_path):
    """Preview first, then issue after a confirmation that says what will be issued; the list offers the
    stored file; /verify shows its SHA-256 and says an uploaded copy is the issued one."""
    quiz = open_quiz(world)
    finished_attempt(quiz, world.secretary_a, {SINGLE: "b", SHORT: "tự chuyển hóa"})
    quiz.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    login(page, live_server, world.secretary_a.member_code, PASSWORD)
    page.goto(f"{live_server}/reports/rounds/{quiz.round_id}")
    expect(page.get_by_role("link", name="Xem trước báo cáo (PDF)")).to_be_visible()
    page.get_by_role("link", name="Cấp số báo cáo").click()
    expect(page.get_by_role("status").first).to_contain_text("TẠM THỜI")  # absences and an essay are open
    assert_accessible(page)
    screenshot(page, "report-issue")

    page.get_by_role("button", name="Tiếp tục cấp số").click()
    expect(page.locator("h1")).to_have_text("Xác nhận cấp số văn bản")
    expect(page.locator("main")).to_contain_text("01-BC/CB")
    fresh()
    assert db.session.scalar(select(IssuedReport)) is None  # nothing issued before the confirmation
    assert_accessible(page)
    screenshot(page, "report-issue-confirm")
    page.get_by_role("button", name="Xác nhận cấp số 01-BC/CB").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã cấp văn bản số 01-BC/CB")
    fresh()
    report = db.session.scalar(select(IssuedReport))
    with page.expect_download() as info:
        page.get_by_role("link", name="Tải PDF").click()
    downloaded = tmp_path / "sheet.pdf"
    info.value.save_as(downloaded)
    assert downloaded.read_bytes() == report.pdf

    page.get_by_role("link", name=report.verify_code).click()
    expect(page.locator("main")).to_contain_text(report.sha256)
    page.set_input_files("#file", str(downloaded))
    page.get_by_role("button", name="Đối chiếu", exact=True).click()
    expect(page.locator("#upload-result")).to_contain_text("Tệp trùng khớp từng byte")
    assert_accessible(page)
    screenshot(page, "verify-upload")
