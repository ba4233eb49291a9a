"""Small helpers shared by the delivery tests."""
from __future__ import annotations

from datetime import datetime

import time_machine

T0 = datetime(2026, 2, 5, 2, 0, 0)  # 09:00 in Vietnam, session day


def at(moment: datetime):
    """Freeze the clock (naive UTC) for everything inside the block, server included."""
    return time_machine.travel(moment.replace(tzinfo=__import__("datetime").timezone.utc), tick=False)


def start(client, quiz_id: int) -> dict:
    """Start or resume through the API and return the attempt body."""
    resp = client.json_post(f"/api/v1/quizzes/{quiz_id}/attempts")
    assert resp.status_code in (200, 201), resp.get_data(as_text=True)
    return resp.get_json()


def save(client, attempt_id: int, position: int, value, seq: int):
    """PUT one answer through the API with the CSRF header."""
    return client.put(f"/api/v1/attempts/{attempt_id}/answers/{position}", json={"value": value, "seq": seq},
                      headers={"X-CSRFToken": client.csrf()})
