"""Issued documents that stay true: preview, issue, correct, download and verify.

An issued document is a record. Issuing builds the PDF once, stores its bytes, their SHA-256
and the figures it printed; every later download serves those bytes, and /verify shows those
figures, whatever changes afterwards. A correction is a new document with a new number and a new
code that names the one it replaces. A preview has no number and no code and says DỰ THẢO across
every page. A round whose quiz is still open (or has someone mid-quiz) is not issued at all; one
with essays still to grade or absences without a recorded reason is issued marked TẠM THỜI.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from quizapp import permissions
from quizapp.clock import to_local, today_local, utcnow
from quizapp.database import begin_write
from quizapp.extensions import db
from quizapp.models import (
    Attempt,
    AttemptStatus,
    AuditLog,
    IssuedReport,
    Org,
    Person,
    ReportKind,
    StudyRound,
)
from quizapp.ops.events import log_event
from quizapp.phrases import N_, Phrase
from quizapp.services import participation
from quizapp.services.exceptions import InvalidInput, NotFound
from quizapp.services.reporting import identity, numbering, queries, signing
from quizapp.services.reporting.pdf import common

KINDS = {ReportKind.CELL_SHEET: "Báo cáo kết quả của chi bộ", ReportKind.ROLLUP: "Báo cáo tổng hợp"}
DOC_TYPE = "BC"


@dataclass
class Readiness:
    """Whether a round's figures are final for an org: what blocks issuing, what makes it provisional."""

    # Phrases (quizapp/phrases.py): the Vietnamese sentence as str — what snapshots, audit rows, the
    # CLI and error messages keep — and the page's language when a template shows them.
    blocking: list[Phrase] = field(default_factory=list)
    provisional: list[Phrase] = field(default_factory=list)

    @property
    def issuable(self) -> bool:
        """Nothing blocks issuing a number."""
        return not self.blocking


@dataclass
class IssuePlan:
    """What issuing would produce, shown on the confirmation step before anything is written."""

    kind: str
    number: int
    number_label: str
    issued_on: date
    state: bool
    readiness: Readiness
    replaces: IssuedReport | None
    signed: bool

    @property
    def kind_label(self) -> str:
        """Vietnamese name of the document type."""
        return KINDS[self.kind]


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of the bytes."""
    return hashlib.sha256(data).hexdigest()


def _grace_seconds() -> int:
    try:
        from flask import current_app

        return int(current_app.config["SAVE_GRACE_SECONDS"])
    except RuntimeError:  # no application: the declared default
        from quizapp.config import Config

        return Config.SAVE_GRACE_SECONDS


def readiness(rnd: StudyRound, org: Org) -> Readiness:
    """Why the round's figures for `org` are not final yet (each reason says how many)."""
    out = Readiness()
    quiz = rnd.quiz
    now = utcnow()
    if quiz is not None and now < quiz.closes_at:
        closes = to_local(quiz.closes_at)
        out.blocking.append(N_(
            "Bài kiểm tra còn mở đến %(time)s ngày %(date)s: người chưa làm bài hoặc đang làm bài sẽ bị ghi là "
            "vắng. Chỉ cấp số văn bản sau khi bài kiểm tra đóng (vẫn xem trước được).",
            time=closes.strftime("%H:%M"), date=closes.strftime("%d/%m/%Y")))
    elif quiz is not None:
        m = queries.members_subquery(rnd, org)
        busy = db.session.scalar(select(func.count(func.distinct(Attempt.person_id))).where(
            Attempt.quiz_id == quiz.id, Attempt.status == AttemptStatus.IN_PROGRESS,
            Attempt.deadline > now - timedelta(seconds=_grace_seconds()),
            Attempt.person_id.in_(select(m.c.person_id))))
        if busy:
            out.blocking.append(N_("%(n)s đồng chí đang làm bài (học bù): chờ nộp bài rồi mới cấp số văn bản.",
                                   n=busy))
    figs = participation.figures(rnd, org)
    if figs.pending:
        out.provisional.append(N_("%(n)s bài kiểm tra còn phần tự luận chưa chấm.", n=figs.pending))
    if figs.absent_unrecorded:
        out.provisional.append(N_("%(n)s đồng chí vắng chưa được ghi lý do.", n=figs.absent_unrecorded))
    return out


