"""Issue documents: gather the data, claim a number, build the bytes, commit once."""
from __future__ import annotations

from datetime import date

from quizapp.clock import today_local
from quizapp.database import begin_write
from quizapp.extensions import db
from quizapp.models import PARTY_STATUSES, IssuedReport, Org, Person, StudyRound
from quizapp.services import participation
from quizapp.services.reporting import items, numbering
from quizapp.services.reporting.pdf import common
from quizapp.services.reporting.pdf.cell_sheet import MemberLine, SheetData, build_cell_sheet
from quizapp.vn import nfc


def site_url() -> str:
    """SITE_URL from config, else the address the request came in on (no trailing slash)."""
    try:
        from quizapp.web import public_base_url

        return public_base_url()
    except RuntimeError:
        return ""


def verify_url(code: str) -> str:
    """The public address that confirms an issued document."""
    return f"{site_url()}/verify/{code}"


def _doc_list(rnd: StudyRound) -> list[str]:
    return [nfc(line) for line in (rnd.documents or "").splitlines() if nfc(line)] or [nfc(rnd.title)]


def _participation_text(s: participation.MemberStatus) -> str:
    if s.state == "submitted":
        return "Học bù" if s.is_makeup else "Đã tham gia"
    reason = participation.absence_label(s.absence)
    return ("Đang làm bài; " if s.state == "in_progress" else "Vắng; ") + reason


def sheet_data(rnd: StudyRound, org: Org, number_label: str, issued_on: date, code: str = "") -> SheetData:
    """Collect everything the cell sheet prints, in Vietnamese roster order."""
    figs = participation.figures(rnd, org)
    statuses = [s for s in participation.member_statuses(rnd, org) if s.required]
    excused, unexcused, made_up, members = [], [], [], []
    for s in statuses:
        a = s.attempt if s.state == "submitted" else None
        if s.state == "submitted" and s.is_makeup:
            made_up.append(s.person.full_name)
        if s.state != "submitted":
            label = participation.absence_label(s.absence)
            (excused if s.absence and s.absence.excused else unexcused).append((s.person.full_name, label))
        members.append(MemberLine(
            name=s.person.full_name, status=PARTY_STATUSES.get(s.party_status, ""),
            participation=_participation_text(s),
            score=a.score if a and not a.pending_essays else None,
            classification=a.classification_label if a else "",
        ))
    superior = org.parent
    return SheetData(
        letterhead=common.Letterhead(superior=superior.name if superior else "", issuer=org.name,
                                     number_label=number_label, place=org.place or rnd.place or "",
                                     issued_on=issued_on),
        cell_name=org.name, superior_name=superior.name if superior else "", round_title=rnd.title,
        documents=_doc_list(rnd), session_date=rnd.session_date, form=rnd.form, place=rnd.place or "",
        figures=figs.to_dict(), excused=excused, unexcused=unexcused, made_up=made_up,
        weakest=items.weakest_topics(rnd, org, 3), members=members,
        secretary_name=org.secretary.full_name if org.secretary else "", has_seal=org.has_seal,
        verify_url=verify_url(code) if code else "", verify_code=code,
    )


def snapshot(rnd: StudyRound, org: Org, report: IssuedReport, figures: dict, weakest: list[dict]) -> dict:
    """What the verify page shows: org, round, number, date and the figures as printed."""
    return {"org": org.name, "org_code": org.code, "round": rnd.title, "round_id": rnd.id,
            "session_date": rnd.session_date.isoformat(), "number_label": report.number_label,
            "issued_on": report.issued_on.isoformat(), "figures": figures, "weakest": weakest}


def issue_cell_sheet(rnd: StudyRound, org: Org, actor: Person | None, *, number: int | None = None,
                     issued_on: date | None = None) -> tuple[IssuedReport, bytes]:
    """Number, record and render a cell's result sheet; returns (record, PDF bytes)."""
    begin_write()
    issued_on = issued_on or today_local()
    report = numbering.reserve(rnd, org, "cell_sheet", number, issued_on, actor)
    data = sheet_data(rnd, org, report.number_label, issued_on, report.verify_code)
    pdf = build_cell_sheet(data)
    report.figures = snapshot(rnd, org, report, data.figures, data.weakest)
    db.session.commit()
    return report, pdf
