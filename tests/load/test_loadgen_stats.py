"""The load generator's failure breakdown: every failed try counted by reason and by time."""
from __future__ import annotations

from bench.loadgen import Stats


def test_failures_are_broken_down_by_reason_step_and_ten_seconds(monkeypatch):
    """Are failed tries grouped by (kind, step, reason), with first/last time and a count per 10 s
    window, most frequent first, while the old per-step totals stay as they were?"""
    clock = {"t": 1000.0}
    monkeypatch.setattr("bench.loadgen.time.monotonic", lambda: clock["t"])
    stats = Stats()
    for t, kind, step, reason in [(1.0, "transport", "save", "503 from the proxy"),
                                  (12.5, "transport", "save", "503 from the proxy"),
                                  (14.0, "transport", "save", "503 from the proxy"),
                                  (15.0, "http", "save", "410 Đã hết giờ làm bài."),
                                  (31.0, "transport", "start", "connection reset")]:
        clock["t"] = 1000.0 + t
        stats.fail(kind, step, f"detail of {reason}", reason)
    rows = stats.breakdown()
    assert [(r["kind"], r["step"], r["reason"], r["count"]) for r in rows] == [
        ("transport", "save", "503 from the proxy", 3),
        ("http", "save", "410 Đã hết giờ làm bài.", 1),
        ("transport", "start", "connection reset", 1)]
    assert rows[0]["windows"] == {0: 1, 10: 2} and (rows[0]["first"], rows[0]["last"]) == (1.0, 14.0)
    assert rows[2]["windows"] == {30: 1}
    assert stats.transport_errors == {"save": 3, "start": 1} and stats.http_errors == {"save": 1}


def test_a_reason_defaults_to_the_start_of_the_detail():
    """Without a reason, is the failure grouped by the first 60 characters of its detail?"""
    stats = Stats()
    stats.fail("http", "submit", "500 " + "x" * 100)
    assert stats.breakdown()[0]["reason"] == ("500 " + "x" * 100)[:60]