def check_kind(org: Org, kind: str) -> None:
    """A cell sheet is for a cell; a roll-up for any node."""
    if kind not in KINDS:
        raise InvalidInput("Loại văn bản không hợp lệ.")
    if kind == ReportKind.CELL_SHEET and not org.is_cell:
        raise InvalidInput(f"{org.name} không phải chi bộ: báo cáo kết quả theo mẫu chỉ lập cho chi bộ; "
                           "cấp trên dùng báo cáo tổng hợp.")


def check_issue_date(rnd: StudyRound, issued_on: date) -> None:
    """The issue date may not come before the study session."""
    if issued_on < rnd.session_date:
        raise InvalidInput(f"Ngày ban hành {issued_on.strftime('%d/%m/%Y')} trước ngày học tập "
                           f"{rnd.session_date.strftime('%d/%m/%Y')}: văn bản không thể ban hành trước buổi học.")


def current_document(rnd: StudyRound, org: Org, kind: str, state: bool = False) -> IssuedReport | None:
    """The round's document of this kind for `org` that no correction has replaced yet."""
    newer = aliased(IssuedReport)
    return db.session.scalar(
        select(IssuedReport).where(
            IssuedReport.round_id == rnd.id, IssuedReport.org_id == org.id, IssuedReport.kind == kind,
            IssuedReport.state_format == state,
            ~select(newer.id).where(newer.replaces_id == IssuedReport.id).exists())
        .order_by(IssuedReport.id.desc()).limit(1))


def documents_for(rnd: StudyRound, org: Org) -> list[IssuedReport]:
    """Every document issued for the round by `org` or an org below it, in tree order, newest first."""
    return list(db.session.scalars(
        select(IssuedReport).join(Org, Org.id == IssuedReport.org_id)
        .where(IssuedReport.round_id == rnd.id, permissions.within_clause([org.path]))
        .options(selectinload(IssuedReport.replaced_by), selectinload(IssuedReport.replaces))
        .order_by(Org.path, IssuedReport.id.desc())))


def documents_for_org(rnd: StudyRound, org: Org, kind: str) -> list[IssuedReport]:
    """The round's documents of this kind issued by `org` itself, newest first."""
    return list(db.session.scalars(
        select(IssuedReport).where(IssuedReport.round_id == rnd.id, IssuedReport.org_id == org.id,
                                   IssuedReport.kind == kind)
        .options(selectinload(IssuedReport.replaced_by), selectinload(IssuedReport.replaces))
        .order_by(IssuedReport.id.desc())))


def suggested_number(org: Org, state: bool = False, on: date | None = None) -> int:
    """The next free number of the org's register (party: the term; state: the calendar year of `on`)."""
    return numbering.next_number(org, DOC_TYPE, state=state, on=on)


def draft_label(org: Org, state: bool = False) -> str:
    """The number line of a preview: the register's format with the number left blank."""
    label = numbering.number_label(org, 1, DOC_TYPE, state)
    return re.sub(r"^0*1(?=\D)", "…", label, count=1)


def plan_issue(rnd: StudyRound, org: Org, kind: str, *, number: int | None = None, issued_on: date | None = None,
               state: bool = False) -> IssuePlan:
    """Check everything issuing needs and say what it would produce; raises InvalidInput otherwise."""
    check_kind(org, kind)
    issued_on = issued_on or today_local()
    ready = readiness(rnd, org)
    if not ready.issuable:
        raise InvalidInput("Chưa cấp số được: " + " ".join(ready.blocking))
    check_issue_date(rnd, issued_on)
    check_identity(org, kind, state)
    number = suggested_number(org, state, issued_on) if number is None else int(number)
    if number < 1 or number > 9999:
        raise InvalidInput("Số văn bản phải từ 1 đến 9999.")
    taken = db.session.scalar(select(IssuedReport).where(
        IssuedReport.org_id == org.id, IssuedReport.doc_type == DOC_TYPE, IssuedReport.term == numbering.register(org, state, issued_on),
        IssuedReport.number == number))
    if taken is not None:
        raise InvalidInput(f"Số {number:02d} đã cấp cho văn bản {taken.number_label} ngày "
                           f"{taken.issued_on.strftime('%d/%m/%Y')}; một số văn bản không dùng lại. "
                           f"Số tiếp theo còn trống là {suggested_number(org, state, issued_on):02d}.")
    return IssuePlan(kind=kind, number=number, number_label=numbering.number_label(org, number, DOC_TYPE, state),
                     issued_on=issued_on, state=state, readiness=ready,
                     replaces=current_document(rnd, org, kind, state),
                     signed=signing.key_for(org.code) is not None)


