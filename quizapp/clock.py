"""The server clock. All domain code asks here, so tests can freeze or inject time."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    """Current time as a naive UTC datetime (the form stored in the database)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_local(value: datetime | None) -> datetime | None:
    """Convert a stored naive-UTC datetime to Vietnam local time (aware)."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc).astimezone(VN_TZ)


def local_to_utc(value: datetime) -> datetime:
    """Convert a naive local (Vietnam) datetime, as typed in a form, to naive UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=VN_TZ)
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def today_local() -> date:
    """Today's date in Vietnam."""
    return datetime.now(VN_TZ).date()
