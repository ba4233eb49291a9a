"""Absence reasons for a whole cell at once: one table, one Save, one transaction, errors per row.

Only members who count and have not started are listed: someone with an attempt in progress is
not absent. A row left without a reason clears a reason recorded earlier.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from quizapp import permissions
from quizapp.clock import utcnow
from quizapp.database import begin_write
from quizapp.extensions import db
from quizapp.models import ABSENCE_REASONS, Absence, AuditLog, Org, Person, StudyRound
from quizapp.services import participation
from quizapp.services.exceptions import InvalidInput, NotFound
from quizapp.vn import nfc

MAX_TEXT = 300


@dataclass
class AbsenceRow:
    """What the form sent for one person."""

    person_id: int
    reason_code: str = ""
    reason_text: str = ""
    excused: bool = True


def absent_statuses(rnd: StudyRound, org: Org) -> list[participation.MemberStatus]:
    """Members of the org who count and have not started (in progress is never an absence)."""
    return [s for s in participation.member_statuses(rnd, org) if s.required and s.state == "not_started"]


def _check(row: AbsenceRow) -> str | None:
    """The row's error in Vietnamese, or None."""
    text = nfc(row.reason_text)
    if not row.reason_code:
        return "Vui lòng chọn lý do vắng mặt." if text else None
    if row.reason_code not in ABSENCE_REASONS:
        return "Vui lòng chọn lý do vắng mặt."
    if len(text) > MAX_TEXT:
        return f"Lý do tối đa {MAX_TEXT} ký tự."
    if row.reason_code == "khac" and not text:
        return "Vui lòng ghi rõ lý do khác."
    return None


def save_absences(rnd: StudyRound, org: Org, rows: list[AbsenceRow], actor: Person) -> int:
    """Check every row, then write them all in one transaction; returns how many records changed.

    Raises NotFound for a person not listed (outside the org, the actor's scope, or not absent), and
    InvalidInput with details {person_id: message} when any row is wrong — then nothing is written.
    """
    begin_write()
    listed = {s.person.id: s for s in absent_statuses(rnd, org)}
    for row in rows:
        status = listed.get(row.person_id)
        if status is None or not permissions.can_manage_org(status.cell, actor):
            raise NotFound("Không tìm thấy đảng viên này trong đợt học tập.")
    if all(not row.reason_code and not nfc(row.reason_text) and listed[row.person_id].absence is None for row in rows):
        raise InvalidInput("Chưa chọn lý do vắng cho đồng chí nào.")
    errors = {row.person_id: msg for row in rows if (msg := _check(row))}
    if errors:
        raise InvalidInput("Chưa lưu: có dòng cần sửa (xem thông báo ở từng dòng). Chưa dòng nào được lưu.",
                           details=errors)
    changed = 0
    now = utcnow()
    for row in rows:
        current = listed[row.person_id].absence
        text = nfc(row.reason_text) or None
        if not row.reason_code:
            if current is not None:
                db.session.delete(current)
                db.session.add(AuditLog(actor_id=actor.id, action="absence.clear", target_type="person",
                                        target_id=row.person_id, details={"round_id": rnd.id}))
                changed += 1
            continue
        if current is not None and (current.reason_code, current.reason_text, current.excused) == (
                row.reason_code, text, row.excused):
            continue  # unchanged: no new audit entry
        absence = current or db.session.scalar(
            select(Absence).where(Absence.round_id == rnd.id, Absence.person_id == row.person_id))
        if absence is None:
            absence = Absence(round_id=rnd.id, person_id=row.person_id)
            db.session.add(absence)
        absence.reason_code, absence.reason_text, absence.excused = row.reason_code, text, row.excused
        absence.recorded_by_id, absence.recorded_at = actor.id, now
        db.session.add(AuditLog(actor_id=actor.id, action="absence.record", target_type="person",
                                target_id=row.person_id, details={"round_id": rnd.id, "reason": row.reason_code,
                                                                  "excused": row.excused}))
        changed += 1
    db.session.commit()
    return changed