def check_identity(org: Org, kind: str, state: bool) -> None:
    """Refuse (InvalidInput) a document without its signer and receiver: the secretary and the
    receiving body (party format), or the unit's NĐ 30 settings (state format)."""
    if kind == ReportKind.ROLLUP and state:
        identity.state_identity(org)
        return
    identity.party_signer(org)
    identity.receiving_body(org, standing=kind == ReportKind.ROLLUP)


def _rollup_identity(org: Org, state: bool, strict: bool):
    """(recipient, state identity) printed on a roll-up; a preview prints what is set so far."""
    try:
        sid = identity.state_identity(org) if state else None
        recipient = "" if sid is not None and sid.superior else identity.receiving_body(org, standing=True)
    except InvalidInput:
        if strict:
            raise
        return "", None
    return recipient, sid


def _build(rnd: StudyRound, org: Org, kind: str, label: str, issued_on: date, code: str,
           state: bool) -> tuple[bytes, dict, list, dict]:
    """(PDF, figures, weakest topics, extra snapshot fields) of a document as it prints now."""
    from quizapp.services.reporting import rollup, sheets
    from quizapp.services.reporting.pdf.cell_sheet import build_cell_sheet
    from quizapp.services.reporting.pdf.rollup import build_rollup

    if kind == ReportKind.CELL_SHEET:
        data = sheets.sheet_data(rnd, org, label, issued_on, code)
        return build_cell_sheet(data), data.figures, data.weakest, {}
    data = rollup.rollup_data(rnd, org)
    data.recipient, data.state_identity = _rollup_identity(org, state, strict=bool(code))
    pdf = build_rollup(data, label, issued_on, state=state, verify_url=sheets.verify_url(code) if code else "",
                       verify_code=code)
    return pdf, data.totals, data.weakest, {"cells": len(data.rows), "cells_below": len(data.below)}


def preview(rnd: StudyRound, org: Org, kind: str, *, state: bool = False, issued_on: date | None = None) -> bytes:
    """The document as it would print today, without number or code, marked DỰ THẢO on every page."""
    check_kind(org, kind)
    with queries.one_reading():
        ready = readiness(rnd, org)
        with common.document_marks(draft=True, provisional=bool(ready.provisional)):
            pdf, *_ = _build(rnd, org, kind, draft_label(org, state), issued_on or today_local(), "", state)
    return pdf


def issue(rnd: StudyRound, org: Org, kind: str, actor: Person | None, *, number: int | None = None,
          issued_on: date | None = None, state: bool = False, reason: str = "") -> IssuedReport:
    """Issue a numbered, verifiable document (a correction when one is already current); commits.

    The stored bytes (signed when the org has a certificate) are what every download returns.
    """
    begin_write()
    try:
        with queries.one_reading():
            report = _issue(rnd, org, kind, actor, number=number, issued_on=issued_on, state=state,
                            reason=reason)
        db.session.commit()
        log_event("document.issued", report_id=report.id, kind=kind, number=report.number_label, round_id=rnd.id,
                  org_id=org.id, provisional=report.provisional, signed=report.signed)
    except IntegrityError:
        db.session.rollback()
        raise InvalidInput("Số văn bản này hoặc văn bản cần thay thế vừa được người khác xử lý; "
                           "vui lòng tải lại trang và thử lại.") from None
    except Exception:
        db.session.rollback()
        raise
    return report


