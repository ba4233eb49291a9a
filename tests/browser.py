"""Browser-test fixtures and helpers (registered for the whole suite via pytest_plugins).

The browser is launched by path (CHROMIUM, default /usr/bin/chromium); no test tool downloads
a browser. Screenshots go to artifacts/screenshots/, or to SCREENSHOTS_DIR when set (.ci/run gives
the PostgreSQL suite its own folder while both suites run at once; see README).
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or ROOT / "artifacts" / "screenshots")
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def close_when_sent(app):
    """The app, each response closed as soon as its body has been sent.

    werkzeug's development server closes a response only after draining the socket, and skips the
    close when that read raises because the browser has already reset the connection (Chromium
    does, for a favicon answered 304): the static file's handle then stays open until garbage
    collection, and pytest reports its ResourceWarning in whichever test runs then."""

    def closing(environ, start_response):
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return closing


@pytest.fixture(scope="session")
def live_server(app):
    """The test app on 127.0.0.1 (threaded), for the browser."""
    server = make_server("127.0.0.1", 0, close_when_sent(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, launched by path."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(params=["phone", "desktop"])
def page(request, browser):
    """A fresh page in a phone-sized or desktop viewport (CSP bypassed only to inject axe)."""
    viewport = PHONE if request.param == "phone" else DESKTOP
    ctx = browser.new_context(viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                              bypass_csp=True, is_mobile=request.param == "phone", has_touch=request.param == "phone")
    ctx.set_default_timeout(15_000)  # fail fast: nothing a test waits for takes this long
    pg = ctx.new_page()
    pg.viewport_name = request.param
    yield pg
    ctx.close()


def login(page, base: str, member_code: str, password: str) -> None:
    """Log in through the real form."""
    page.goto(base + "/auth/login")
    page.fill("#member_code", member_code)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations on the current page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]


def assert_accessible(page) -> None:
    """Fail with the violations listed if axe finds anything serious or critical."""
    violations = axe_violations(page)
    assert not violations, json.dumps(violations, ensure_ascii=False, indent=1)


def screenshot(page, name: str) -> None:
    """Save a full-page screenshot as a CI artifact: artifacts/screenshots/<name>-<viewport>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{page.viewport_name}.png"), full_page=True)
