"""Sentences that services build and pages show in the reader's language.

Services never translate (they run in the CLI, in background jobs and in tests without a request).
A sentence a service builds for a page is a `Phrase`: a `str` whose value is the Vietnamese
sentence, so everything that stores, logs, compares or joins it (issued-document snapshots, audit
rows, CLI output, exception messages) keeps the Vietnamese text exactly as before. A template that
prints it (`{{ line }}`) calls its `__html__`, which translates the msgid through Flask-Babel and
fills the parameters: a parameter that is itself a Phrase is translated too, and parameters named
in `user` are text people typed (a bank title, a topic, a quiz title) and are wrapped in
`<span lang="vi">`, so an English page marks them as Vietnamese data.

`N_` is one of pybabel's default keywords, so `N_("… %(n)s …", n=3)` is extracted like `_()`.
"""
from __future__ import annotations

from markupsafe import Markup, escape


class Phrase(str):
    """A Vietnamese sentence (its str value) that renders in the page's language."""

    msgid: str
    params: dict
    user: frozenset

    def __new__(cls, msgid: str, params: dict | None = None, user=()):
        params = dict(params or {})
        obj = super().__new__(cls, msgid % {k: str(v) for k, v in params.items()} if params else msgid)
        obj.msgid, obj.params, obj.user = msgid, params, frozenset(user)
        return obj

    def translated(self) -> Markup:
        """The sentence in the current language, HTML-escaped, user data marked lang="vi"."""
        from flask_babel import gettext

        try:
            text = gettext(self.msgid)
        except RuntimeError:  # no application context: the Vietnamese itself
            text = self.msgid
        if not self.params:
            return escape(text)
        values = {}
        for name, value in self.params.items():
            if name in self.user:
                values[name] = Markup('<span lang="vi">%s</span>') % value
            elif hasattr(value, "__html__"):
                values[name] = Markup(value.__html__())
            else:
                values[name] = value
        return escape(text) % values

    def __html__(self) -> str:
        return str(self.translated())

    def __reduce__(self):  # pickled (cached) phrases keep their parts
        return (_rebuild, (self.msgid, self.params, tuple(self.user)))


def _rebuild(msgid, params, user):
    return Phrase(msgid, params, user)


def N_(msgid: str, *, user=(), **params) -> Phrase:  # noqa: N802 - pybabel's keyword
    """A Phrase from a Vietnamese msgid and its parameters (`user`: names of typed-data parameters)."""
    return Phrase(msgid, params, user)


class Joined(Phrase):
    """Phrases (or plain data) joined by a separator, each part rendered in the page's language."""

    parts: tuple
    sep: str

    def __new__(cls, sep: str, parts):
        parts = tuple(parts)
        obj = str.__new__(cls, sep.join(str(p) for p in parts))
        obj.msgid, obj.params, obj.user = str(obj), {}, frozenset()
        obj.parts, obj.sep = parts, sep
        return obj

    def translated(self) -> Markup:
        return Markup(escape(self.sep)).join(
            Markup(p.__html__()) if hasattr(p, "__html__") else escape(p) for p in self.parts)

    def __reduce__(self):
        return (Joined, (self.sep, self.parts))


def join(sep: str, parts) -> Joined:
    """`sep.join(parts)` that stays translatable part by part."""
    return Joined(sep, parts)
