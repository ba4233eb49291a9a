"""Item analysis: what members misunderstood, per question and per topic.

facility      = mean fraction earned on the item (share correct, partial credit included)
discrimination= facility in the upper 27% of attempts (by score) minus the lower 27%
choice counts = how often each choice was picked (single and multiple choice)
It covers whom the report counts: the counted attempt (rules.counted_order) of each member
required in the round under the node (rules.required_clause: a party member, not exempt, on the
session date) — not exempt members, not people outside the party (COVERAGE says so on the page and
the PDFs). An unanswered item counts as 0, an ungraded essay is left out of its item's facility, and
an attempt whose essay waits for a mark has no final score (rules.scored_clause), so it is ranked in
neither the upper nor the lower group (never as 0).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt, AttemptItem, Org, QuestionVersion, StudyRound
from quizapp.phrases import N_
from quizapp.services import rules
from quizapp.services.reporting import queries

GROUP_SHARE = 0.27
# Printed under "nội dung nắm chưa vững" in the cell sheet and the roll-up (PDFs are Vietnamese only).
PDF_COVERAGE = ("Tính trên bài được tính của các đảng viên phải tham gia (không tính đồng chí được miễn sinh hoạt "
                "và người không phải đảng viên).")
COVERAGE = N_("Phân tích trên bài được tính của các đảng viên phải tham gia (không tính đồng chí được miễn sinh "
              "hoạt và người không phải đảng viên); bài còn phần tự luận chưa chấm không được xếp vào nhóm "
              "điểm cao hay nhóm điểm thấp.")


@dataclass
class TopicStat:
    """Mean facility of one topic."""

    topic: str
    facility: float
    answers: int


@dataclass
class ItemStat:
    """Statistics of one question version."""

    version_id: int
    text: str
    topic: str
    type: str
    answers: int = 0
    facility: float | None = None
    discrimination: float | None = None
    choices: list[dict] = field(default_factory=list)  # [{id, text, correct, count, share}]


def _fraction_expr():
    # No answer row: 0. An answer with an ungraded (NULL) fraction: left out by AVG.
    return case((Answer.id.is_(None), 0.0), else_=Answer.fraction)


def topic_facility(rnd: StudyRound, org: Org, limit: int | None = None) -> list[TopicStat]:
    """Mean facility per topic under `org`, weakest first (one GROUP BY query over the counted
    attempts, queries.counted_attempts)."""
    if rnd.quiz is None:
        return []
    frac = _fraction_expr()
    stmt = (
        select(QuestionVersion.topic, func.avg(frac), func.count(frac))
        .select_from(AttemptItem)
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
        .outerjoin(Answer, and_(Answer.attempt_id == AttemptItem.attempt_id, Answer.position == AttemptItem.position))
        .where(queries.among(AttemptItem.attempt_id, queries.counted_attempts(rnd, org)))
        .group_by(QuestionVersion.topic)
        .order_by(func.avg(frac), QuestionVersion.topic)
    )
    out = [TopicStat(topic or "(Chưa phân chủ đề)", float(avg), int(n))
           for topic, avg, n in db.session.execute(stmt) if avg is not None]
    return out[:limit] if limit else out


def weakest_topics(rnd: StudyRound, org: Org, limit: int = 3) -> list[dict]:
    """The weakest topics as plain dicts for sheets and snapshots."""
    return [{"topic": t.topic, "facility": round(t.facility * 100, 2), "answers": t.answers}
            for t in topic_facility(rnd, org, limit)]


def _picked(value: dict | None) -> list[str]:
    if not isinstance(value, dict):
        return []
    if "choice" in value:
        return [str(value["choice"])] if value["choice"] is not None else []
    if isinstance(value.get("choices"), list):
        return [str(v) for v in value["choices"]]
    if "value" in value and isinstance(value["value"], bool):
        return ["true" if value["value"] else "false"]
    return []


def item_analysis(rnd: StudyRound, org: Org) -> list[ItemStat]:
    """Per question: facility, discrimination and choice counts, weakest first."""
    if rnd.quiz is None:
        return []
    final = case((rules.scored_clause(Attempt), Attempt.score), else_=None)  # None: "chưa chấm", not ranked
    rows = db.session.execute(
        select(AttemptItem.question_version_id, Attempt.id, final, Answer.id, Answer.fraction, Answer.value)
        .select_from(AttemptItem)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .outerjoin(Answer, and_(Answer.attempt_id == AttemptItem.attempt_id, Answer.position == AttemptItem.position))
        .where(queries.among(AttemptItem.attempt_id, queries.counted_attempts(rnd, org)))
    ).all()
    if not rows:
        return []
    scores = {aid: score for _, aid, score, *_ in rows if score is not None}
    ranked = sorted(scores, key=lambda a: (scores[a], a))
    k = max(1, round(len(ranked) * GROUP_SHARE))
    lower, upper = (set(ranked[:k]), set(ranked[-k:])) if ranked else (set(), set())
    per_item: dict[int, list] = defaultdict(list)
    for vid, aid, _score, ans_id, frac, value in rows:
        per_item[vid].append((aid, 0.0 if ans_id is None else frac, value))
    versions = {v.id: v for v in db.session.scalars(
        select(QuestionVersion).where(QuestionVersion.id.in_(list(per_item))))}
    stats = []
    for vid, entries in per_item.items():
        v = versions[vid]
        graded = [(aid, f) for aid, f, _ in entries if f is not None]
        st = ItemStat(version_id=vid, text=v.text, topic=v.topic or "", type=v.type, answers=len(entries))
        if graded:
            st.facility = sum(f for _, f in graded) / len(graded)
            up = [f for aid, f in graded if aid in upper]
            lo = [f for aid, f in graded if aid in lower]
            if len(ranked) >= 2 and up and lo:
                st.discrimination = sum(up) / len(up) - sum(lo) / len(lo)
        choices = (v.spec or {}).get("choices") if isinstance(v.spec, dict) else None
        if choices:
            counts = defaultdict(int)
            for _, _, value in entries:
                for cid in _picked(value):
                    counts[cid] += 1
            st.choices = [{"id": ch["id"], "text": ch.get("text", ""), "correct": bool(ch.get("correct")),
                           "count": counts[ch["id"]],
                           "share": 100.0 * counts[ch["id"]] / len(entries) if entries else 0.0}
                          for ch in choices]
        stats.append(st)
    stats.sort(key=lambda s: (s.facility if s.facility is not None else 2.0, s.text))
    return stats
