"""Dated history of a person (party status, exemption) and the rule that closed rounds stay closed.

Party status and exemption (miễn công tác và sinh hoạt đảng) are dated periods, like cell
memberships: reports read them as of a round's session date (rules.party_status_on and
rules.exempt_on). Person.party_status / exempt / exempt_reason hold only today's value.

A change takes effect from a date and replaces everything from that date on. A change to
status, exemption or membership whose date falls on or before the session date of a closed
round (quiz closed and no make-up open, or a document issued) that includes the person is
refused; committee staff over the person's cells, or an admin, may make it with a reason,
which is audited with the values before and after.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, exists, func, select

from quizapp import permissions
from quizapp.clock import today_local, utcnow
from quizapp.extensions import db
from quizapp.models import (
    Exemption,
    IssuedReport,
    Membership,
    Org,
    PartyStatus,
    PartyStatusPeriod,
    Person,
    StudyRound,
)
from quizapp.services.exceptions import InvalidInput
from quizapp.vn import format_date, nfc

OVERRIDE_REASON_MAX = 300
EARLY = date(1945, 1, 1)  # start of periods for people with no membership (as in the migration)


class ClosedRoundChange(InvalidInput):
    """A dated change reaches back into closed rounds; `rounds` names them, `may_override` says whether
    the actor may make it (permissions.may_override_closed_round)."""

    def __init__(self, message: str, *, rounds: list[StudyRound], may_override: bool):
        super().__init__(message, details=[f"{r.title} ({format_date(r.session_date)})" for r in rounds])
        self.rounds = rounds
        self.may_override = may_override


@dataclass
class Period:
    """One line of a person's dated history, for the person page (the template words it)."""

    kind: str  # status | exemption
    value: str  # the status label, or the exemption's reason
    start_date: date
    end_date: date | None


# ---------------------------------------------------------------- reading the history

def status_periods(person: Person) -> list[PartyStatusPeriod]:
    """The person's party status periods, newest first."""
    return list(db.session.scalars(
        select(PartyStatusPeriod).where(PartyStatusPeriod.person_id == person.id)
        .order_by(PartyStatusPeriod.start_date.desc(), PartyStatusPeriod.id.desc())
    ))


def exemption_periods(person: Person) -> list[Exemption]:
    """The person's exemption periods, newest first."""
    return list(db.session.scalars(
        select(Exemption).where(Exemption.person_id == person.id)
        .order_by(Exemption.start_date.desc(), Exemption.id.desc())
    ))


def status_on(person: Person, on: date) -> str:
    """The person's party status on a date (same rule as rules.party_status_on)."""
    periods = status_periods(person)
    for p in periods:
        if p.start_date <= on:
            return p.party_status
    return periods[-1].party_status if periods else person.party_status


def exempt_on(person: Person, on: date) -> bool:
    """True when an exemption period covers the date (same rule as rules.exempt_on)."""
    return any(e.start_date <= on and (e.end_date is None or e.end_date >= on) for e in exemption_periods(person))


# ---------------------------------------------------------------- writing the history

def seed_history(person: Person, start: date) -> None:
    """Open periods from `start` for the person's current status and exemption (a new person); caller commits."""
    db.session.add(PartyStatusPeriod(person_id=person.id, party_status=person.party_status or PartyStatus.CHINH_THUC,
                                     start_date=start))
    if person.exempt:
        db.session.add(Exemption(person_id=person.id, reason=person.exempt_reason, start_date=start))


def seed_rows(person_id: int, values: dict, start: date) -> tuple[dict, dict | None]:
    """Insert-ready rows (status, exemption or None) for a person created in bulk."""
    status = {"person_id": person_id, "party_status": values.get("party_status") or PartyStatus.CHINH_THUC,
              "start_date": start, "end_date": None}
    exemption = ({"person_id": person_id, "reason": values.get("exempt_reason"), "start_date": start,
                  "end_date": None} if values.get("exempt") else None)
    return status, exemption


def _cut_from(model, person_id: int, on: date) -> None:
    """Drop periods starting on/after `on` and end the one covering `on` the day before."""
    db.session.execute(delete(model).where(model.person_id == person_id, model.start_date >= on)
                       .execution_options(synchronize_session="fetch"))
    for p in db.session.scalars(select(model).where(
            model.person_id == person_id, model.start_date < on,
            (model.end_date.is_(None)) | (model.end_date >= on))):
        p.end_date = on - timedelta(days=1)


def _earliest_start(person: Person) -> date:
    first = db.session.scalar(select(func.min(Membership.start_date)).where(Membership.person_id == person.id))
    return first or EARLY


def set_party_status(person: Person, status: str, on: date) -> None:
    """From `on`, the person's party status is `status` (later periods are replaced); caller commits."""
    if not db.session.scalar(select(exists().where(PartyStatusPeriod.person_id == person.id))):
        # No history yet: what was stored so far held from the start, so the past keeps it.
        start = min(_earliest_start(person), on)
        if start < on:
            db.session.add(PartyStatusPeriod(person_id=person.id, party_status=person.party_status, start_date=start))
            db.session.flush()
    _cut_from(PartyStatusPeriod, person.id, on)
    db.session.add(PartyStatusPeriod(person_id=person.id, party_status=status, start_date=on))
    person.party_status = status


