"""Roll-up of a round for a node: one row per cell, totals, shortfalls first, commendations."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from quizapp.clock import today_local
from quizapp.extensions import db
from quizapp.models import IssuedReport, Org, Person, ReportKind, StudyRound
from quizapp.services import participation, rules
from quizapp.services.reporting import excel, identity, items, queries


@dataclass
class RollupData:
    """Everything a roll-up prints (plain values)."""

    org_name: str
    org_kind: str
    superior_name: str
    round_title: str
    documents: list[str]
    session_date: date
    threshold: float
    rows: list[dict] = field(default_factory=list)         # below threshold first, then tree order
    totals: dict = field(default_factory=dict)
    below: list[dict] = field(default_factory=list)
    outstanding_units: list[dict] = field(default_factory=list)
    outstanding_people: list[dict] = field(default_factory=list)
    weakest: list[dict] = field(default_factory=list)
    secretary_name: str = ""
    place: str = ""
    has_seal: bool = False
    recipient: str = ""                  # receiving body of a party roll-up ("Ban Thường vụ …")
    state_identity: identity.StateIdentity | None = None   # set for a state-format (NĐ 30) PDF


def rollup_data(rnd: StudyRound, org: Org, outstanding: rules.Outstanding | None = None) -> RollupData:
    """Aggregate a round over `org`'s subtree: a handful of GROUP BY queries, whatever the size.

    `outstanding`: the commendation thresholds (default: config's, rules.outstanding_thresholds).
    A unit is outstanding when every required member took part and its mean reaches the unit
    threshold; a member when their final score reaches the member threshold. One reading: the
    commendations, essay counts and weakest topics take the counted attempts cell_rows read."""
    with queries.one_reading():
        return _rollup_data(rnd, org, outstanding or rules.outstanding_thresholds())


def _rollup_data(rnd: StudyRound, org: Org, outstanding: rules.Outstanding) -> RollupData:
    threshold = float(rnd.threshold_percent)
    cell_rows = queries.cell_rows(rnd, org, outstanding_score=outstanding.score)
    totals = participation.figures_from_rows(cell_rows, threshold)
    totals.essays_submitted, totals.essays_graded = queries.essay_counts(rnd, org)
    rows = []
    for r in cell_rows:
        if r.required == 0 and r.total == 0:
            continue
        rows.append({"org_id": r.org_id, "code": r.code, "name": r.name, "total": r.total, "exempt": r.exempt,
                     "required": r.required, "took_part": r.took_part, "rate": r.rate,
                     "made_up": r.took_part - r.on_time,
                     "rate_before_makeup": r.rate_before_makeup,
                     "met": r.met(threshold), "mean": r.mean, "tested": r.tested,
                     "distribution": dict(r.distribution), "outstanding_people": r.outstanding_people})
    below = [r for r in rows if not r["met"]]
    ordered = sorted(below, key=lambda r: r["rate"]) + [r for r in rows if r["met"]]
    units = [r for r in rows if r["required"] and r["took_part"] == r["required"] and r["mean"] is not None
             and r["mean"] >= outstanding.unit_mean]
    units.sort(key=lambda r: -r["mean"])
    docs = [line.strip() for line in (rnd.documents or "").splitlines() if line.strip()] or [rnd.title]
    return RollupData(
        org_name=org.name, org_kind=org.kind, superior_name=org.parent.name if org.parent else "",
        round_title=rnd.title, documents=docs, session_date=rnd.session_date, threshold=threshold,
        rows=ordered, totals=totals.to_dict(), below=below, outstanding_units=units,
        outstanding_people=queries.outstanding_people(rnd, org, outstanding.score),
        weakest=items.weakest_topics(rnd, org, 5),
        secretary_name=org.secretary.full_name if org.secretary else "", place=org.place or "",
        has_seal=org.has_seal,
    )


def issue_rollup(rnd: StudyRound, org: Org, actor: Person | None, *, fmt: str = "pdf", state: bool = False,
                 number: int | None = None, issued_on: date | None = None,
                 reason: str = "") -> tuple[IssuedReport | None, bytes]:
    """Issue a numbered, verifiable roll-up PDF (see reporting.documents), or build the .xlsx working file."""
    if fmt == "xlsx":
        return None, excel.rollup_xlsx(rollup_data(rnd, org), issued_on=issued_on or today_local(),
                                       number_label=_issued_label(rnd, org))
    from quizapp.services.reporting import documents

    report = documents.issue(rnd, org, ReportKind.ROLLUP, actor, number=number, issued_on=issued_on, state=state,
                             reason=reason)
    return report, report.pdf


def _issued_label(rnd: StudyRound, org: Org) -> str:
    """Number of the latest roll-up PDF issued for this round and node ('' if none yet)."""
    from sqlalchemy import select

    return db.session.scalar(
        select(IssuedReport.number_label).where(IssuedReport.round_id == rnd.id, IssuedReport.org_id == org.id,
                                                IssuedReport.kind == ReportKind.ROLLUP)
        .order_by(IssuedReport.issued_on.desc(), IssuedReport.id.desc()).limit(1)) or ""
