"""Checklist item 9: reflected XSS through filter and search parameters (q=, topic=, org=, next=, …),
path segments echoed by error pages, and open redirects through next=."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.attacks.helpers import XSS, assert_escaped
from tests.core.test_route_walk import build_cell_a_objects, url_for_rule

PARAMS = ["q", "topic", "type", "difficulty", "org", "next", "round_id", "mode", "page", "inactive", "lang", "fmt"]
SKIP = {"static", "auth.logout", "auth.change_password", "manage.roster_template", "manage.round_qr_pdf",
        "manage.bank_export"}


@pytest.mark.parametrize("role", ["anonymous", "member_a", "secretary_a", "staff"])
def test_every_get_route_escapes_every_parameter(app, world, login_as, role):
    """Does any GET page echo a hostile value of a filter/search parameter unescaped?"""
    values = build_cell_a_objects(world)
    c = app.test_client()
    if role != "anonymous":
        login_as(getattr(world, role), c=c)
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIP:
            continue
        path = url_for_rule(rule, values)
        for payload in XSS:
            resp = c.get(path, query_string={p: payload for p in PARAMS})
            assert resp.status_code < 500, (path, resp.status_code)
            if resp.mimetype == "text/html":
                assert_escaped(resp.get_data(as_text=True), f"{role} {path}")
                checked += 1
            loc = resp.headers.get("Location", "")
            assert "<" not in loc and "javascript:" not in loc.lower(), (path, loc)
    assert checked > 20


def test_search_box_echo_is_escaped_and_present(app, world, login_as):
    """Control: is the people search echoed at all (escaped), so the walk above can fail?"""
    c = login_as(world.secretary_a, c=app.test_client())
    body = c.get("/manage/people", query_string={"q": XSS[2]}).get_data(as_text=True)
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in body or "&quot;&gt;&lt;svg onload" in body


@pytest.mark.parametrize("segment", XSS + ["%3Cscript%3Ealert(1)%3C/script%3E"])
def test_path_segments_echoed_by_code_routes_are_escaped(app, world, login_as, segment):
    """Do /q/<code> and /verify/<code> escape a hostile code in their pages?"""
    c = login_as(world.member_a, c=app.test_client())
    for base in ("/q/", "/verify/"):
        resp = c.get(base + quote(segment, safe=""))
        assert resp.status_code < 500
        assert_escaped(resp.get_data(as_text=True), base)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)",
                                    "/\\evil.example", "\\\\evil.example", " //evil.example", "http:evil.example"])
def test_login_next_never_leaves_the_site(app, world, target):
    """After logging in with a hostile next=, is the redirect a path on this site?"""
    from tests.factories import PASSWORD

    c = app.test_client()
    resp = c.form(f"/auth/login?next={quote(target, safe='')}", {"member_code": world.member_a.member_code,
                                                                  "password": PASSWORD})
    assert resp.status_code == 302
    loc = resp.headers["Location"]
    assert loc.startswith("/") and not loc.startswith("//") and "\\" not in loc and "evil" not in loc, loc
    lang = app.test_client()
    r = lang.form("/auth/lang/en", {"next": target})
    assert r.headers["Location"].startswith("/") and "evil" not in r.headers["Location"]