def set_exemption(person: Person, exempt: bool, reason: str | None, on: date) -> None:
    """From `on`, the person is (or is no longer) exempt; a reason-only edit keeps the dates; caller commits."""
    current = db.session.scalar(select(Exemption).where(
        Exemption.person_id == person.id, Exemption.start_date <= on,
        (Exemption.end_date.is_(None)) | (Exemption.end_date >= on)))
    if exempt and person.exempt and current is not None and current.end_date is None:
        current.reason = reason  # still exempt: only the reason text changes
    else:
        _cut_from(Exemption, person.id, on)
        if exempt:
            db.session.add(Exemption(person_id=person.id, reason=reason, start_date=on))
    person.exempt = bool(exempt)
    person.exempt_reason = reason if exempt else None


# ---------------------------------------------------------------- closed rounds stay closed

def round_is_closed(rnd: StudyRound) -> bool:
    """A document was issued for the round, or its quiz (and every make-up window) has closed."""
    if db.session.scalar(select(exists().where(IssuedReport.round_id == rnd.id))):
        return True
    if rnd.quiz is None:
        return rnd.session_date < today_local()
    from quizapp.services.attempt_view import release_time

    return utcnow() >= release_time(rnd.quiz)


def _paths(rnd: StudyRound) -> list[str]:
    return [ro.org.path for ro in rnd.orgs]


def _cell_on(person: Person | None, on: date) -> Org | None:
    membership = person.current_membership(on) if person is not None else None  # loaded memberships, no query
    return membership.org if membership else None


def closed_rounds_from(on: date) -> list[StudyRound]:
    """Closed rounds (or rounds with an issued document) whose session date is on or after `on`."""
    return [r for r in db.session.scalars(select(StudyRound).where(StudyRound.session_date >= on)
                                          .order_by(StudyRound.session_date, StudyRound.id))
            if round_is_closed(r)]


def rounds_reached(person: Person | None, rounds: list[StudyRound],
                   new_org: Org | None = None) -> list[tuple[StudyRound, list[Org]]]:
    """Of `rounds`, those that include the person on their session date (or would, in `new_org`), with the cells."""
    out = []
    for rnd in rounds:
        paths = _paths(rnd)
        cells = [c for c in (_cell_on(person, rnd.session_date), new_org)
                 if c is not None and permissions.within(c.path, paths)]
        if cells:
            out.append((rnd, cells))
    return out


def check_closed_rounds(person: Person | None, actor: Person | None, on: date, override_reason: str | None = None,
                        new_org: Org | None = None, *,
                        candidates: list[StudyRound] | None = None) -> tuple[list[int], str | None]:
    """Refuse a change from `on` that reaches a closed round, unless staff/admin give a reason.

    `person` None is someone new (joining `new_org`). `candidates` lets a caller that checks many
    people (roster import) look the closed rounds up once. Returns (ids of the closed rounds
    overridden, the cleaned reason) for the audit log.
    """
    if candidates is None:
        candidates = closed_rounds_from(on)
    else:
        candidates = [r for r in candidates if r.session_date >= on]
    reached = rounds_reached(person, candidates, new_org) if candidates else []
    if not reached:
        return [], None
    rounds = [r for r, _ in reached]
    allowed = permissions.may_override_closed_round(actor, [c for _, cells in reached for c in cells])
    reason = nfc(override_reason)[:OVERRIDE_REASON_MAX] or None
    if allowed and reason:
        return [r.id for r in rounds], reason
    names = "; ".join(f"“{r.title}” (ngày {format_date(r.session_date)})" for r in rounds)
    message = (f"Thay đổi có hiệu lực từ ngày {format_date(on)} làm thay đổi số liệu của đợt học tập đã kết thúc "
               f"hoặc đã ban hành báo cáo: {names}. ")
    if allowed:
        message += "Nếu thật sự cần điều chỉnh, hãy ghi lý do điều chỉnh (được lưu vào nhật ký)."
    else:
        message += ("Hãy chọn ngày có hiệu lực sau các đợt đó; chỉ cán bộ văn phòng cấp ủy hoặc quản trị hệ thống "
                    "mới được điều chỉnh, kèm lý do.")
    raise ClosedRoundChange(message, rounds=rounds, may_override=allowed)


def check_effective_date(on: date | None) -> date:
    """The effective date of a change: today by default, never in the future."""
    on = on or today_local()
    if on > today_local():
        raise InvalidInput("Ngày có hiệu lực không được ở tương lai.")
    if on.year < 1930:
        raise InvalidInput("Ngày có hiệu lực không hợp lệ.")
    return on


def history(person: Person) -> list[Period]:
    """Status and exemption periods of a person, newest first (for the person page)."""
    from quizapp.models import PARTY_STATUSES

    out = [Period("status", PARTY_STATUSES.get(p.party_status, p.party_status), p.start_date, p.end_date)
           for p in status_periods(person)]
    out += [Period("exemption", e.reason or "", e.start_date, e.end_date) for e in exemption_periods(person)]
    out.sort(key=lambda p: p.start_date, reverse=True)
    return out