def _issue(rnd: StudyRound, org: Org, kind: str, actor: Person | None, *, number: int | None,
           issued_on: date | None, state: bool, reason: str) -> IssuedReport:
    """The unit of work of issue(), without the commit."""
    # One issuer per organization at a time (PostgreSQL row lock; SQLite's BEGIN IMMEDIATE already
    # serializes writers): two first issues of one round cannot both become "current".
    db.session.execute(select(Org.id).where(Org.id == org.id).with_for_update())
    plan = plan_issue(rnd, org, kind, number=number, issued_on=issued_on, state=state)
    reason = " ".join((reason or "").split())
    if plan.replaces is not None and not reason:
        raise InvalidInput(f"Đã có văn bản số {plan.replaces.number_label} cho đợt này: văn bản mới sẽ thay thế "
                           "văn bản đó, vui lòng ghi lý do thay thế.")
    if len(reason) > 300:
        raise InvalidInput("Lý do thay thế tối đa 300 ký tự.")
    report = numbering.reserve(rnd, org, kind, plan.number, plan.issued_on, actor, state=state, doc_type=DOC_TYPE)
    provisional = [str(m) for m in plan.readiness.provisional]  # the Vietnamese sentences, as stored
    with common.document_marks(provisional=bool(provisional)):
        pdf, figures, weakest, extra = _build(rnd, org, kind, report.number_label, plan.issued_on,
                                              report.verify_code, state)
    key = signing.key_for(org.code)
    if key is not None:
        pdf = signing.sign_pdf(pdf, key, reason=f"Ban hành văn bản số {report.number_label}",
                               location=org.place or rnd.place or "", name=org.name)
    from quizapp.services.reporting.sheets import snapshot

    snap = snapshot(rnd, org, report, figures, weakest)
    snap.update(extra)
    snap.update({"kind": kind, "provisional": list(provisional), "signed": key is not None})
    if plan.replaces is not None:
        snap["replaces"] = {"number_label": plan.replaces.number_label,
                            "issued_on": plan.replaces.issued_on.isoformat()}
    report.figures = snap
    report.pdf, report.sha256 = pdf, sha256_hex(pdf)
    report.provisional, report.signed = bool(provisional), key is not None
    report.replaces_id = plan.replaces.id if plan.replaces is not None else None
    report.replace_reason = reason or None
    db.session.add(AuditLog(
        actor_id=actor.id if actor else None, action="report.correct" if plan.replaces else "report.issue",
        target_type="issued_report", target_id=report.id,
        details={"round_id": rnd.id, "org_id": org.id, "kind": kind, "number": report.number_label,
                 "verify_code": report.verify_code, "sha256": report.sha256, "provisional": list(provisional),
                 "signed": report.signed, "replaces_id": report.replaces_id, "reason": reason or None}))
    return report


def stored_file(report: IssuedReport) -> bytes:
    """The bytes issued; documents issued before files were kept have none to give."""
    if report.pdf is None:
        raise NotFound(f"Văn bản số {report.number_label} được cấp trước khi hệ thống lưu tệp gốc: không có "
                       "bản tải lại đúng bản đã in. Nếu cần, hãy lập văn bản thay thế.")
    return report.pdf


def filename(report: IssuedReport, org: Org) -> str:
    """bao-cao-05-CB01-dot-3.pdf / tong-hop-05-…"""
    stem = "bao-cao" if report.kind == ReportKind.CELL_SHEET else "tong-hop"
    return f"{stem}-{report.number:02d}-{org.code}-dot-{report.round_id}.pdf"


def matches_upload(report: IssuedReport, data: bytes) -> bool:
    """Is the uploaded file byte-for-byte the issued one (same SHA-256)?"""
    return bool(report.sha256) and sha256_hex(data) == report.sha256


def find_by_sha256(digest: str) -> IssuedReport | None:
    """The issued document whose stored file has this SHA-256, if any."""
    return db.session.scalar(select(IssuedReport).where(IssuedReport.sha256 == digest).limit(1))
