"""The browser tests' live server closes every response once its body is sent (tests/browser.py)."""
from __future__ import annotations

from tests.browser import close_when_sent


class _Body:
    def __init__(self, chunks):
        self.chunks, self.closed = chunks, False

    def __iter__(self):
        return iter(self.chunks)

    def close(self):
        self.closed = True


def test_a_response_is_closed_as_soon_as_its_body_is_sent():
    """Is the body closed when the server has read it to its end, empty (a 304) or not, before the
    server does anything else with the connection?"""
    for chunks in ([], [b"a", b"b"]):
        body = _Body(chunks)
        seen = []
        app = close_when_sent(lambda environ, start_response, body=body: (start_response("200 OK", []), body)[1])
        sent = list(app({}, lambda status, headers, seen=seen: seen.append(status)))
        assert sent == chunks and seen == ["200 OK"] and body.closed
