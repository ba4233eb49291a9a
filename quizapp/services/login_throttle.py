"""Login throttling by progressive delay: guessing is slowed, a correct password is never locked out.

Three counters live in the login_throttle table, so every worker agrees:

- ``pair:CODE@ADDR`` — failures on one member code from one address. After ``free_per_pair``
  failures, each further failure starts a delay that doubles (base, 2 x base, ... up to ``max``).
- ``acct:CODE`` — failures on the code from every address together; the same delay after
  ``free_per_account`` failures (a guessing attack spread over many addresses).
- ``ip:ADDR`` — failures (never successes) from one address in a window. Past the generous
  ``address_budget``, a code that fails from that address gets no free failures there any more.

During a delay a try is answered "thử lại sau N giây" without checking the password, and it is
not counted, so hammering cannot lengthen anything. Other codes are never affected: a study hall
behind one address keeps logging in while someone there mistypes or guesses. A counter is
forgotten after ``memory`` seconds without a failure; a success clears the code's overall counter
and its counter at that address.
Unknown codes are counted like real ones, so delays never reveal which codes exist.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from quizapp.extensions import db
from quizapp.models import LoginThrottle


@dataclass(frozen=True)
class ThrottlePolicy:
    """The throttling settings; the defaults live in config.py (LOGIN_*), described in the README."""

    free_per_pair: int
    free_per_account: int
    base_seconds: float
    max_seconds: float
    memory_seconds: float
    address_budget: int

    @classmethod
    def from_config(cls, cfg) -> "ThrottlePolicy":
        """The policy from a Flask config mapping."""
        return cls(
            free_per_pair=int(cfg["LOGIN_FREE_FAILURES"]),
            free_per_account=int(cfg["LOGIN_FREE_FAILURES_PER_ACCOUNT"]),
            base_seconds=float(cfg["LOGIN_BACKOFF_BASE_SECONDS"]),
            max_seconds=float(cfg["LOGIN_BACKOFF_MAX_SECONDS"]),
            memory_seconds=float(cfg["LOGIN_FAILURE_MEMORY_SECONDS"]),
            address_budget=int(cfg["LOGIN_ADDRESS_FAILURE_BUDGET"]),
        )

    def delay(self, failures: int, free: int) -> float:
        """Seconds of delay after the given number of failures (0 while still free)."""
        over = failures - free
        if over <= 0:
            return 0.0
        return min(self.base_seconds * 2 ** min(over - 1, 40), self.max_seconds)


def account_key(code: str) -> str:
    """The counter of a member code over every address."""
    return f"acct:{code}"[:120]


def pair_key(code: str, address: str) -> str:
    """The counter of a member code from one address."""
    return f"pair:{code}@{address}"[:120]


def address_key(address: str) -> str:
    """The failure budget of one address."""
    return f"ip:{address}"[:120]


def retry_after(code: str, address: str, now: datetime) -> int:
    """Whole seconds until this code may be tried again from this address (0: try now)."""
    keys = [account_key(code), pair_key(code, address)]
    ends = db.session.scalars(select(LoginThrottle.retry_at).where(LoginThrottle.key.in_(keys))).all()
    wait = max(((end - now).total_seconds() for end in ends if end is not None), default=0.0)
    return math.ceil(wait) if wait > 0 else 0


def _locked_row(key: str, now: datetime) -> LoginThrottle:
    """The counter row, created if missing, locked for this write transaction (no lost updates)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(LoginThrottle).values(key=key, failures=0, window_start=now)
                       .on_conflict_do_nothing(index_elements=["key"]))
    return db.session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)


def _count(row: LoginThrottle, now: datetime, policy: ThrottlePolicy, free: int) -> None:
    """One more failure on a code counter; a delay starts once the free failures are used."""
    if row.last_failure_at is None or (now - row.last_failure_at).total_seconds() > policy.memory_seconds:
        row.failures, row.window_start = 0, now
    row.failures = (row.failures or 0) + 1
    row.last_failure_at = now
    seconds = policy.delay(row.failures, free)
    row.retry_at = now + timedelta(seconds=seconds) if seconds else None


def record_failure(code: str, address: str, now: datetime, policy: ThrottlePolicy) -> None:
    """Count a failed password on a code from an address; the caller began the write and commits."""
    budget = _locked_row(address_key(address), now)
    if (now - budget.window_start).total_seconds() > policy.memory_seconds:
        budget.failures, budget.window_start = 0, now
        _prune(now, policy, keep=budget.key)
    budget.failures = (budget.failures or 0) + 1
    budget.last_failure_at = now
    over_budget = budget.failures > policy.address_budget
    _count(_locked_row(pair_key(code, address), now), now, policy, 0 if over_budget else policy.free_per_pair)
    _count(_locked_row(account_key(code), now), now, policy, policy.free_per_account)


def _prune(now: datetime, policy: ThrottlePolicy, keep: str) -> None:
    """Drop counters that are already forgotten (no recent failure, no delay running), so codes
    sprayed once do not pile up; run when an address starts a new budget window."""
    cutoff = now - timedelta(seconds=policy.memory_seconds)
    db.session.execute(delete(LoginThrottle).where(
        LoginThrottle.key != keep,
        LoginThrottle.last_failure_at < cutoff,
        (LoginThrottle.retry_at.is_(None)) | (LoginThrottle.retry_at < now),
    ).execution_options(synchronize_session=False))


def succeeded(code: str, address: str) -> None:
    """A correct password: clear the code's overall counter and its counter at this address (two
    key lookups on the login hot path); other addresses' counters on the code are left to fade.
    The caller commits."""
    db.session.execute(delete(LoginThrottle).where(
        LoginThrottle.key.in_([account_key(code), pair_key(code, address)])))


def forget(codes: list[str]) -> None:
    """Clear every counter of these codes (a new password was issued); the caller commits."""
    for code in codes:
        db.session.execute(delete(LoginThrottle).where(
            (LoginThrottle.key == account_key(code))
            | LoginThrottle.key.startswith(f"pair:{code}@", autoescape=True)
        ))
