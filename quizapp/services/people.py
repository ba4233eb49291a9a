"""People in a manager's scope: list and search, edit, transfer between cells, reset a password."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from quizapp import permissions
from quizapp.clock import today_local
from quizapp.database import begin_write
from quizapp.extensions import db
from quizapp.models import (
    PARTY_STATUSES,
    PERSON_STATES,
    AuditLog,
    Membership,
    Org,
    Person,
    PersonState,
    RoleGrant,
)
from quizapp.services import accounts, history
from quizapp.services.exceptions import InvalidInput, NotFound
from quizapp.services.roster import NAME_MAX, PHONE_MAX, REASON_MAX, move_membership
from quizapp.vn import nfc, strip_diacritics, symbols_in_name

EDITABLE = ("full_name", "date_of_birth", "phone", "email", "party_status", "exempt", "exempt_reason", "state")
DATED = ("party_status", "exempt", "exempt_reason")  # kept as dated periods (services/history.py)


@dataclass
class PersonRow:
    """A person as listed: the person and the cell they belong to on the listing date."""

    person: Person
    org: Org


def get_person(person_id: int, caller: Person) -> Person:
    """A person in the caller's scope, else NotFound (a person elsewhere is not revealed)."""
    return permissions.get_person_or_404(person_id, caller)


def _fold(text: str) -> str:
    return strip_diacritics(nfc(text)).lower()


def matches(person: Person, query: str) -> bool:
    """Search by name or code; accents are ignored unless the query itself carries them."""
    query = nfc(query).lower()
    if not query:
        return True
    if query.upper().replace(" ", "") in person.member_code:
        return True
    if _fold(query) != query:  # the query has diacritics: match them exactly
        return query in nfc(person.full_name).lower()
    return query in _fold(person.full_name)


def list_people(caller: Person, *, org: Org | None = None, query: str = "", on: date | None = None) -> list[PersonRow]:
    """People whose cell on the date is in the caller's scope (under `org`), in Vietnamese name order."""
    stmt = permissions.members_in_scope(caller, on, org).add_columns(Org)
    rows = [PersonRow(p, o) for p, o in db.session.execute(stmt)]
    return [r for r in rows if matches(r.person, query)]


def membership_history(person: Person) -> list[Membership]:
    """Every membership of the person, newest first."""
    return list(db.session.scalars(
        select(Membership).where(Membership.person_id == person.id).order_by(Membership.start_date.desc(), Membership.id.desc())
    ))


def person_roles(person: Person) -> list[RoleGrant]:
    """The role grants the person holds."""
    return list(permissions.grants(person))


