"""Plain factories for tests: an organization tree with two cells and people in every role."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

from quizapp.extensions import db
from quizapp.models import Membership, Org, Person
from quizapp.services import accounts, history, orgs

PASSWORD = "matkhau-123"
_codes = itertools.count(1)


def make_person(cell: Org | None, name: str = "Nguyễn Văn An", code: str | None = None, *,
                password: str = PASSWORD, start: date = date(2020, 1, 1), **fields) -> Person:
    """A person with a membership of `cell` from `start`; flushed, not committed."""
    person = Person(member_code=code or f"DV{next(_codes):05d}", **fields)
    person.set_name(name)
    person.password_hash = accounts.hash_password(password)
    person.must_change_password = False
    db.session.add(person)
    db.session.flush()
    if cell is not None:
        db.session.add(Membership(person_id=person.id, org_id=cell.id, start_date=start))
    history.seed_history(person, start)  # status and exemption are dated from the same day
    return person


@dataclass
class World:
    """Two cells under one grassroots committee, under a province; a person in every role."""

    province: Org
    committee: Org
    cell_a: Org
    cell_b: Org
    admin: Person
    staff: Person
    secretary_a: Person
    deputy_a: Person
    secretary_b: Person
    member_a: Person
    member_b: Person
    others: dict = field(default_factory=dict)

    def people(self) -> dict[str, Person]:
        """Role name -> person, for parametrized route walks."""
        return {
            "admin": self.admin, "staff": self.staff, "secretary_a": self.secretary_a,
            "deputy_a": self.deputy_a, "secretary_b": self.secretary_b,
            "member_a": self.member_a, "member_b": self.member_b,
        }


def make_world() -> World:
    """Build and commit the two-cell world."""
    province = orgs.create_org("DBT", "Đảng bộ tỉnh Bình Phước", "dang_bo_tinh", place="Đồng Xoài")
    committee = orgs.create_org("DUCQ", "Đảng ủy Khối các cơ quan tỉnh", "dang_uy_co_so", province, place="Đồng Xoài", term="2025-2030")
    cell_a = orgs.create_org("CB-A", "Chi bộ Sở Thông tin và Truyền thông", "chi_bo", committee, place="Đồng Xoài", term="2025-2027")
    cell_b = orgs.create_org("CB-B", "Chi bộ Sở Nội vụ", "chi_bo", committee, place="Đồng Xoài", term="2025-2027")
    admin = make_person(None, "Quản Trị Viên", "ADMIN")
    staff = make_person(None, "Lê Thị Hồng", "STAFF1")
    secretary_a = make_person(cell_a, "Trần Văn Bình", "SECA")
    deputy_a = make_person(cell_a, "Phạm Thị Cúc", "DEPA")
    secretary_b = make_person(cell_b, "Hoàng Văn Dũng", "SECB")
    member_a = make_person(cell_a, "Nguyễn Thị Ngọc Ánh", "MEMA")
    member_b = make_person(cell_b, "Võ Văn Em", "MEMB")
    orgs.grant_role(admin, "admin", None)
    orgs.grant_role(staff, "staff", committee)
    orgs.grant_role(secretary_a, "secretary", cell_a)
    orgs.grant_role(deputy_a, "deputy", cell_a)
    orgs.grant_role(secretary_b, "secretary", cell_b)
    committee.secretary_id = staff.id  # signs the committee's roll-ups (no role: the staff grant decides access)
    db.session.commit()
    return World(province, committee, cell_a, cell_b, admin, staff, secretary_a, deputy_a,
                 secretary_b, member_a, member_b)


# ---------------------------------------------------------------- quizzes (bank, round, quiz)
# One question of every registered type; texts chosen so that no key appears in a question text,
# which lets the no-leak tests scan responses for the key strings below.
SAMPLE_QUESTIONS = [
    ("single", "Nghị quyết Trung ương 4 khóa XII về xây dựng Đảng được ban hành năm nào?",
     {"choices": [{"id": "a", "text": "Năm 2014"}, {"id": "b", "text": "Năm 2016", "correct": True},
                  {"id": "c", "text": "Năm 2018"}, {"id": "d", "text": "Năm 2020"}]}),
    ("multiple", "Những văn bản nào do Bộ Chính trị ban hành?",
     {"choices": [{"id": "a", "text": "Chỉ thị 05-CT/TW", "correct": True},
                  {"id": "b", "text": "Quy định 114-QĐ/TW", "correct": True},
                  {"id": "c", "text": "Luật Cán bộ, công chức"}, {"id": "d", "text": "Nghị định 30/2020"}]}),
    ("true_false", "Quy định 37-QĐ/TW về những điều đảng viên không được làm gồm 19 điều.", {"answer": True}),
    ("short_text", "Nghị quyết 04-NQ/TW nói về ngăn chặn “tự diễn biến” và cụm từ nào nữa?",
     {"answers": ["tự chuyển hóa", "tu chuyen hoa"], "match_diacritics": False}),
    ("essay", "Hãy viết bài thu hoạch về việc học tập và làm theo Bác.",
     {"rubric": [{"criterion": "Nêu đúng nội dung cốt lõi của chuyên đề", "points": 0.5},
                 {"criterion": "Liên hệ bản thân có kế hoạch cụ thể", "points": 0.5}]}),
]
SECRET_STRINGS = ["chuyển hóa", "chuyen hoa", "cốt lõi", "kế hoạch cụ thể", "match_diacritics", "rubric",
                  '"correct":', "data-correct", 'class="correct', "is_correct", '"answer": true', '"answer":true',
                  '"answers":', "Giải thích đáp án"]


def make_bank(org: Org | None = None, slug: str | None = None, questions=SAMPLE_QUESTIONS, *,
              copies: int = 1, topic: str = "Chung", difficulty: str = "medium", points: float = 1.0):
    """A bank holding `copies` of each (type, text, raw spec) question, with current versions; flushed."""
    from quizapp.models import Bank, Question, QuestionVersion
    from quizapp.services.question_types import get_type

    n = next(_codes)
    bank = Bank(slug=slug or f"bank-{n}", title=f"Ngân hàng {n}", document="Nghị quyết 04-NQ/TW",
                org_id=org.id if org else None)
    db.session.add(bank)
    db.session.flush()
    pos = 0
    for copy in range(copies):
        for qtype, text, raw in questions:
            pos += 1
            q = Question(bank_id=bank.id, key=f"q{pos}", position=pos, active=True)
            db.session.add(q)
            db.session.flush()
            v = QuestionVersion(question_id=q.id, version=1, type=qtype,
                                text=text if copies == 1 else f"{text} (#{copy + 1})",
                                spec=get_type(qtype).parse_spec(raw), topic=topic, difficulty=difficulty,
                                points=points, explanation="Giải thích đáp án: xem văn bản gốc.",
                                source_document="Nghị quyết 04-NQ/TW")
            db.session.add(v)
            db.session.flush()
            q.current_version_id = v.id
    db.session.flush()
    return bank


def make_round(owner: Org, participating: list[Org], *, session_date: date = date(2026, 2, 5),
               title: str = "Học tập, quán triệt Nghị quyết 04-NQ/TW", threshold: float = 98.0):
    """A study round owned by `owner` with the given participating orgs; flushed."""
    from quizapp.models import RoundOrg, StudyRound

    rnd = StudyRound(title=title, documents="Nghị quyết 04-NQ/TW", session_date=session_date,
                     place="Hội trường", threshold_percent=threshold, owner_org_id=owner.id)
    db.session.add(rnd)
    db.session.flush()
    for org in participating:
        db.session.add(RoundOrg(round_id=rnd.id, org_id=org.id))
    db.session.flush()
    return rnd


def make_quiz(owner: Org, participating: list[Org], *, bank=None, draw_rule: dict | None = None,
              opens_at=None, closes_at=None, session_date: date | None = None, commit: bool = True, **fields):
    """A round + quiz over `bank` (default: one question of every type, drawn as a fixed list).

    Times are naive UTC; by default the quiz opened an hour ago and closes in two hours.
    Any Quiz column can be overridden through **fields (time_limit_minutes, review_policy, ...).
    """
    from datetime import timedelta

    from quizapp.clock import utcnow
    from quizapp.models import Question, Quiz
    from sqlalchemy import select

    bank = bank or make_bank(owner)
    if draw_rule is None:
        ids = list(db.session.scalars(select(Question.id).where(Question.bank_id == bank.id).order_by(Question.position)))
        draw_rule = {"mode": "fixed", "question_ids": ids}
    now = utcnow()
    rnd = make_round(owner, participating, **({"session_date": session_date} if session_date else {}))
    defaults = dict(title="Kiểm tra nhận thức Nghị quyết 04-NQ/TW", short_code=f"K{next(_codes):05d}",
                    draw_rule=draw_rule, shuffle_questions=False, shuffle_choices=False, time_limit_minutes=30,
                    opens_at=opens_at or now - timedelta(hours=1), closes_at=closes_at or now + timedelta(hours=2),
                    attempts_allowed=1, attempt_policy="best", cutoffs={"gioi": 8, "kha": 6.5, "trung_binh": 5},
                    review_policy="answers", review_when="after_submit", partial_credit=True, grace_seconds=60)
    defaults.update(fields)
    quiz = Quiz(round_id=rnd.id, **defaults)
    db.session.add(quiz)
    db.session.flush()
    if commit:
        db.session.commit()
    return quiz


def open_quiz_ids(person: Person, now=None) -> list[int]:
    """The quizzes the member's list offers to take now (their round's window or a make-up)."""
    from quizapp.services import attempt_view

    return [card["quiz"].id for card in attempt_view.member_quizzes(person, now) if card["state"] == "open"]
