"""Compare the database with the load generator's ledger after a run.

Invariants (reliability.md):
- no acknowledged answer missing, or stored with an older seq, or with another value at that seq;
- a deliberately stale save never applied;
- one attempt per member; every acknowledged start is in the database;
- no attempt finished twice: every submit acknowledgement of an attempt carries the same
  finished_at, the one stored; finished_at never after the deadline;
- every attempt closed (finished, scored, every saved answer graded); those nobody submitted were
  closed by the sweep (or a read) at their deadline.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path


def read_ledger(path: Path) -> list[dict]:
    """Every line of the ledger."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _iso(value) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


def verify(url: str, ledger_path: Path) -> dict:
    """Check the invariants; returns {"problems": [...], "facts": {...}}."""
    from sqlalchemy import create_engine, select

    from quizapp import normalize_db_url
    from quizapp.models import Answer, Attempt, AttemptItem, QuestionVersion
    from quizapp.services.display_ids import to_display

    entries = read_ledger(ledger_path)
    engine = create_engine(normalize_db_url(url))
    at, an = Attempt.__table__, Answer.__table__
    with engine.connect() as conn:
        attempts = {r.id: r for r in conn.execute(select(at))}
        answers = {(r.attempt_id, r.position): r for r in conn.execute(select(an))}
        # Takers send choices in their attempt's display ids; the database keeps the bank's ids.
        shown = {(r.attempt_id, r.position): (r.spec, r.choice_order) for r in conn.execute(
            select(AttemptItem.attempt_id, AttemptItem.position, AttemptItem.choice_order, QuestionVersion.spec)
            .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id))}
    engine.dispose()

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
    for e in (e for e in entries if e["op"] == "submit"):
        submits[e["attempt"]].add(e["finished_at"])
    for aid, finished in submits.items():
        a = attempts.get(aid)
        if len(finished) > 1:
            problem(f"attempt {aid} acknowledged with different finish times {sorted(finished)}")
        if a is None or a.status != "finished" or {_iso(a.finished_at)} != finished:
            problem(f"acknowledged submit of attempt {aid} not as stored ({finished} vs "
                    f"{a and _iso(a.finished_at)})")

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
    for (aid, pos), row in answers.items():
        a = attempts.get(aid)
        if a is not None and a.status == "finished" and row.awarded is None:
            problem(f"answer {aid}/{pos} saved but not graded")

    facts = {"ledger_lines": len(entries), "starts_acknowledged": len(starts),
             "saves_acknowledged": sum(1 for e in entries if e["op"] == "save"), "stale_saves_refused": stale_acks,
             "submits_acknowledged": sum(len(v) and 1 for v in submits.values()), "attempts": len(attempts),
             "answers": len(answers), "finish_reasons": dict(reasons)}
    return {"problems": problems, "facts": facts}
