"""Report builders benchmark: cell sheet (30 / 100 members), roll-up of 1,000 cells / 40,000
members, and the 40,000-row .xlsx. Times first (best of N), then peak Python memory with
tracemalloc in a separate run of the same step.

    .venv/bin/python bench/reports_bench.py [--db sqlite:////tmp/reports_bench.sqlite3]
    .venv/bin/python bench/reports_bench.py --reuse --only members-xlsx --profile 30

`--only STEP` (repeatable) times some steps only; `--profile N` then runs each chosen step once
under cProfile and prints its N most expensive functions by cumulative time.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
import time
import tracemalloc
from datetime import date, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import insert  # noqa: E402

from quizapp import create_app  # noqa: E402
from quizapp.config import TestingConfig  # noqa: E402
from quizapp.extensions import db  # noqa: E402
from quizapp.models import (Answer, Attempt, AttemptItem, Bank, Exemption, Membership, PartyStatusPeriod,  # noqa: E402
                            Person, Question, QuestionVersion, Quiz, RoundOrg, StudyRound)
from quizapp.services import orgs  # noqa: E402
from quizapp.vn import name_sort_key  # noqa: E402

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Văn", "Thị", "Ngọc", "Minh", "Thanh", "Hữu", "Thu"]
GIVEN = ["An", "Ánh", "Bình", "Cúc", "Dũng", "Em", "Giang", "Hoa", "Khánh", "Lan", "Mai", "Nam", "Oanh", "Phúc"]
ITEMS = 10


def build(cells: int, per_cell: int) -> dict:
    """Committee with `cells` cells (+ one of 30 and one of 100), attempts with ITEMS answers each."""
    rng = random.Random(7)
    db.drop_all()
    db.create_all()
    top = orgs.create_org("DUCQ", "Đảng ủy Khối các cơ quan tỉnh", "dang_uy_co_so", place="Đồng Xoài", term="2025-2030")
    sizes = [30, 100] + [per_cell] * (cells - 2)
    cell_orgs = [orgs.create_org(f"CB{i:04d}", f"Chi bộ số {i + 1}", "chi_bo", top, place="Đồng Xoài", term="2025-2027")
                 for i in range(len(sizes))]
    rnd = StudyRound(title="Học tập Nghị quyết 04", documents="Nghị quyết 04-NQ/TW", session_date=date(2026, 2, 5),
                     owner_org_id=top.id, threshold_percent=98.0)
    db.session.add(rnd)
    db.session.flush()
    db.session.add(RoundOrg(round_id=rnd.id, org_id=top.id))
    opens = datetime(2026, 2, 5, 2)
    quiz = Quiz(round_id=rnd.id, title="Kiểm tra", short_code="BENCH", draw_rule={"mode": "fixed"}, opens_at=opens,
                closes_at=opens + timedelta(days=2), cutoffs={"gioi": 8, "kha": 6.5, "trung_binh": 5})
    db.session.add(quiz)
    bank = Bank(slug="bench", title="Bench", document="NQ 04")
    db.session.add(bank)
    db.session.flush()
    versions = []
    for i in range(ITEMS):
        q = Question(bank_id=bank.id, key=f"q{i}", position=i)
        db.session.add(q)
        db.session.flush()
        v = QuestionVersion(question_id=q.id, type="single", text=f"Câu {i + 1}", topic=f"Chủ đề {i % 4 + 1}",
                            spec={"choices": [{"id": c, "text": c, "correct": c == "a"} for c in "abcd"]})
        db.session.add(v)
        db.session.flush()
        versions.append(v.id)
    db.session.commit()
    people, members, attempts, items, answers, statuses, exemptions = [], [], [], [], [], [], []
    pid = aid = 0
    started = datetime(2026, 2, 5, 3)
    for cell, size in zip(cell_orgs, sizes):
        for _ in range(size):
            pid += 1
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            people.append({"id": pid, "member_code": f"B{pid:06d}", "full_name": name, "name_key": name_sort_key(name),
                           "party_status": "chinh_thuc", "exempt": rng.random() < 0.01, "state": "active",
                           "must_change_password": False, "created_at": started, "updated_at": started})
            members.append({"person_id": pid, "org_id": cell.id, "start_date": date(2020, 1, 1)})
            # Reports read status and exemption from their dated periods, as of the session date.
            statuses.append({"person_id": pid, "party_status": "chinh_thuc", "start_date": date(2020, 1, 1)})
            if people[-1]["exempt"]:
                exemptions.append({"person_id": pid, "reason": "Tuổi cao", "start_date": date(2020, 1, 1)})
            if rng.random() < 0.985:
                aid += 1
                correct = [rng.random() < 0.75 for _ in range(ITEMS)]
                score = round(10 * sum(correct) / ITEMS, 1)
                cls = "gioi" if score >= 8 else "kha" if score >= 6.5 else "trung_binh" if score >= 5 else "chua_dat"
                attempts.append({"id": aid, "quiz_id": quiz.id, "person_id": pid, "org_id": cell.id, "number": 1,
                                 "is_makeup": rng.random() < 0.02, "status": "finished", "seed": 1,
                                 "started_at": started, "deadline": started, "finished_at": started, "score": score,
                                 "classification": cls, "pending_essays": 0})
                for pos, (vid, ok) in enumerate(zip(versions, correct), start=1):
                    items.append({"attempt_id": aid, "position": pos, "question_version_id": vid, "points": 1.0})
                    answers.append({"attempt_id": aid, "position": pos, "value": {"choice": "a" if ok else "b"},
                                    "seq": 1, "saved_at": started, "fraction": 1.0 if ok else 0.0})
    for table, rows in ((Person, people), (Membership, members), (PartyStatusPeriod, statuses),
                        (Exemption, exemptions), (Attempt, attempts), (AttemptItem, items), (Answer, answers)):
        for i in range(0, len(rows), 5000):
            db.session.execute(insert(table), rows[i:i + 5000])
    # Sheets and roll-ups need a signer, and the top node a receiving body.
    first = 1
    for cell, size in zip(cell_orgs, sizes):
        cell.secretary_id, first = first, first + size
    top.secretary_id, top.report_to = 1, "Ban Thường vụ Tỉnh ủy Đồng Nai"
    db.session.commit()
    analyze()
    return {"round_id": rnd.id, "top_id": top.id, "cell30": cell_orgs[0].id, "cell100": cell_orgs[1].id,
            "members": len(people), "cells": len(sizes)}


def analyze() -> None:
    """Planner statistics, as autovacuum keeps them on a live PostgreSQL server (the test server runs
    with autovacuum off: without them every estimate is 1 row and the plans are nested loops)."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy import text

        db.session.execute(text("ANALYZE"))
        db.session.commit()


