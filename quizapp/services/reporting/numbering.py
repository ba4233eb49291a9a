"""Document numbers (per org, document type and committee term) and issued-report records."""
from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import func, select

from quizapp.clock import today_local, utcnow
from quizapp.extensions import db
from quizapp.models import IssuedReport, Org, Person, StudyRound
from quizapp.services.exceptions import InvalidInput, NotFound
from quizapp.services.reporting.pdf.common import ORG_SUFFIX

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


def register(org: Org, state: bool = False, on: date | None = None) -> str:
    """The register a number belongs to: the committee term (party, HD 36), or the calendar
    year (state, NĐ 30: numbers restart on 1 January in the unit's own register)."""
    if state:
        return f"NĐ30-{(on or today_local()).year}"
    return org.term or ""


def next_number(org: Org, doc_type: str = "BC", *, state: bool = False, on: date | None = None) -> int:
    """Next free number in the register: party — (org, doc_type, org.term); state — (org, doc_type, year of `on`)."""
    current = db.session.scalar(
        select(func.max(IssuedReport.number)).where(
            IssuedReport.org_id == org.id, IssuedReport.doc_type == doc_type,
            IssuedReport.term == register(org, state, on),
        )
    )
    return int(current or 0) + 1


def number_label(org: Org, number: int, doc_type: str = "BC", state: bool = False) -> str:
    """'05-BC/CB' (party, HD 36) or '12/BC-SKHCN' (state, NĐ 30: the unit's abbreviation)."""
    if state:
        abbr = (org.state_abbr or "").strip().upper() or org.code
        return f"{number:02d}/{doc_type}-{abbr}"
    return f"{number:02d}-{doc_type}/{ORG_SUFFIX.get(org.kind, org.code)}"


def new_verify_code() -> str:
    """A random code printed on the sheet, e.g. 'K7Q2-M9XD-4TPA'."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def reserve(rnd: StudyRound, org: Org, kind: str, number: int | None, issued_on: date, actor: Person | None,
            *, state: bool = False, doc_type: str = "BC") -> IssuedReport:
    """Claim a number and a new verification code for a NEW document (flushes; the caller commits).

    A number is never reused: not for another document, and not for the same round's document
    either (a correction is a new document with its own number). Two issuers racing for one
    number meet the (org, doc_type, term, number) unique constraint at flush.
    """
    term = register(org, state, issued_on)
    number = next_number(org, doc_type, state=state, on=issued_on) if number is None else int(number)
    if number < 1 or number > 9999:
        raise InvalidInput("Số văn bản phải từ 1 đến 9999.")
    existing = db.session.scalar(select(IssuedReport).where(
        IssuedReport.org_id == org.id, IssuedReport.doc_type == doc_type, IssuedReport.term == term,
        IssuedReport.number == number))
    if existing is not None:
        raise InvalidInput(
            f"Số {number:02d} đã cấp cho văn bản {existing.number_label} ngày "
            f"{existing.issued_on.strftime('%d/%m/%Y')} trong nhiệm kỳ {term or 'này'}; một số văn bản không "
            f"dùng lại. Số tiếp theo còn trống là {next_number(org, doc_type):02d}."
        )
    report = IssuedReport(round_id=rnd.id, org_id=org.id, kind=kind, doc_type=doc_type, term=term,
                          number=number, verify_code=_free_verify_code(), state_format=state,
                          number_label=number_label(org, number, doc_type, state), issued_on=issued_on,
                          created_by_id=actor.id if actor else None, created_at=utcnow(), figures={})
    db.session.add(report)
    db.session.flush()
    return report


def _free_verify_code() -> str:
    """A verification code no document holds yet (collisions are astronomically rare; still checked)."""
    for _ in range(20):
        code = new_verify_code()
        if db.session.scalar(select(IssuedReport.id).where(IssuedReport.verify_code == code)) is None:
            return code
    raise RuntimeError("could not find a free verification code")


def find_by_code(code: str) -> IssuedReport:
    """The issued report with this verification code (case and spacing forgiven)."""
    clean = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    if len(clean) != 12:
        raise NotFound("Không tìm thấy văn bản nào có mã xác thực này.")
    formatted = f"{clean[:4]}-{clean[4:8]}-{clean[8:]}"
    report = db.session.scalar(select(IssuedReport).where(IssuedReport.verify_code == formatted))
    if report is None:
        raise NotFound("Không tìm thấy văn bản nào có mã xác thực này.")
    return report
