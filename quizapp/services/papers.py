"""Equal papers: every paper a draw rule can produce has the same questions per type and the same
total points — or the rule is refused, naming the questions that would make papers differ.

A random rule draws `count` questions from its pool (bank, and optionally topic, difficulty and
question type). Papers are equal when each rule's pool holds questions of a single type with
equal points, or when a rule always takes its whole pool (count = pool size, shared with no
earlier rule that draws at random). `plan_papers` works this out from the current versions of
the banks' active questions, the same rows delivery draws from, in delivery's order.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Question, QuestionVersion
from quizapp.phrases import N_, Phrase, join
from quizapp.services.grading import exact
from quizapp.services.question_types import REGISTRY
from quizapp.vn import format_number

MAX_TOTALS_SHOWN = 12
MAX_NAMED = 8


@dataclass
class Candidate:
    """A question a rule may draw: its current version's type and points."""

    id: int
    key: str
    bank_id: int
    type: str
    points: Fraction
    topic: str
    difficulty: str


@dataclass
class RulePlan:
    """What one rule puts on every paper, or the reason papers would differ."""

    index: int
    count: int
    pool: int
    types: Counter = field(default_factory=Counter)  # type -> questions on every paper
    totals: list[Fraction] = field(default_factory=list)  # each total the rule can contribute
    problem: str | None = None
    short: bool = False  # fewer matching questions than `count` (round_checks names it)


@dataclass
class PaperPlan:
    """The structure every paper shares: question count, count per type, total and hand-graded points."""

    questions: int = 0
    types: Counter = field(default_factory=Counter)
    totals: list[Fraction] = field(default_factory=list)
    manual_points: Fraction = Fraction(0)
    rules: list[RulePlan] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        """True when every possible paper has the same structure and total."""
        return len(self.totals) == 1 and not any(r.problem or r.short for r in self.rules)

    @property
    def problems(self) -> list[str]:
        """The reasons papers can differ, one per rule."""
        return [r.problem for r in self.rules if r.problem]


def points_text(value) -> str:
    """Points the Vietnamese way: 1; 0,5; 1,25."""
    value = exact(value)
    if value.denominator == 1:
        return format_number(int(value))
    text = format_number(float(value), 4).rstrip("0").rstrip(",")
    return text if Fraction(str(float(value))) == value else f"≈{text}"


def type_label(name: str) -> str:
    """The Vietnamese label of a question type."""
    return REGISTRY[name].label if name in REGISTRY else name


def _candidates(bank_ids: list[int]) -> list[Candidate]:
    if not bank_ids:
        return []
    rows = db.session.execute(
        select(Question.id, Question.key, Question.bank_id, QuestionVersion.type, QuestionVersion.points,
               QuestionVersion.topic, QuestionVersion.difficulty)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.bank_id.in_(bank_ids), Question.active.is_(True))
        .order_by(Question.bank_id, Question.position, Question.id)
    ).all()
    return [Candidate(r[0], r[1], r[2], r[3], exact(r[4] if r[4] is not None else 1), r[5] or "", r[6] or "")
            for r in rows]


def matches(rule: dict, *, bank_id: int, type: str, topic: str, difficulty: str) -> bool:
    """Does a question fit a rule's filters? (the one test delivery and this module share)"""
    return (bank_id == int(rule.get("bank_id") or 0)
            and (not rule.get("topic") or topic == rule["topic"])
            and (not rule.get("difficulty") or difficulty == rule["difficulty"])
            and (not rule.get("type") or type == rule["type"]))


def _sums(values: list[Fraction], count: int, limit: int = 200) -> list[Fraction]:
    """Every total of `count` questions picked from `values` (bounded: enough to show the spread)."""
    reach: dict[int, set[Fraction]] = {0: {Fraction(0)}}
    for v in values:
        for k in sorted(reach, reverse=True):
            if k < count:
                reach.setdefault(k + 1, set()).update(s + v for s in list(reach[k])[:limit])
    return sorted(reach.get(count, set()))


def _describe_groups(groups: dict[tuple, list[Candidate]]) -> str:
    parts = []
    for (qtype, pts), items in sorted(groups.items(), key=lambda g: -len(g[1])):
        parts.append(f"{len(items)} câu {type_label(qtype)} {points_text(pts)} điểm")
    return "; ".join(parts)


def _rule_problem(index: int, label: str, count: int, pool: list[Candidate]) -> str:
    groups: dict[tuple, list[Candidate]] = {}
    for c in pool:
        groups.setdefault((c.type, c.points), []).append(c)
    by_points = Counter(c.points for c in pool)
    common = by_points.most_common(1)[0][0]
    odd = [c for c in pool if c.points != common]
    totals = _sums([c.points for c in pool], count)
    if odd:
        named = ", ".join(f"{c.key} ({type_label(c.type)}, {points_text(c.points)} điểm)" for c in odd[:MAX_NAMED])
        more = f" và {len(odd) - MAX_NAMED} câu khác" if len(odd) > MAX_NAMED else ""
        shown = "; ".join(points_text(t) for t in totals[:MAX_TOTALS_SHOWN])
        return (f"{label}: rút {count} trong {len(pool)} câu có số điểm khác nhau nên tổng điểm mỗi bài có thể là "
                f"{shown} — các câu khác điểm (các câu còn lại {points_text(common)} điểm): {named}{more}. "
                "Hãy lọc theo loại câu hỏi hoặc chủ đề, hoặc tách thành nhiều quy tắc để mỗi quy tắc chỉ rút "
                "các câu cùng loại, cùng số điểm.")
    return (f"{label}: rút {count} trong {len(pool)} câu thuộc nhiều loại khác nhau "
            f"({_describe_groups(groups)}) nên mỗi người sẽ có số câu mỗi loại khác nhau. "
            "Hãy chọn loại câu hỏi cho quy tắc này, hoặc tách thành nhiều quy tắc theo loại câu hỏi.")


