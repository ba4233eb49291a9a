"""Compare the database with the load generator's ledger after a run.

Invariants (reliability.md):
- no acknowledged answer missing, or stored with an older seq, or with another value at that seq;
- a deliberately stale save never applied;
- one attempt per member; every acknowledged start is in the database;
- no attempt finished twice: every submit acknowledgement of an attempt carries the same
  finished_at, the one stored (at the precision the API returns: whole seconds today); the stored
  finish time, to the microsecond, lies inside the acknowledged submit (between the moment the
  request was first sent and the moment its answer arrived, from the same clock), or is the
  attempt's deadline when the submit came after it; finished_at never after the deadline;
- every attempt closed (finished, scored, every saved answer graded); those nobody submitted were
  closed by the sweep (or a read) at their deadline;
- every finished attempt regraded from its stored answers with the product's own graders
  (grading.rescore_stored) gives the stored points, max points, score (to the tenth),
  classification, pending essay count and each answer's awarded points; the totals of an
  attempt with an essay waiting for a person are not compared (counted in the facts).
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

# The ledger's send/answer moments and the server's finish time come from the same wall clock
# (one machine); this only absorbs a clock slew, far below the half second a moved finish shows.
CLOCK_SLACK = timedelta(milliseconds=5)


def read_ledger(path: Path) -> list[dict]:
    """Every line of the ledger."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _iso(value) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


def _iso_us(value) -> str | None:
    return value.isoformat(timespec="microseconds") + "Z" if value else None


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 UTC time from the API or the ledger ("...Z", any precision) -> naive UTC."""
    if not text:
        return None
    value = datetime.fromisoformat(text[:-1] if text.endswith("Z") else text)
    return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(timezone.utc).replace(tzinfo=None)


def same_instant(stored: datetime | None, acknowledged: str | None) -> bool:
    """Whether the stored time is the acknowledged one at the acknowledgement's precision: the API
    sends whole seconds (truncated) today; a value with a fraction is compared to the microsecond."""
    if stored is None or acknowledged is None:
        return stored is None and acknowledged is None
    ack = parse_time(acknowledged)
    if "." in acknowledged:
        return stored == ack
    return stored.replace(microsecond=0) == ack


def _num(value) -> str:
    """A stored float as stored, a regraded Decimal with its places (4 for points, 1 for the score)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    return "None" if value is None else repr(float(value))  # SQLite may hand back 9 for 9.0


def verify(url: str, ledger_path: Path) -> dict:
    """Check the invariants; returns {"problems": [...], "facts": {...}}."""
    from sqlalchemy import create_engine, select

    from quizapp import normalize_db_url
    from quizapp.models import Answer, Attempt, AttemptItem, QuestionVersion, Quiz
    from quizapp.services.display_ids import to_display
    from quizapp.services.grading import exact
    from quizapp.services.question_types import get_type

    entries = read_ledger(ledger_path)
    engine = create_engine(normalize_db_url(url))
    at, an = Attempt.__table__, Answer.__table__
    with engine.connect() as conn:
        attempts = {r.id: r for r in conn.execute(select(at))}
        answers = {(r.attempt_id, r.position): r for r in conn.execute(select(an))}
        quizzes = {r.id: r for r in conn.execute(select(Quiz.id, Quiz.partial_credit, Quiz.cutoffs))}
        items = defaultdict(list)  # attempt id -> its items in position order
        for r in conn.execute(
                select(AttemptItem.attempt_id, AttemptItem.position, AttemptItem.choice_order, AttemptItem.points,
                       QuestionVersion.type, QuestionVersion.spec)
                .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
                .order_by(AttemptItem.attempt_id, AttemptItem.position)):
            items[r.attempt_id].append(r)
    engine.dispose()
    # Takers send choices in their attempt's display ids; the database keeps the bank's ids.
    shown = {(r.attempt_id, r.position): (r.spec, r.choice_order) for rows in items.values() for r in rows}

    problems: list[str] = []

    def problem(text: str) -> None:
        if len(problems) < 50:
            problems.append(text)
        else:
            problems[-1] = f"... and more ({text})"

    per_person = Counter(a.person_id for a in attempts.values())
    for pid, n in per_person.items():
        if n > 1:
            problem(f"person {pid} has {n} attempts")
    starts = [e for e in entries if e["op"] == "start"]
    for e in starts:
        a = attempts.get(e["attempt"])
        if a is None or a.person_id != e["person"]:
            problem(f"acknowledged start of attempt {e['attempt']} missing")

    newest: dict[tuple, dict] = {}
    stale_acks = 0
    for e in (e for e in entries if e["op"] == "save"):
        key = (e["attempt"], e["position"])
        if e.get("stale"):
            stale_acks += 1
            if e.get("applied"):
                problem(f"stale save applied: {key} seq {e['seq']}")
            continue
        holds = e.get("applied") or e.get("server_seq") == e["seq"]
        if holds and (key not in newest or e["seq"] > newest[key]["seq"]):
            newest[key] = e
    for key, e in newest.items():
        row = answers.get(key)
        if row is None:
            problem(f"acknowledged answer missing: attempt {key[0]} position {key[1]} seq {e['seq']}")
        elif row.seq < e["seq"]:
            problem(f"older seq stored: {key} has {row.seq}, acknowledged {e['seq']}")
        elif row.seq == e["seq"] and to_display(*shown.get(key, (None, None)), row.value) != e["value"]:
            problem(f"other value stored: {key} seq {row.seq}: {row.value!r} != {e['value']!r}")

    submits = defaultdict(set)
    windows = defaultdict(list)
    shown_scores = defaultdict(list)
    for e in (e for e in entries if e["op"] == "submit"):
        submits[e["attempt"]].add(e["finished_at"])
        shown_scores[e["attempt"]].append(e)
        if e.get("sent_at") and e.get("acked_at"):
            windows[e["attempt"]].append((parse_time(e["sent_at"]), parse_time(e["acked_at"])))
    for aid, finished in submits.items():
        a = attempts.get(aid)
        if len(finished) > 1:
            problem(f"attempt {aid} acknowledged with different finish times {sorted(map(str, finished))}")
        if a is None or a.status != "finished" or not all(same_instant(a.finished_at, f) for f in finished):
            problem(f"acknowledged submit of attempt {aid} not as stored ({finished} vs "
                    f"{a and _iso_us(a.finished_at)})")
        if a is None or a.finished_at is None:
            continue
        for e in shown_scores[aid]:
            # The score the member was shown is final once no essay waits (a later key correction
            # would change it too, but a load run makes none).
            if e.get("score") is not None and e.get("pending_essays") == 0 and a.score is not None \
                    and exact(e["score"]) != exact(a.score):
                problem(f"attempt {aid}: score {e['score']} acknowledged to the member, {_num(a.score)} stored")
        for sent, acked in windows[aid]:
            inside = sent - CLOCK_SLACK <= a.finished_at <= acked + CLOCK_SLACK
            at_deadline = a.finished_at == a.deadline and a.deadline <= acked + CLOCK_SLACK
            if not (inside or at_deadline):
                problem(f"finish time of attempt {aid} stored {_iso_us(a.finished_at)}, outside its acknowledged "
                        f"submit ({_iso_us(sent)} .. {_iso_us(acked)}) and not its deadline {_iso_us(a.deadline)}")

    reasons = Counter()
    for a in attempts.values():
        reasons[a.finish_reason or a.status] += 1
        if a.status != "finished" or a.finished_at is None or a.score is None:
            problem(f"attempt {a.id} not closed ({a.status})")
            continue
        if a.finished_at > a.deadline:
            problem(f"attempt {a.id} finished after its deadline")
        if a.id not in submits and a.finish_reason in ("sweep", "read") and a.finished_at != a.deadline:
            problem(f"attempt {a.id} closed by {a.finish_reason} at {a.finished_at}, not its deadline")
    kinds = {(r.attempt_id, r.position): r.type for rows in items.values() for r in rows}
    for (aid, pos), row in answers.items():
        a = attempts.get(aid)
        waits_for_person = kinds.get((aid, pos)) and not get_type(kinds[(aid, pos)]).auto_graded \
            and row.graded_at is None  # an essay waiting for a person has no mark yet, rightly
        if a is not None and a.status == "finished" and row.awarded is None and not waits_for_person:
            problem(f"answer {aid}/{pos} saved but not graded")

    regraded, pending_attempts, pending_items = regrade(attempts, items, answers, quizzes, problem)

    facts = {"ledger_lines": len(entries), "starts_acknowledged": len(starts),
             "saves_acknowledged": sum(1 for e in entries if e["op"] == "save"), "stale_saves_refused": stale_acks,
             "submits_acknowledged": sum(len(v) and 1 for v in submits.values()), "attempts": len(attempts),
             "answers": len(answers), "finish_reasons": dict(reasons), "regraded": regraded,
             "essays_pending_attempts": pending_attempts, "essays_pending": pending_items}
    return {"problems": problems, "facts": facts}


