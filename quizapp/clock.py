"""The server clock and the local time zone. All domain code asks here, so tests can freeze or
inject time. The zone is the TIMEZONE setting: create_app calls `use_timezone`; code running
without an application (a bare script, a unit test) gets the default declared in config.py."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from quizapp.config import Config

_local_zone = ZoneInfo(Config.TIMEZONE)


def use_timezone(name: str) -> ZoneInfo:
    """Make `name` (an IANA zone name) the local zone; returns it."""
    global _local_zone
    _local_zone = ZoneInfo(name)
    return _local_zone


def local_zone() -> ZoneInfo:
    """The local time zone (the TIMEZONE setting)."""
    return _local_zone


def utcnow() -> datetime:
    """Current time as a naive UTC datetime (the form stored in the database)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_local(value: datetime | None) -> datetime | None:
    """Convert a stored naive-UTC datetime to local (Vietnam) time, aware."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc).astimezone(_local_zone)


def local_to_utc(value: datetime) -> datetime:
    """Convert a naive local (Vietnam) datetime, as typed in a form, to naive UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=_local_zone)
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def today_local() -> date:
    """Today's date in the local zone (Vietnam)."""
    return datetime.now(_local_zone).date()
