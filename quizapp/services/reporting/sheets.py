"""The data a cell's result sheet prints, its verification address and its figures snapshot."""
from __future__ import annotations

from datetime import date

from quizapp.models import PARTY_STATUSES, IssuedReport, Org, Person, ReportKind, StudyRound
from quizapp.services import participation, rules
from quizapp.services.reporting import identity, items
from quizapp.services.reporting.pdf import common
from quizapp.services.reporting.pdf.cell_sheet import MemberLine, SheetData
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
            score=rules.shown_score(a),  # None ("chưa chấm") while an essay waits for a mark
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
        recipient=identity.receiving_body(org, standing=False),
        verify_url=verify_url(code) if code else "", verify_code=code,
    )


def snapshot(rnd: StudyRound, org: Org, report: IssuedReport, figures: dict, weakest: list[dict]) -> dict:
    """What the verify page shows: org, round, number, date and the figures as printed."""
    return {"org": org.name, "org_code": org.code, "round": rnd.title, "round_id": rnd.id,
            "session_date": rnd.session_date.isoformat(), "number_label": report.number_label,
            "issued_on": report.issued_on.isoformat(), "figures": figures, "weakest": weakest}


def issue_cell_sheet(rnd: StudyRound, org: Org, actor: Person | None, *, number: int | None = None,
                     issued_on: date | None = None, reason: str = "") -> tuple[IssuedReport, bytes]:
    """Issue a cell's result sheet (see reporting.documents); returns (record, the stored PDF bytes)."""
    from quizapp.services.reporting import documents

    report = documents.issue(rnd, org, ReportKind.CELL_SHEET, actor, number=number, issued_on=issued_on, reason=reason)
    return report, report.pdf