def regrade(attempts: dict, items: dict, answers: dict, quizzes: dict, problem) -> tuple[int, int, int]:
    """Regrade every finished attempt from its stored answers with the product's graders and compare
    with what is stored; returns (attempts whose totals were compared, attempts with an essay
    waiting for a person — totals not compared, such essays)."""
    from quizapp.services.grading import exact, rescore_stored

    def differs(stored, expected) -> bool:
        if stored is None or expected is None:
            return stored is not expected
        return exact(stored) != exact(expected)

    compared = pending_attempts = pending_items = 0
    for a in attempts.values():
        if a.status != "finished" or a.score is None:
            continue  # reported as not closed above
        quiz = quizzes.get(a.quiz_id)
        rows = items.get(a.id, [])
        stored = [answers.get((a.id, r.position)) for r in rows]
        try:
            again = rescore_stored(
                [(r.points, r.type, r.spec, s.value if s else None, s.graded_at if s else None,
                  s.awarded if s else None) for r, s in zip(rows, stored)],
                partial_credit=bool(quiz and quiz.partial_credit), cutoffs=quiz and quiz.cutoffs)
        except Exception as exc:  # a stored value the grader cannot read is itself a finding
            problem(f"attempt {a.id}: regrade of its stored answers failed ({type(exc).__name__}: {exc})")
            continue
        for r, s, awarded in zip(rows, stored, again["awarded"]):
            if s is not None and awarded is not None and differs(s.awarded, awarded):
                problem(f"answer {a.id}/{r.position}: stored awarded {_num(s.awarded)}, regrade of its stored "
                        f"value {s.value!r} gives {_num(awarded)}")
        if (a.pending_essays or 0) != again["pending_essays"]:
            problem(f"attempt {a.id}: {a.pending_essays} essays stored as waiting, regrade finds "
                    f"{again['pending_essays']}")
        if again["pending_essays"]:
            pending_attempts += 1
            pending_items += again["pending_essays"]
            continue
        compared += 1
        for name in ("points", "max_points", "score"):
            if differs(getattr(a, name), again[name]):
                problem(f"attempt {a.id}: {name} stored {_num(getattr(a, name))}, regrade of its answers gives "
                        f"{_num(again[name])}")
        if a.classification != again["classification"]:
            problem(f"attempt {a.id}: classification stored {a.classification}, regrade gives "
                    f"{again['classification']}")
    return compared, pending_attempts, pending_items