def reuse_info() -> dict:
    """Ids of the data set a previous run built."""
    from sqlalchemy import func, select

    from quizapp.models import Org

    code = {o.code: o.id for o in db.session.scalars(select(Org).where(Org.code.in_(["DUCQ", "CB0000", "CB0001"])))}
    return {"round_id": 1, "top_id": code["DUCQ"], "cell30": code["CB0000"], "cell100": code["CB0001"],
            "members": db.session.scalar(select(func.count(Person.id))),
            "cells": db.session.scalar(select(func.count(Org.id)).where(Org.kind == "chi_bo"))}


PROFILE_TOP = 0  # --profile N: print the N costliest functions of one extra run of each step
STEPS = ("sheet-30", "sheet-100", "rollup-pdf", "rollup-xlsx", "members-xlsx", "members-csv")


def measure(label: str, fn, repeat: int = 3) -> dict:
    """Best-of-N wall time, then peak traced memory of one more run (and a profile if asked)."""
    times = []
    size = 0
    for _ in range(repeat):
        db.session.rollback()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        size = len(out)
    db.session.rollback()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    row = {"step": label, "best_s": min(times), "median_s": sorted(times)[len(times) // 2],
           "peak_mib": peak / 2**20, "bytes": size}
    print(f"{label:<44} best {row['best_s'] * 1000:9.1f} ms  median {row['median_s'] * 1000:9.1f} ms  "
          f"peak {row['peak_mib']:7.1f} MiB  output {size / 1024:8.1f} KiB", flush=True)
    if PROFILE_TOP:
        db.session.rollback()
        prof = cProfile.Profile()
        prof.runcall(fn)
        pstats.Stats(prof, stream=sys.stdout).sort_stats("cumulative").print_stats(PROFILE_TOP)
    return row


def main() -> None:
    """Build the data set once, then time each report builder."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite:////tmp/reports_bench.sqlite3")
    ap.add_argument("--cells", type=int, default=1000)
    ap.add_argument("--per-cell", type=int, default=40)
    ap.add_argument("--reuse", action="store_true", help="Reuse the data set left by a previous run.")
    ap.add_argument("--only", action="append", choices=STEPS, help="Time only this step (repeatable).")
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="Profile one more run of each step and print its N costliest functions.")
    args = ap.parse_args()
    global PROFILE_TOP
    PROFILE_TOP = args.profile
    chosen = set(args.only or STEPS)
    if not args.reuse and args.db.startswith("sqlite:////") and os.path.exists(args.db[len("sqlite:///"):]):
        os.unlink(args.db[len("sqlite:///"):])
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=args.db)
    with app.app_context():
        from quizapp.models import Org, StudyRound as SR
        from quizapp.services.pdf_fonts import register_serif
        from quizapp.services.reporting import excel
        from quizapp.services.reporting import documents
        from quizapp.services.reporting.rollup import issue_rollup

        t0 = time.perf_counter()
        info = reuse_info() if args.reuse else build(args.cells, args.per_cell)
        if args.reuse:
            analyze()
        print(f"data: {info['members']:,} members in {info['cells']:,} cells, {ITEMS} answers each "
              f"(built in {time.perf_counter() - t0:.1f} s)", flush=True)
        register_serif()  # one-time font load, not part of a request after the first
        rnd = db.session.get(SR, info["round_id"])

        # Issuing stores a document and never reuses a number, so the builds are timed as previews
        # (the same data and layout, without the number, the code and the stored record).
        def sheet(org_id):
            return lambda: documents.preview(db.session.get(SR, info["round_id"]), db.session.get(Org, org_id),
                                             "cell_sheet")

        top = lambda: db.session.get(Org, info["top_id"])  # noqa: E731
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        if "sheet-30" in chosen:
            measure("cell sheet PDF, 30 members", sheet(info["cell30"]), repeat=5)
        if "sheet-100" in chosen:
            measure("cell sheet PDF, 100 members", sheet(info["cell100"]), repeat=5)
        if "rollup-pdf" in chosen:
            measure(f"roll-up PDF, {info['cells']:,} cells / {info['members']:,}",
                    lambda: documents.preview(db.session.get(SR, info["round_id"]), top(), "rollup"), repeat=2)
        if "rollup-xlsx" in chosen:
            measure(f"roll-up xlsx, {info['cells']:,} cells",
                    lambda: issue_rollup(db.session.get(SR, info["round_id"]), top(), None, fmt="xlsx")[1], repeat=2)
        if "members-xlsx" in chosen:
            measure(f"members xlsx, {info['members']:,} rows",
                    lambda: excel.members_xlsx(db.session.get(SR, info["round_id"]), top()), repeat=2)
        if "members-csv" in chosen:
            measure(f"members csv, {info['members']:,} rows",
                    lambda: excel.members_csv(db.session.get(SR, info["round_id"]), top()), repeat=2)
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        del rnd


if __name__ == "__main__":
    main()