def _clean(data: dict) -> dict:
    """Validate edited fields; raises InvalidInput listing every problem."""
    out, problems = {}, []
    name = nfc(data.get("full_name"))
    if not name or len(name) > NAME_MAX:
        problems.append(f"Họ và tên không được trống và tối đa {NAME_MAX} ký tự.")
    elif symbols_in_name(name):
        problems.append("Họ và tên có ký tự không in được trên văn bản (biểu tượng cảm xúc, ký hiệu): "
                        + " ".join(symbols_in_name(name)) + ".")
    out["full_name"] = name
    dob = data.get("date_of_birth")
    if dob is not None and (dob.year < 1900 or dob > today_local()):
        problems.append("Ngày sinh không hợp lệ.")
    out["date_of_birth"] = dob
    phone = nfc(data.get("phone")) or None
    if phone and len(phone) > PHONE_MAX:
        problems.append(f"Số điện thoại tối đa {PHONE_MAX} ký tự.")
    out["phone"] = phone
    email = nfc(data.get("email")) or None
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            problems.append("Email không hợp lệ.")
    out["email"] = email
    if data.get("party_status") not in PARTY_STATUSES:
        problems.append("Tình trạng đảng viên không hợp lệ.")
    out["party_status"] = data.get("party_status")
    if data.get("state") not in PERSON_STATES:
        problems.append("Trạng thái sinh hoạt không hợp lệ.")
    out["state"] = data.get("state")
    out["exempt"] = bool(data.get("exempt"))
    reason = nfc(data.get("exempt_reason")) or None
    if reason and len(reason) > REASON_MAX:
        problems.append(f"Lý do miễn tối đa {REASON_MAX} ký tự.")
    out["exempt_reason"] = reason if out["exempt"] else None
    if problems:
        raise InvalidInput(" ".join(problems), details=problems)
    return out


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def update_person(target: Person, actor: Person, data: dict) -> list[str]:
    """Apply an edit (name, dob, phone, email, status, exempt + reason, state); returns changed field names.

    Status and exemption take effect from data["effective_date"] (default today); a date that
    reaches into a closed round needs staff/admin and data["override_reason"].
    """
    permissions.require_admin_of(actor, target)
    values = _clean(data)
    on = history.check_effective_date(data.get("effective_date"))
    begin_write()
    changed = [f for f in EDITABLE if getattr(target, f) != values[f]]
    overridden, reason = [], None
    if target.party_status != values["party_status"] or target.exempt != values["exempt"]:
        try:
            overridden, reason = history.check_closed_rounds(target, actor, on, data.get("override_reason"))
        except InvalidInput:
            db.session.rollback()
            raise
    before = {f: _plain(getattr(target, f)) for f in changed}
    for field_name in changed:
        if field_name == "full_name":
            target.set_name(values[field_name])
        elif field_name not in DATED:
            setattr(target, field_name, values[field_name])
    if "party_status" in changed:
        history.set_party_status(target, values["party_status"], on)
    if "exempt" in changed or "exempt_reason" in changed:
        history.set_exemption(target, values["exempt"], values["exempt_reason"], on)
    if target.state != PersonState.ACTIVE:
        accounts.revoke_sessions(target.id)
    if changed:
        details = {"fields": changed, "before": before, "after": {f: _plain(values[f]) for f in changed}}
        if any(f in DATED for f in changed):
            details["effective"] = on.isoformat()
        if overridden:
            details.update(closed_rounds=overridden, override_reason=reason)
        db.session.add(AuditLog(actor_id=actor.id, action="person.update", target_type="person",
                                target_id=target.id, details=details))
    db.session.commit()
    return changed


def transfer_person(target: Person, actor: Person, org: Org, on: date | None = None,
                    override_reason: str | None = None) -> Membership:
    """Move a person to another cell in scope: the old membership ends the day before `on`.

    A date that reaches into a closed round needs staff/admin and an override reason.
    """
    permissions.require_admin_of(actor, target)
    on = on or today_local()
    if not org.is_cell or not permissions.can_manage_org(org, actor):
        raise NotFound("Không tìm thấy chi bộ này trong phạm vi quản lý của bạn.")
    if on > today_local():
        raise InvalidInput("Ngày chuyển sinh hoạt không được ở tương lai.")
    begin_write()
    current = target.current_membership(on)
    if current is not None and current.org_id == org.id:
        db.session.rollback()
        raise InvalidInput("Người này đang sinh hoạt ở chi bộ đó rồi.")
    if current is not None and on < current.start_date:
        db.session.rollback()
        raise InvalidInput("Ngày chuyển phải sau ngày bắt đầu sinh hoạt ở chi bộ hiện tại.")
    try:
        overridden, reason = history.check_closed_rounds(target, actor, on, override_reason, new_org=org)
    except InvalidInput:
        db.session.rollback()
        raise
    old_org_id = current.org_id if current else None
    membership = move_membership(target, org, on, current)
    details = {"from_org": old_org_id, "to_org": org.id, "on": on.isoformat(),
               "before": {"org": old_org_id}, "after": {"org": org.id}}
    if overridden:
        details.update(closed_rounds=overridden, override_reason=reason)
    db.session.add(AuditLog(actor_id=actor.id, action="person.transfer", target_type="person", target_id=target.id,
                            details=details))
    db.session.commit()
    return membership


def reset_password(target: Person, actor: Person) -> str:
    """Issue a new first password to a person in scope with a role at or below the actor's; returned once."""
    permissions.require_admin_of(actor, target)
    if target.id == actor.id:
        raise InvalidInput("Hãy dùng trang “Đổi mật khẩu” để đổi mật khẩu của chính mình.")
    return accounts.reset_password(target, actor)
