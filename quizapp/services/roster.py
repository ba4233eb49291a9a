"""Roster import: validate every row, then create or update people and their cell memberships.

One unit of work: every bad row is reported with its row number and nothing is written unless
all rows are good. People are matched by member code; a changed cell closes the old membership
(the day before the change) and opens a new one, so past rounds keep the old cell.

An import obeys exactly the rules of the person page: nobody changes a person holding a role
above their own (permissions.require_admin_of); status, exemption and cell changes are
dated (the "Ngày hiệu lực" column, else the import's date) and may not reach into a closed
round unless committee staff or an admin give a reason (services/history.check_closed_rounds).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from openpyxl.utils.datetime import from_excel
from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from quizapp import permissions
from quizapp.clock import today_local
from quizapp.database import begin_write
from quizapp.extensions import db
from quizapp.models import (
    AuditLog,
    Exemption,
    Membership,
    Org,
    PartyStatus,
    PartyStatusPeriod,
    Person,
    PersonState,
)
from quizapp.services import history
from quizapp.services.exceptions import DomainError, InvalidInput
from quizapp.services.roster_files import RawTable, read_table
from quizapp.vn import name_sort_key, nfc, strip_diacritics, symbols_in_name

CODE_MAX, NAME_MAX, PHONE_MAX, EMAIL_MAX, REASON_MAX = 40, 120, 30, 120, 200
_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._/-]*$")
_PHONE_RE = re.compile(r"^[0-9+][0-9 .()+-]*$")
_DATE_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
STATUS_WORDS = {
    "chinh thuc": PartyStatus.CHINH_THUC, "du bi": PartyStatus.DU_BI,
    "khong phai dang vien": PartyStatus.NGOAI_DANG, "ngoai dang": PartyStatus.NGOAI_DANG, "quan chung": PartyStatus.NGOAI_DANG,
}
YES = {"co", "x", "1", "true", "yes", "c"}
NO = {"khong", "0", "false", "no", "k"}
ACTION_LABELS = {"created": "Thêm mới", "moved": "Chuyển chi bộ", "updated": "Cập nhật", "unchanged": "Không đổi"}


@dataclass
class RowChange:
    """One row of the preview: what the import does (or would do) to one person."""

    row: int
    member_code: str
    full_name: str
    org_code: str
    action: str  # created | moved | updated | unchanged
    changes: list[str] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        """Vietnamese label of the action."""
        return ACTION_LABELS[self.action]


@dataclass
class ImportResult:
    """Counts and a per-row preview; `dry_run` means nothing was written."""

    dry_run: bool
    rows: list[RowChange]
    created: int = 0
    updated: int = 0
    moved: int = 0
    unchanged: int = 0
    filename: str = ""


@dataclass
class _Row:
    number: int
    values: dict
    org: Org | None = None


def _text(value) -> str:
    """A cell as NFC text; Excel numbers like 93012345.0 lose the '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value))


def _parse_date(value, today: date) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value <= 80000:
            raise ValueError
        result = from_excel(value).date()
    else:
        match = _DATE_RE.match(_text(value))
        if not match:
            raise ValueError
        day, month, year = (int(g) for g in match.groups())
        result = date(year, month, day)
    if result.year < 1900 or result > today:
        raise ValueError
    return result