def plan_papers(draw_rule: dict | None, label=lambda i, rule: f"Quy tắc {i}") -> PaperPlan:
    """The structure every paper of a (normalized) draw rule shares, or why papers would differ."""
    draw_rule = draw_rule or {}
    plan = PaperPlan()
    if draw_rule.get("mode") == "fixed":
        ids = list(draw_rule.get("question_ids") or [])
        rows = db.session.execute(
            select(Question.id, QuestionVersion.type, QuestionVersion.points)
            .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
            .where(Question.id.in_(ids))
        ).all() if ids else []
        total = Fraction(0)
        for _qid, qtype, pts in rows:
            plan.types[qtype] += 1
            total += exact(pts)
            if qtype in REGISTRY and not REGISTRY[qtype].auto_graded:
                plan.manual_points += exact(pts)
        plan.questions = len(rows)
        plan.totals = [total]
        return plan
    rules = draw_rule.get("rules") or []
    pool_all = _candidates(sorted({int(r["bank_id"]) for r in rules if r.get("bank_id")}))
    fixed_used: set[int] = set()   # questions some earlier rule always takes
    maybe_used: set[int] = set()   # questions an earlier rule may take
    totals = [Fraction(0)]
    for i, rule in enumerate(rules, start=1):
        count = int(rule.get("count") or 0)
        pool = [c for c in pool_all if c.id not in fixed_used and matches(
            rule, bank_id=c.bank_id, type=c.type, topic=c.topic, difficulty=c.difficulty)]
        rp = RulePlan(index=i, count=count, pool=len(pool))
        plan.rules.append(rp)
        plan.questions += count
        if not pool or count > len(pool):
            rp.short = True
            continue  # round_checks reports the shortfall
        whole = count == len(pool) and not any(c.id in maybe_used for c in pool)
        profiles = {(c.type, c.points) for c in pool}
        if whole:
            fixed_used.update(c.id for c in pool)
            picked = pool
        elif len(profiles) == 1:
            maybe_used.update(c.id for c in pool)
            picked = pool[:count]  # any `count` of them: all alike
        else:
            maybe_used.update(c.id for c in pool)
            rp.problem = _rule_problem(i, label(i, rule), count, pool)
            rp.totals = _sums([c.points for c in pool], count)
            totals = sorted({a + b for a in totals for b in rp.totals})[:200]
            continue
        for c in picked:
            rp.types[c.type] += 1
            if c.type in REGISTRY and not REGISTRY[c.type].auto_graded:
                plan.manual_points += c.points
        rp.totals = [sum((c.points for c in picked), Fraction(0))]
        plan.types.update(rp.types)
        totals = sorted({t + rp.totals[0] for t in totals})
    plan.totals = totals
    return plan


def plan_lines(plan: PaperPlan) -> list[Phrase]:
    """The plan in a few lines for the round form and detail page (Vietnamese as str, the page's
    language when shown: see quizapp/phrases.py)."""
    if not plan.questions:
        return []
    short = [r for r in plan.rules if r.short]
    if short:
        return [N_("Quy tắc %(i)s: cần %(count)s câu nhưng chỉ có %(pool)s câu phù hợp.",
                   i=r.index, count=r.count, pool=r.pool) for r in short]
    mix = join(", ", (N_("%(n)s câu %(type)s", n=n, type=Phrase(type_label(t)))
                      for t, n in sorted(plan.types.items(), key=lambda x: -x[1])))
    lines = []
    if plan.equal:
        total = points_text(plan.totals[0])
        if plan.manual_points:
            lines.append(N_("Mỗi bài: %(n)s câu, tổng %(total)s điểm (trong đó %(manual)s điểm tự luận chấm tay).",
                            n=plan.questions, total=total, manual=points_text(plan.manual_points)))
        else:
            lines.append(N_("Mỗi bài: %(n)s câu, tổng %(total)s điểm.", n=plan.questions, total=total))
        if mix:
            lines.append(N_("Gồm: %(mix)s.", mix=mix))
    else:
        shown = "; ".join(points_text(t) for t in plan.totals[:MAX_TOTALS_SHOWN])
        more = " …" if len(plan.totals) > MAX_TOTALS_SHOWN else ""
        lines.append(N_("Các bài rút ra KHÔNG bằng nhau: tổng điểm mỗi bài có thể là %(totals)s điểm.",
                        totals=shown + more))
    return lines
