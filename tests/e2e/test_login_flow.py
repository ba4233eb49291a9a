"""In a real browser: can a member log in on a phone and a desktop, and is the page accessible?"""
from tests.browser import assert_accessible, login, screenshot
from tests.factories import PASSWORD


def test_login_page_is_accessible_and_logs_in(page, live_server, world):
    """Does the login page pass axe (no serious/critical issues) and lead a member to their home?"""
    page.goto(live_server + "/auth/login")
    assert page.locator("h1").inner_text() == "Đăng nhập"
    assert_accessible(page)
    screenshot(page, "login")
    login(page, live_server, world.secretary_a.member_code, PASSWORD)
    assert "Xin chào" in page.locator("h1").inner_text()
    assert_accessible(page)
    screenshot(page, "home-secretary")


def test_wrong_password_message_is_announced(page, live_server, world):
    """Is a failed login shown as an alert in Vietnamese?"""
    login(page, live_server, world.member_a.member_code, "sai-mat-khau")
    alert = page.locator("[role=alert]")
    assert "không đúng" in alert.inner_text()