def _parse_row(number: int, table: RawTable, raw: list, today: date, errors: list[dict],
               seen: dict[str, int]) -> _Row | None:
    """Check one row's own values; append row-numbered errors; None if the row is bad."""
    bad: list[str] = []
    get = lambda f: table.value(raw, f)  # noqa: E731
    values: dict = {}

    name = _text(get("full_name"))
    if not name:
        bad.append("thiếu họ và tên")
    elif len(name) > NAME_MAX:
        bad.append(f"họ và tên dài quá {NAME_MAX} ký tự")
    elif symbols_in_name(name):
        bad.append("họ và tên có ký tự không in được trên văn bản (biểu tượng cảm xúc, ký hiệu): "
                   + " ".join(symbols_in_name(name)))
    values["full_name"] = name

    code = _text(get("member_code")).replace(" ", "").upper()
    if not code:
        bad.append("thiếu số thẻ đảng viên")
    elif len(code) > CODE_MAX:
        bad.append(f"số thẻ đảng viên dài quá {CODE_MAX} ký tự")
    elif not _CODE_RE.match(code):
        bad.append(f"số thẻ đảng viên “{code}” chỉ được gồm chữ số, chữ cái không dấu và . - _ /")
    elif code in seen:
        bad.append(f"số thẻ đảng viên {code} trùng với dòng {seen[code]}")
    else:
        seen[code] = number
    values["member_code"] = code

    if "date_of_birth" in table.columns:
        try:
            values["date_of_birth"] = _parse_date(get("date_of_birth"), today)
        except (ValueError, OverflowError):
            bad.append(f"ngày sinh “{_text(get('date_of_birth'))}” không hợp lệ (cần dạng dd/mm/yyyy)")

    if "phone" in table.columns:
        raw_phone = get("phone")
        phone = _text(raw_phone)
        if isinstance(raw_phone, (int, float)) and len(phone) == 9:
            phone = "0" + phone  # Excel drops the leading zero of 09xx numbers
        if phone and (len(phone) > PHONE_MAX or not _PHONE_RE.match(phone)):
            bad.append(f"số điện thoại “{phone[:40]}” không hợp lệ")
        values["phone"] = phone or None

    if "email" in table.columns:
        email = _text(get("email"))
        if email:
            try:
                email = validate_email(email, check_deliverability=False).normalized
                if len(email) > EMAIL_MAX:
                    raise EmailNotValidError("too long")
            except EmailNotValidError:
                bad.append(f"email “{email[:60]}” không hợp lệ")
        values["email"] = email or None

    if "party_status" in table.columns:
        status_text = _text(get("party_status"))
        status = STATUS_WORDS.get(strip_diacritics(status_text).lower()) if status_text else None
        if status_text and status is None:
            bad.append(f"tình trạng “{status_text[:40]}” không hợp lệ (Chính thức / Dự bị / Không phải đảng viên)")
        values["party_status"] = status

    if "exempt" in table.columns:
        word = strip_diacritics(_text(get("exempt"))).lower()
        exempt = True if word in YES else False if word in NO else None
        if word and exempt is None:
            bad.append(f"miễn sinh hoạt “{_text(get('exempt'))[:20]}” không hợp lệ (Có / Không)")
        values["exempt"] = exempt
    if "exempt_reason" in table.columns:
        reason = _text(get("exempt_reason"))
        if len(reason) > REASON_MAX:
            bad.append(f"lý do miễn dài quá {REASON_MAX} ký tự")
        values["exempt_reason"] = reason or None

    values["effective_date"] = None
    if "effective_date" in table.columns:
        try:
            values["effective_date"] = _parse_date(get("effective_date"), today)
        except (ValueError, OverflowError):
            bad.append(f"ngày hiệu lực “{_text(get('effective_date'))[:20]}” không hợp lệ (dd/mm/yyyy, không sau hôm nay)")

    values["org_code"] = _text(get("org_code")).upper() if "org_code" in table.columns else ""
    if bad:
        message = "; ".join(bad)
        errors.append({"row": number, "message": message[:1].upper() + message[1:] + "."})
        return None
    return _Row(number, values)


def _in_scope(path: str, scope: list[str] | None) -> bool:
    return scope is None or permissions.within(path, scope)


def _resolve(rows: list[_Row], scope: list[str] | None, default_org: Org | None, errors: list[dict],
             today: date) -> dict[str, Person]:
    """Check cells and existing people against the database; returns code -> existing person."""
    codes = {r.values["org_code"] for r in rows if r.values["org_code"]}
    orgs = {o.code: o for o in db.session.scalars(select(Org).where(Org.code.in_(codes)))} if codes else {}
    members = [r.values["member_code"] for r in rows]
    existing: dict[str, Person] = {}
    for start in range(0, len(members), 500):
        chunk = members[start:start + 500]
        stmt = (select(Person).where(Person.member_code.in_(chunk))
                .options(selectinload(Person.memberships).joinedload(Membership.org)))
        existing.update({p.member_code: p for p in db.session.scalars(stmt)})
    for row in rows:
        code = row.values["org_code"]
        org = orgs.get(code) if code else default_org
        if code and (org is None or not _in_scope(org.path, scope)):
            errors.append({"row": row.number, "message": f"Mã chi bộ “{code[:40]}” không có hoặc không thuộc phạm vi quản lý của bạn."})
            continue
        if org is None:
            errors.append({"row": row.number, "message": "Thiếu mã chi bộ (cột “Mã chi bộ”)."})
            continue
        if not org.is_cell:
            errors.append({"row": row.number, "message": f"“{org.code}” là {org.kind_label.lower()}, không phải chi bộ."})
            continue
        person = existing.get(row.values["member_code"])
        if person is not None and scope is not None:
            current = person.current_membership(today)
            if current is None or not _in_scope(current.org.path, scope):
                errors.append({"row": row.number, "message": (
                    f"Số thẻ đảng viên {row.values['member_code']} đã thuộc một người ngoài phạm vi quản lý của bạn; "
                    "đề nghị cấp ủy cấp trên chuyển sinh hoạt.")})
                continue
        row.org = org
    return existing


FIELD_LABELS = {
    "full_name": "họ tên", "date_of_birth": "ngày sinh", "phone": "điện thoại", "email": "email",
    "party_status": "tình trạng", "exempt": "miễn sinh hoạt", "exempt_reason": "lý do miễn",
}


