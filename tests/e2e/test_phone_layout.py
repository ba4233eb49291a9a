"""Management pages on a 360 px phone: does every page a secretary, committee staff and an admin
can open fit the screen without sideways scrolling and pass axe, and does the menu fold away?

The pages are not listed by hand: every GET rule of the URL map is filled with the ids of one
object of each kind (the route walk's cell-A world), so a new page is checked as soon as it has
a route. Downloads (PDF, Excel, YAML, XML) are recognised by their Content-Type and skipped, and
so are HTML fragments (no doctype) that a page loads into itself.
Screenshots go to artifacts/screenshots/phone360-<role>-<endpoint>-phone.png.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import axe_violations, login, screenshot
from tests.core.test_route_walk import build_cell_a_objects, routes, url_for_rule
from tests.factories import PASSWORD

# Machine endpoints, not pages a person reads.
NOT_PAGES = ("api.", "ops.", "static", "main.csrf_token", "auth.logout", "auth.set_language")
# A phone browser zooms out to show a too-wide page whole, which makes window.innerWidth grow with
# it: the width the page was laid out for (clientWidth, 360 here) is the one to compare with.
FITS = ("() => document.documentElement.scrollWidth <= "
        "Math.min(window.innerWidth, document.documentElement.clientWidth)")


def _pages(app, values: dict) -> list[tuple[str, str]]:
    """(endpoint, path) of every GET rule, each argument filled from `values`."""
    found = []
    for rule in routes(app):
        if "GET" not in rule.methods or rule.endpoint.startswith(NOT_PAGES):
            continue
        found.append((rule.endpoint + ("" if not rule.arguments else f"[{len(rule.arguments)}]"),
                      url_for_rule(rule, values)))
    return sorted(set(found))


def _walk(page, base: str, role: str, paths: list[tuple[str, str]]) -> tuple[dict, list[str], int]:
    """Visit every HTML page; return axe violations, pages wider than the screen, pages seen."""
    violations, too_wide, seen = {}, [], 0
    for name, path in paths:
        head = page.request.get(base + path, max_redirects=5)
        assert head.status < 500, f"{role} {path}: HTTP {head.status}"
        if not head.headers.get("content-type", "").startswith("text/html"):
            continue  # a download: no page to lay out
        if not head.text().lstrip().lower().startswith("<!doctype html"):
            continue  # a fragment a page refreshes itself with (the board), checked inside its page
        resp = page.goto(base + path)
        assert resp.status < 500, f"{role} {path}: HTTP {resp.status}"
        seen += 1
        if not page.evaluate(FITS):
            wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth, "
                                 "document.documentElement.clientWidth]")
            too_wide.append(f"{path} {wide}")
        found = axe_violations(page)
        if found:
            violations[path] = found
        screenshot(page, f"phone360-{role}-{name.replace('.', '_').replace('[', '-').replace(']', '')}")
    return violations, too_wide, seen


@pytest.mark.parametrize("page", ["phone"], indirect=True)
@pytest.mark.parametrize("role", ["secretary_a", "staff", "admin"])
def test_every_management_page_fits_a_phone(page, live_server, app, world, role):
    """Does every page the role reaches (lists and one detail page of each kind) fit 360 px and pass axe?"""
    values = build_cell_a_objects(world)
    paths = _pages(app, values)
    if role != "secretary_a":  # the committee's own roll-up, only staff and admin open it
        paths.append(("reports.rollup-committee",
                      f"/reports/rounds/{values['round_id']}/orgs/{world.committee.id}/rollup"))
    person = getattr(world, role)
    login(page, live_server, person.member_code, PASSWORD)
    assert page.viewport_size == {"width": 360, "height": 740}
    violations, too_wide, seen = _walk(page, live_server, role, paths)
    assert seen >= 25, f"only {seen} HTML pages reached: the walk lost its pages"
    assert not too_wide, "pages wider than the phone: " + "; ".join(too_wide)
    assert not violations, violations


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_phone_menu_folds_and_opens(page, live_server, world):
    """On a phone, are the links behind a menu button that opens them, says so, and closes on Escape?"""
    login(page, live_server, world.secretary_a.member_code, PASSWORD)
    page.goto(live_server + "/manage/rounds")
    toggle = page.locator(".nav-toggle")
    people = page.locator("#mainnav").get_by_role("link", name="Đảng viên")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_attribute("aria-controls", "mainnav")
    expect(people).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(people).to_be_visible()
    assert page.evaluate(FITS)
    screenshot(page, "phone360-menu-open")
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(people).to_be_hidden()
    expect(toggle).to_be_focused()
    people_after = page.locator("#mainnav a[href='/manage/people']")
    toggle.click()
    people_after.click()
    expect(page).to_have_url(live_server + "/manage/people")


@pytest.mark.parametrize("page", ["desktop"], indirect=True)
def test_desktop_shows_links_without_button(page, live_server, world):
    """On a desktop, are the links shown in the bar and the menu button absent?"""
    login(page, live_server, world.secretary_a.member_code, PASSWORD)
    page.goto(live_server + "/manage/rounds")
    expect(page.locator(".nav-toggle")).to_be_hidden()
    expect(page.locator("#mainnav").get_by_role("link", name="Đảng viên")).to_be_visible()


def test_phone_without_javascript_shows_the_links(browser, live_server, world):
    """With JavaScript off, does a phone still show every link (and no dead menu button)?"""
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False,
                              is_mobile=True, has_touch=True, locale="vi-VN")
    try:
        page = ctx.new_page()
        login(page, live_server, world.secretary_a.member_code, PASSWORD)
        page.goto(live_server + "/manage/rounds")
        expect(page.locator(".nav-toggle")).to_be_hidden()
        expect(page.locator("#mainnav").get_by_role("link", name="Đảng viên")).to_be_visible()
        assert page.evaluate(FITS)
    finally:
        ctx.close()


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_width_check_catches_a_wide_page(page):
    """Is the width check live: does a 500 px block on a 360 px screen fail it, and a wrapped one pass?"""
    page.set_content('<!doctype html><html lang="vi"><head><meta name="viewport" content="width=device-width, '
                     'initial-scale=1"><title>x</title></head><body><div style="width:500px">rộng</div></body></html>')
    assert not page.evaluate(FITS)
    page.set_content('<!doctype html><html lang="vi"><head><meta name="viewport" content="width=device-width, '
                     'initial-scale=1"><title>x</title></head><body><div style="overflow-x:auto">'
                     '<div style="width:500px">rộng</div></div></body></html>')
    assert page.evaluate(FITS)
