"""Template filters, globals and response headers shared by every page."""
from __future__ import annotations

import dataclasses
import hashlib
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader, TemplateNotFound
from markupsafe import Markup
from werkzeug.routing import BuildError, IntegerConverter

from quizapp import vn
from quizapp.clock import to_local

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Sent with every response unless the view set its own: (lower-cased name, name, value).
SECURITY_HEADERS = tuple((name.lower(), name, value) for name, value in (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
))


def nav_url(endpoint: str, **values) -> str | None:
    """url_for that returns None for an endpoint not (yet) registered, for optional nav links."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", ""})


def public_base_url() -> str:
    """The address shared links are built on: SITE_URL when set, else the one the request came in on.

    Behind PROXY_COUNT proxies ProxyFix has already put X-Forwarded-Host/-Proto into the request;
    with PROXY_COUNT=0 those headers are ignored. Views pass the result to services as an argument.
    """
    configured = (current_app.config.get("SITE_URL") or "").strip().rstrip("/")
    if configured:
        return configured
    if has_request_context():
        return request.host_url.rstrip("/")
    return ""


def is_local_address(url: str) -> bool:
    """True when a link built on `url` would only work on the server itself (localhost, 127.x)."""
    host = (urlsplit(url if "://" in url else f"http://{url}").hostname or "").lower()
    return host in LOCAL_HOSTS or host.startswith("127.") or host.endswith(".localhost")


def local_address_warning() -> bool:
    """For the admin banner: shared links, QR codes and slips would point at this machine only."""
    return is_local_address(public_base_url())


def user_data(value) -> Markup:
    """Text people typed (a name, a title) marked as Vietnamese, for use inside a translated sentence."""
    return Markup('<span lang="vi">%s</span>') % ("" if value is None else value)


def absence_text(absence) -> Markup:
    """participation.absence_label in the page's language: 'Ill (excused)'; typed detail marked lang="vi"."""
    from flask_babel import gettext

    from quizapp.models.report import ABSENCE_REASONS

    if absence is None:
        return Markup.escape(gettext("Chưa ghi lý do"))
    reason = Markup.escape(gettext(ABSENCE_REASONS.get(absence.reason_code, absence.reason_code)))
    if absence.reason_text:
        typed = user_data(absence.reason_text)
        reason = typed if absence.reason_code == "khac" else Markup("%s: %s") % (reason, typed)
    return Markup("%s (%s)") % (reason, gettext("có lý do") if absence.excused else gettext("không lý do"))


def choices_in_language(field):
    """The form field with its choice labels in the page's language, for rendering.

    Choice labels come from the models' Vietnamese label dicts (ORG_KINDS, ROLES, ...), which are
    msgids: each is translated when shown. A label that is user data (a name) has no msgid and
    stays as it is; blueprints mark such choices with render_kw {"lang": "vi"}.
    """
    from flask_babel import gettext

    choices = getattr(field, "choices", None)
    if not isinstance(choices, list) or getattr(field, "_choices_in_language", False):
        return field
    out = []
    for choice in choices:
        if isinstance(choice, tuple) and len(choice) >= 2 and isinstance(choice[1], str) and choice[1]:
            choice = (choice[0], gettext(choice[1]), *choice[2:])
        elif hasattr(choice, "label") and hasattr(choice, "render_kw") and isinstance(choice.label, str):
            choice = dataclasses.replace(choice, label=gettext(choice.label)) if choice.label else choice
        out.append(choice)
    field.choices = out
    field._choices_in_language = True
    return field


class BoundedIntConverter(IntegerConverter):
    """<int:...> limited to the database's 32-bit ids: a larger number is simply no route (404), not a crash."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


class TypeTemplateLoader(BaseLoader):
    """`question_types/<name>/…` from the folder a registered type ships its templates in
    (`QuestionType.template_dir`); types without one live in the app's own templates folder."""

    def get_source(self, environment, template):
        from quizapp.services.question_types import REGISTRY

        parts = template.split("/")
        qtype = REGISTRY.get(parts[1]) if len(parts) > 2 and parts[0] == "question_types" else None
        if qtype is None or not qtype.template_dir:
            raise TemplateNotFound(template)
        return FileSystemLoader(qtype.template_dir).get_source(environment, template)


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie (same format, salt and HMAC-SHA1 signature), read and written
    at less cost on every request.

    Flask builds a new serializer per request and signs with a Python-level SHA-1 wrapper, which
    sends HMAC through the pure-Python path; `hashlib.sha1` takes OpenSSL's (same bytes). The
    serializer is kept, one per app: it holds nothing but the keys from the configuration, which is
    the same in every worker and host and fixed once the app is built (a secret key changed later,
    as tests do, builds a new one)."""

    digest_method = staticmethod(hashlib.sha1)
    _signing: tuple = (None, None)

    def get_signing_serializer(self, app: Flask):
        built_for, serializer = self._signing
        if built_for != app.secret_key:
            serializer = super().get_signing_serializer(app)
            self._signing = (app.secret_key, serializer)
        return serializer


def question_type(name: str):
    """The registered type `name` (templates ask it for its partials and capabilities)."""
    from quizapp.services.question_types import get_type

    return get_type(name)


def init_app(app: Flask) -> None:
    """Register filters, globals, the bounded int converter, the session cookies and the
    after-request security headers."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.session_interface = SessionCookies()
    app.jinja_env.filters["vn_number"] = vn.format_number
    app.jinja_env.filters["vn_percent"] = vn.format_percent
    app.jinja_env.filters["vn_rate"] = vn.format_rate  # participation rates: truncated, never rounded up
    app.jinja_env.filters["vn_date"] = lambda d: vn.format_date(d)
    app.jinja_env.filters["vn_datetime"] = lambda d: vn.format_datetime(to_local(d))
    app.jinja_env.filters["local"] = to_local
    app.jinja_env.globals["nav_url"] = nav_url
    app.jinja_env.globals["local_address_warning"] = local_address_warning


    app.jinja_env.filters["choices_in_language"] = choices_in_language
    app.jinja_env.filters["user_data"] = user_data
    app.jinja_env.globals["absence_text"] = absence_text
    app.jinja_env.globals["question_type"] = question_type
    app.jinja_env.loader = ChoiceLoader([TypeTemplateLoader(), app.jinja_env.loader])

    @app.context_processor
    def _inject():
        from quizapp import permissions

        return {"perm": permissions, "current_lang": _current_lang()}

    @app.after_request
    def _headers(response):
        # A header the view set itself stays (as setdefault would keep it); the names present are
        # read in one pass, since each setdefault of an absent header costs a KeyError raised.
        present = {name.lower() for name, _ in response.headers}
        for lowered, name, value in SECURITY_HEADERS:
            if lowered not in present:
                response.headers.add(name, value)
        if request.endpoint != "static" and session.get("_user_id"):
            # Pages of a logged-in person are never cached (back button after logout).
            response.headers["Cache-Control"] = "no-store"
        return response


def _current_lang() -> str:
    from quizapp import select_locale

    try:
        return select_locale()
    except RuntimeError:
        return "vi"