def _new_person(row: _Row) -> dict:
    """Column values of a person created by the import (no password until a slip is printed)."""
    v = row.values
    exempt = bool(v.get("exempt"))
    name = nfc(v["full_name"])
    return {"member_code": v["member_code"], "full_name": name, "name_key": name_sort_key(name),
            "date_of_birth": v.get("date_of_birth"), "phone": v.get("phone"), "email": v.get("email"),
            "party_status": v.get("party_status") or PartyStatus.CHINH_THUC, "exempt": exempt,
            "exempt_reason": v.get("exempt_reason") if exempt else None, "state": PersonState.ACTIVE,
            "password_hash": None, "must_change_password": True}


def _insert_new(new_rows: list[_Row], today: date) -> None:
    """Insert new people, their memberships and dated status/exemption as batched statements."""
    if not new_rows:
        return
    people = [_new_person(r) for r in new_rows]
    ids = db.session.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), people).all()
    starts = [r.values.get("effective_date") or today for r in new_rows]
    db.session.execute(insert(Membership), [{"person_id": pid, "org_id": r.org.id, "start_date": on}
                                            for pid, r, on in zip(ids, new_rows, starts)])
    seeded = [history.seed_rows(pid, values, on) for pid, values, on in zip(ids, people, starts)]
    db.session.execute(insert(PartyStatusPeriod), [st for st, _ in seeded])
    exemptions = [ex for _, ex in seeded if ex is not None]
    if exemptions:
        db.session.execute(insert(Exemption), exemptions)


@dataclass
class _Plan:
    """What one row of an existing person changes, worked out before anything is written."""

    change: RowChange
    wanted: dict
    current: Membership | None
    moving: bool
    status_change: bool
    exempt_change: bool


def _plan(row: _Row, person: Person | None, today: date) -> _Plan:
    """Describe what a row changes (nothing written)."""
    v = row.values
    change = RowChange(row.number, v["member_code"], v["full_name"], row.org.code, "unchanged")
    if person is None:
        change.action = "created"
        return _Plan(change, {}, None, False, False, False)
    wanted = {f: v[f] for f in ("full_name", "date_of_birth", "phone", "email", "party_status", "exempt", "exempt_reason")
              if v.get(f) is not None}  # an empty cell keeps what is stored
    if v.get("exempt") is False:
        wanted["exempt_reason"] = None
    wanted = {f: new for f, new in wanted.items() if getattr(person, f) != new}
    if not wanted.get("exempt", person.exempt):
        wanted.pop("exempt_reason", None)  # a reason means nothing without the exemption
    change.changes = [FIELD_LABELS[f] for f in wanted]
    current = person.current_membership(today)
    moving = current is None or current.org_id != row.org.id
    if moving:
        change.action = "moved"
        change.changes.append(f"chi bộ {current.org.code if current else '—'} → {row.org.code}")
    elif change.changes:
        change.action = "updated"
    return _Plan(change, wanted, current, moving, "party_status" in wanted, "exempt" in wanted)


def _check_rules(rows: list[_Row], existing: dict[str, Person], actor: Person | None, today: date,
                 override_reason: str | None, errors: list[dict]) -> tuple[dict[int, _Plan], list[int]]:
    """The person page's rules, row by row: rank, dates and closed rounds; returns plans and overridden rounds."""
    plans: dict[int, _Plan] = {}
    overridden: set[int] = set()
    candidates: dict[date, list] = {}
    ranks = permissions.role_ranks([p.id for p in existing.values()]) if actor is not None else {}
    for row in rows:
        if row.org is None:
            continue
        person = existing.get(row.values["member_code"])
        plan = _plan(row, person, today)
        on = row.values.get("effective_date") or today
        try:
            if person is not None and plan.change.action != "unchanged" and actor is not None:
                permissions.require_admin_of(actor, person, target_rank=ranks.get(person.id, 0))
            if plan.moving and plan.current is not None and on < plan.current.start_date:
                raise InvalidInput(f"Ngày hiệu lực {on.strftime('%d/%m/%Y')} trước ngày bắt đầu sinh hoạt ở chi bộ hiện tại.")
            if person is None or plan.moving or plan.status_change or plan.exempt_change:
                if on not in candidates:
                    candidates[on] = history.closed_rounds_from(on)
                ids, _ = history.check_closed_rounds(
                    person, actor, on, override_reason, new_org=row.org if (person is None or plan.moving) else None,
                    candidates=candidates[on])
                overridden.update(ids)
        except DomainError as exc:
            who = f"{row.values['member_code']} ({row.values['full_name']})"
            errors.append({"row": row.number, "message": f"Số thẻ {who}: {exc.message}"})
            continue
        plans[row.number] = plan
    return plans, sorted(overridden)


