"""Demo organization: a đảng ủy with five cells, ~80 people, every role, banks and a round."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from quizapp.clock import today_local, utcnow
from quizapp.extensions import db
from quizapp.models import Bank, Membership, Org, OrgKind, PartyStatus, Person, Quiz
from quizapp.services import accounts, orgs

DEMO_PASSWORD = "hoctap2026"
BANKS_DIR = Path(__file__).resolve().parent.parent.parent / "question_banks"

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
          "Hồ", "Ngô", "Dương", "Lý", "Điểu", "Thị"]
MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân", "Ngọc", "Đình"]
MIDDLE_F = ["Thị", "Thị Ngọc", "Thị Thu", "Thị Kim", "Thị Hồng", "Ngọc", "Thanh", "Thùy", "Mỹ", "Bảo"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Quang",
           "Sơn", "Tâm", "Thắng", "Toàn", "Trung", "Tuấn", "Việt", "Vinh", "Ân", "Ấn", "Anh"]
GIVEN_F = ["Ánh", "Anh", "Chi", "Dung", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Lan", "Linh", "Mai",
           "Nga", "Ngân", "Nhung", "Oanh", "Phương", "Quyên", "Thảo", "Trang", "Uyên", "Yến"]

CELLS = [
    ("CB-STTTT", "Chi bộ Sở Thông tin và Truyền thông"),
    ("CB-SNV", "Chi bộ Sở Nội vụ"),
    ("CB-STC", "Chi bộ Sở Tài chính"),
    ("CB-SGDDT", "Chi bộ Sở Giáo dục và Đào tạo"),
    ("CB-VPUB", "Chi bộ Văn phòng Ủy ban nhân dân tỉnh"),
]


def _name(rng: random.Random) -> str:
    female = rng.random() < 0.45
    family = rng.choice(FAMILY[:-1])
    middle = rng.choice(MIDDLE_F if female else MIDDLE_M)
    given = rng.choice(GIVEN_F if female else GIVEN_M)
    return f"{family} {middle} {given}"


def _person(code: str, name: str, cell: Org | None, password_hash: str, *, exempt_from: date | None = None,
            **fields) -> Person:
    """A demo person in `cell` since 01/01/2020, with dated status (and exemption from `exempt_from`)."""
    from quizapp.services import history

    person = Person(member_code=code, password_hash=password_hash, must_change_password=False, **fields)
    person.set_name(name)
    db.session.add(person)
    db.session.flush()
    start = date(2020, 1, 1)
    if cell is not None:
        db.session.add(Membership(person_id=person.id, org_id=cell.id, start_date=start))
    exempt = person.exempt
    person.exempt = False
    history.seed_history(person, start)
    if exempt:  # exempt since a date well before the finished demo round
        history.set_exemption(person, True, person.exempt_reason, exempt_from or start)
    return person


def load(force: bool = False) -> str:
    """Create the demo data once (unless force) and return the logins to print."""
    if db.session.scalar(select(func.count(Org.id))) and not force:
        return "Cơ sở dữ liệu đã có dữ liệu — bỏ qua nạp dữ liệu mẫu.\n" + logins_text()
    rng = random.Random(2026)
    pw = accounts.hash_password(DEMO_PASSWORD)
    province = orgs.create_org("DBT-BP", "Đảng bộ tỉnh Bình Phước", OrgKind.DANG_BO_TINH, place="Đồng Xoài")
    committee = orgs.create_org(
        "DU-KCQ", "Đảng ủy các cơ quan Đảng tỉnh", "dang_uy_co_so", province,
        place="Đồng Xoài", term="2025-2030", has_seal=True,
    )
    cells = [orgs.create_org(code, name, OrgKind.CHI_BO, committee, place="Đồng Xoài", term="2025-2027")
             for code, name in CELLS]
    admin = _person("QUANTRI", "Quản trị hệ thống", None, pw, party_status=PartyStatus.NGOAI_DANG)
    orgs.grant_role(admin, "admin", None)
    staff = _person("VANPHONG", "Lê Thị Thu Hà", None, pw)
    orgs.grant_role(staff, "staff", committee)
    # The committee's secretary signs its roll-ups; the roll-up goes to the province's standing committee.
    committee.secretary_id = _person("BITHU-DU", "Trần Quốc Thắng", None, pw).id
    number = 1
    for ci, cell in enumerate(cells):
        size = 16
        for i in range(size):
            code = f"BP{ci + 1:02d}{i + 1:03d}"
            fields = {"date_of_birth": date(1960, 1, 1) + timedelta(days=rng.randint(0, 365 * 40))}
            if i == size - 1:
                fields.update(exempt=True, exempt_reason="Tuổi cao, sức khỏe yếu",
                              date_of_birth=date(1948, 5, 19), exempt_from=date(2024, 3, 1))
            elif i in (size - 2, size - 3):
                fields["party_status"] = PartyStatus.DU_BI
            elif i == size - 4 and ci == 0:
                fields["party_status"] = PartyStatus.NGOAI_DANG
            person = _person(code, _name(rng), cell, pw, **fields)
            if i == 0:
                orgs.grant_role(person, "secretary", cell)
            elif i == 1:
                orgs.grant_role(person, "deputy", cell)
            number += 1
    db.session.commit()
    lines = _load_banks()
    lines += _load_rounds(committee, cells, staff, rng)
    return "Đã nạp dữ liệu mẫu.\n" + "\n".join(lines) + "\n" + logins_text()


def _load_banks() -> list[str]:
    """Import the shipped banks as site-wide banks."""
    from quizapp.services import banks

    lines = []
    for path in sorted(BANKS_DIR.glob("*.yaml")):
        result = banks.import_bank(path.read_bytes(), filename=path.name)
        lines.append(f"  Ngân hàng câu hỏi {path.name}: {result.summary()}")
    return lines


def _bank(slug: str) -> Bank:
    return db.session.scalar(select(Bank).where(Bank.slug == slug))


def _draw(bank: Bank, *rows: tuple) -> dict:
    """A random draw with one rule per question type (and topic), so every paper has the same
    structure and total points: rows are (type, count) or (type, count, topic)."""
    rules = []
    for qtype, count, *topic in rows:
        rule = {"bank_id": bank.id, "type": qtype, "count": count}
        if topic:
            rule["topic"] = topic[0]
        rules.append(rule)
    return {"mode": "random", "rules": rules}


def _quiz_fields(title: str, draw_rule: dict, opens: datetime, closes: datetime, minutes: int) -> dict:
    return {
        "title": title, "draw_rule": draw_rule,
        "shuffle_questions": True, "shuffle_choices": True, "time_limit_minutes": minutes,
        "opens_at": opens, "closes_at": closes, "attempts_allowed": 1, "attempt_policy": "best",
        "cutoffs": dict(current_app.config["DEFAULT_CUTOFFS"]), "review_policy": "correct",
        "review_when": "after_close", "partial_credit": True, "grace_seconds": 60,
    }


def _load_rounds(committee: Org, cells: list[Org], staff: Person, rng: random.Random) -> list[str]:
    """A finished round with results (for the board, sheets and roll-ups) and one open now."""
    from quizapp.services import rounds

    now = utcnow()
    today = today_local()
    plan = _bank("ke-hoach-giao-duc-chinh-tri-2023-2025")
    nq04 = _bank("nghi-quyet-04-nq-tw-ket-luan-21-kl-tw")
    past_open = now - timedelta(days=10)
    past = rounds.create_round(
        {"title": "Học tập, quán triệt Kế hoạch nâng cao hiệu quả công tác tuyên truyền, giáo dục chính trị, tư tưởng giai đoạn 2023-2025",
         "documents": plan.document, "session_date": today - timedelta(days=10), "place": "Hội trường Sở Thông tin và Truyền thông",
         "form": "ket_hop", "threshold_percent": 98.0},
        # 20 questions of 1 point each, all graded automatically: final results for the board and sheets.
        _quiz_fields("Kiểm tra nhận thức sau học tập Kế hoạch giai đoạn 2023-2025",
                     _draw(plan, ("single", 12), ("true_false", 4), ("multiple", 3), ("short_text", 1)),
                     past_open, past_open + timedelta(days=3), 30),
        committee, [committee], staff,
    )
    taken = _simulate_attempts(past.quiz, cells, past_open + timedelta(minutes=5), rng)
    current = rounds.create_round(
        {"title": "Học tập, quán triệt Nghị quyết 04-NQ/TW và Kết luận 21-KL/TW",
         "documents": nq04.document, "session_date": today, "place": "Hội trường Đảng ủy",
         "form": "truc_tiep", "threshold_percent": 98.0},
        # 14 one-point questions and the 5-point essay for everyone: 19 points on every paper.
        _quiz_fields("Kiểm tra nhận thức sau học tập Nghị quyết 04-NQ/TW",
                     _draw(nq04, ("single", 8), ("true_false", 3), ("multiple", 2), ("short_text", 1),
                           ("essay", 1, "Liên hệ, vận dụng")),
                     now - timedelta(hours=1), now + timedelta(days=7), 30),
        committee, [committee], staff,
    )
    return [
        f"  Đợt học tập đã kết thúc: {past.title} ({taken} bài đã nộp).",
        f"  Đợt học tập đang mở: {current.title} — đường dẫn ngắn /q/{current.quiz.short_code}",
    ]


def _simulate_attempts(quiz: Quiz, cells: list[Org], start: datetime, rng: random.Random) -> int:
    """Members answer through the real delivery services; most take part, a few are absent."""
    from quizapp.services import delivery
    from quizapp.services.question_types import get_type

    taken = 0
    for cell in cells:
        people = db.session.scalars(
            select(Person).join(Membership, Membership.person_id == Person.id)
            .where(Membership.org_id == cell.id, Person.exempt.is_(False)).order_by(Person.member_code)
        ).all()
        for i, person in enumerate(people):
            if i == len(people) - 1 and cell is not cells[0]:
                continue  # one absentee in every cell but the first: cells fall short of 98%
            skill = rng.uniform(0.45, 0.97)
            when = start + timedelta(minutes=rng.randint(0, 50))
            attempt = delivery.start_attempt(quiz.id, person, now=when)
            for item in attempt.items:
                version = item.question_version
                qtype = get_type(version.type)
                # A plausible answer: the key when right, otherwise a wrong one (the type's own sample).
                value = qtype.demo_answer(version.spec, rng.random() < skill, rng)
                delivery.save_answer(attempt.id, person.id, item.position, value, 1,
                                     now=when + timedelta(seconds=20 * item.position))
            delivery.submit_attempt(attempt.id, person_id=person.id, now=when + timedelta(minutes=12))
            taken += 1
    return taken


def logins_text() -> str:
    """The demo logins, one per role, to print after `make run`."""
    rows = [("Quản trị hệ thống", "QUANTRI"), ("Văn phòng Đảng ủy (cán bộ)", "VANPHONG")]
    for ci, (_code, name) in enumerate(CELLS[:2]):
        rows.append((f"Bí thư {name}", f"BP{ci + 1:02d}001"))
        rows.append((f"Đảng viên {name}", f"BP{ci + 1:02d}005"))
    width = max(len(r[0]) for r in rows)
    out = ["Tài khoản dùng thử (mật khẩu chung: " + DEMO_PASSWORD + "):"]
    out += [f"  {label.ljust(width)}  {code}" for label, code in rows]
    out.append("Mỗi chi bộ: BPxx001 là bí thư, BPxx002 là phó bí thư, BPxx003…BPxx016 là đảng viên.")
    return "\n".join(out)