def _write(row: _Row, person: Person, plan: _Plan, today: date) -> None:
    """Apply one existing person's planned changes, dated from the row's effective date."""
    on = row.values.get("effective_date") or today
    for f, new in plan.wanted.items():
        if f == "full_name":
            person.set_name(new)
        elif f not in ("party_status", "exempt", "exempt_reason"):
            setattr(person, f, new)
    if plan.status_change:
        history.set_party_status(person, plan.wanted["party_status"], on)
    if plan.exempt_change or "exempt_reason" in plan.wanted:  # a reason alone only edits the open exemption
        exempt = plan.wanted.get("exempt", person.exempt)
        reason = plan.wanted.get("exempt_reason", person.exempt_reason) if exempt else None
        history.set_exemption(person, exempt, reason, on)
    if plan.moving:
        move_membership(person, row.org, on, plan.current)


def move_membership(person: Person, org: Org, on: date, current: Membership | None = None) -> Membership:
    """Close the open membership the day before `on` and open one in `org` from `on`; the caller commits."""
    current = current if current is not None else person.current_membership(on)
    if current is not None and current.start_date >= on:
        current.org_id = org.id  # opened today: nothing in the past refers to it yet
        return current
    if current is not None:
        current.end_date = on - timedelta(days=1)
    membership = Membership(person_id=person.id, org_id=org.id, start_date=on)
    db.session.add(membership)
    person.memberships.append(membership)
    return membership


def import_roster(filename: str, data: bytes, *, scope: list[str] | None, default_org: Org | None,
                  actor: Person | None, dry_run: bool = True, today: date | None = None,
                  override_reason: str | None = None) -> ImportResult:
    """Validate a roster file and (unless dry_run) apply it in one transaction; InvalidInput lists every bad row.

    `override_reason` lets committee staff or an admin date changes into closed rounds (audited).
    """
    cfg = current_app.config
    table = read_table(filename, data, max_bytes=cfg["MAX_CONTENT_LENGTH"], max_rows=cfg["IMPORT_MAX_ROWS"],
                       max_uncompressed=cfg["XLSX_MAX_UNCOMPRESSED"])
    today = today or today_local()
    errors: list[dict] = []
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for number, raw in table.rows:
        row = _parse_row(number, table, raw, today, errors, seen)
        if row is not None:
            rows.append(row)
    if not dry_run:
        begin_write()
    existing = _resolve(rows, scope, default_org, errors, today)
    plans, overridden = _check_rules(rows, existing, actor, today, override_reason, errors)
    if errors:
        db.session.rollback()
        errors.sort(key=lambda e: e["row"])
        raise InvalidInput(f"Tệp có {len(errors)} dòng lỗi. Chưa có dữ liệu nào được ghi; hãy sửa và tải lên lại.",
                           details=errors)
    result = ImportResult(dry_run=dry_run, rows=[], filename=filename)
    with db.session.no_autoflush:  # one flush at commit, in batches, instead of one per row
        for row in rows:
            plan = plans[row.number]
            person = existing.get(row.values["member_code"])
            if person is not None and not dry_run and plan.change.action != "unchanged":
                _write(row, person, plan, today)
            result.rows.append(plan.change)
            setattr(result, plan.change.action, getattr(result, plan.change.action) + 1)
    if not dry_run:
        _insert_new([r for r in rows if r.values["member_code"] not in existing], today)
    if dry_run:
        db.session.rollback()
        return result
    db.session.add(AuditLog(actor_id=actor.id if actor else None, action="roster.import", target_type="org",
                            target_id=default_org.id if default_org else None,
                            details={"file": filename[:200], "created": result.created, "updated": result.updated,
                                     "moved": result.moved, "unchanged": result.unchanged,
                                     **({"closed_rounds": overridden, "override_reason": nfc(override_reason)[:300]}
                                        if overridden else {})}))
    db.session.commit()
    return result


def import_file(path: str, org_code: str, *, dry_run: bool = False) -> ImportResult:
    """CLI entry: import a file into the subtree of the org with this code (its default cell if it is a cell)."""
    org = db.session.scalar(select(Org).where(Org.code == nfc(org_code).upper()))
    if org is None:
        raise InvalidInput(f"Không có tổ chức đảng mã “{org_code}”.")
    with open(path, "rb") as fh:
        data = fh.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
    return import_roster(path.rsplit("/", 1)[-1], data, scope=[org.path], default_org=org if org.is_cell else None,
                         actor=None, dry_run=dry_run)


def summary(result: ImportResult) -> str:
    """One line of counts, in Vietnamese."""
    head = "Kiểm tra xong (chưa ghi gì)" if result.dry_run else "Đã nhập"
    return (f"{head}: {result.created} thêm mới, {result.updated} cập nhật, "
            f"{result.moved} chuyển chi bộ, {result.unchanged} không đổi.")
