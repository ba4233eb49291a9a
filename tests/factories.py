"""The test factories, in one module: an organization tree with two cells and people in every
role; banks, rounds and quizzes as the delivery tests use them; rounds and attempts built straight
through the models for reports (scores set directly) and for the rounds pages (answers, no grading)."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from quizapp.extensions import db
from quizapp.models import (
    Answer,
    Attempt,
    AttemptItem,
    Bank,
    Membership,
    Org,
    Person,
    Question,
    QuestionVersion,
    Quiz,
    RoundOrg,
    StudyRound,
)
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
    from sqlalchemy import select

    from quizapp.clock import utcnow

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


# ---------------------------------------------------------------- reports: rounds and attempts with set scores
REPORT_SESSION = date(2026, 2, 5)


def make_report_round(orgs: list[Org], owner: Org, *, title: str = "Học tập Nghị quyết 04", policy: str = "best",
               threshold: float = 98.0, session_date: date = REPORT_SESSION) -> StudyRound:
    """A round on REPORT_SESSION with its quiz (no questions: attempts carry their own items); flushed."""
    rnd = StudyRound(title=title, documents="Nghị quyết 04-NQ/TW\nKết luận 21-KL/TW", session_date=session_date,
                     place="Hội trường tỉnh ủy", form="truc_tiep", threshold_percent=threshold,
                     owner_org_id=owner.id)
    db.session.add(rnd)
    db.session.flush()
    for o in orgs:
        db.session.add(RoundOrg(round_id=rnd.id, org_id=o.id))
    opens = datetime(2026, 2, 5, 2, 0)
    quiz = Quiz(round_id=rnd.id, title="Kiểm tra nhận thức", short_code=f"Q{next(_codes):05d}",
                draw_rule={"mode": "fixed", "question_ids": []}, opens_at=opens,
                closes_at=opens + timedelta(days=3), attempt_policy=policy, attempts_allowed=3,
                cutoffs={"gioi": 8, "kha": 6.5, "trung_binh": 5})
    db.session.add(quiz)
    db.session.flush()
    return rnd


def make_questions(n: int = 3, topics: list[str] | None = None, essay: bool = False) -> list[QuestionVersion]:
    """n single-choice versions (choices a-d, 'a' correct), optionally one essay at the end."""
    bank = Bank(slug=f"bank-{next(_codes)}", title="Ngân hàng NQ 04", document="Nghị quyết 04-NQ/TW")
    db.session.add(bank)
    db.session.flush()
    out = []
    topics = topics or ["Biểu hiện suy thoái", "Giải pháp", "Tự diễn biến"]
    for i in range(n + (1 if essay else 0)):
        q = Question(bank_id=bank.id, key=f"q{i + 1}", position=i)
        db.session.add(q)
        db.session.flush()
        is_essay = essay and i == n
        spec = {"rubric": []} if is_essay else {"choices": [
            {"id": c, "text": f"Phương án {c.upper()}", "correct": c == "a"} for c in "abcd"]}
        qv = QuestionVersion(question_id=q.id, version=1, type="essay" if is_essay else "single",
                             text=f"Câu hỏi số {i + 1}", spec=spec, topic=topics[i % len(topics)],
                             points=1.0)
        db.session.add(qv)
        db.session.flush()
        out.append(qv)
    return out


def _classify(score: float) -> str:
    """Default cut-offs."""
    return "gioi" if score >= 8 else "kha" if score >= 6.5 else "trung_binh" if score >= 5 else "chua_dat"


def make_report_attempt(rnd: StudyRound, person: Person, score: float | None, *, number: int = 1, makeup: bool = False,
                 status: str = "finished", picks: list[str | None] | None = None,
                 versions: list[QuestionVersion] | None = None, pending: int = 0,
                 essay_awarded: float | None = None, org: Org | None = None) -> Attempt:
    """A finished (or open) attempt with its score set directly, optional items and picked choices ('a' is correct); flushed."""
    started = datetime(2026, 2, 5, 3, 0) + timedelta(days=3 if makeup else 0)
    a = Attempt(quiz_id=rnd.quiz.id, person_id=person.id, org_id=org.id if org else None, number=number,
                is_makeup=makeup, status=status, started_at=started, deadline=started + timedelta(minutes=30),
                finished_at=started + timedelta(minutes=20) if status == "finished" else None,
                score=score, classification=_classify(score) if score is not None and not pending else None,
                pending_essays=pending, seed=1)
    db.session.add(a)
    db.session.flush()
    for pos, qv in enumerate(versions or [], start=1):
        db.session.add(AttemptItem(attempt_id=a.id, position=pos, question_version_id=qv.id,
                                   choice_order=["a", "b", "c", "d"], points=1.0))
        if qv.type == "essay":
            db.session.add(Answer(attempt_id=a.id, position=pos, value={"text": "Bài thu hoạch"}, seq=1,
                                  saved_at=started, awarded=essay_awarded,
                                  fraction=None if essay_awarded is None else essay_awarded))
            continue
        pick = (picks or [])[pos - 1] if picks and pos - 1 < len(picks) else None
        if pick is None:
            continue
        db.session.add(Answer(attempt_id=a.id, position=pos, value={"choice": pick}, seq=1, saved_at=started,
                              fraction=1.0 if pick == "a" else 0.0, awarded=1.0 if pick == "a" else 0.0))
    db.session.flush()
    return a


def add_member(cell: Org, name: str, **fields) -> Person:
    """A party member of `cell` since 2020."""
    return make_person(cell, name, **fields)


def move(person: Person, new_cell: Org, on: date) -> None:
    """End the person's open membership the day before `on` and open one in new_cell."""
    for m in person.memberships:
        if m.end_date is None:
            m.end_date = on - timedelta(days=1)
    db.session.add(Membership(person_id=person.id, org_id=new_cell.id, start_date=on))
    db.session.flush()


# ---------------------------------------------------------------- rounds pages: topic banks, a fixed window
WINDOW_OPENS = datetime(2026, 3, 2, 1, 0)    # 08:00 Vietnam time
WINDOW_CLOSES = datetime(2026, 3, 2, 3, 0)   # 10:00 Vietnam time
CUTOFFS = {"gioi": 8.0, "kha": 6.5, "trung_binh": 5.0}
SINGLE = {"choices": [{"id": "a", "text": "Đúng", "correct": True}, {"id": "b", "text": "Sai", "correct": False}]}


def make_topic_bank(slug: str = "nq04", *, org=None, topics=(("Chủ đề A", 6), ("Chủ đề B", 4)),
              difficulty: str = "easy") -> Bank:
    """A bank with single-choice questions: `count` per topic; flushed."""
    bank = Bank(slug=slug, title=f"Ngân hàng {slug}", document="Nghị quyết 04-NQ/TW", org_id=org.id if org else None)
    db.session.add(bank)
    db.session.flush()
    n = 0
    for topic, count in topics:
        for _ in range(count):
            n += 1
            add_question(bank, f"{slug}-{n:03d}", "single", dict(SINGLE), topic=topic, difficulty=difficulty, position=n)
    return bank


def add_question(bank: Bank, key: str, qtype: str, spec: dict, *, topic: str = "Chủ đề A",
                 difficulty: str = "easy", points: float = 1.0, position: int = 0, text: str | None = None):
    """One question with its current version; returns (question, version)."""
    question = Question(bank_id=bank.id, key=key, position=position, active=True)
    db.session.add(question)
    db.session.flush()
    version = QuestionVersion(question_id=question.id, version=1, type=qtype, text=text or f"Câu hỏi {key}?",
                              spec=spec, topic=topic, difficulty=difficulty, points=points)
    db.session.add(version)
    db.session.flush()
    question.current_version_id = version.id
    return question, version


def make_round_with_quiz(owner, orgs, *, bank: Bank | None = None, title: str = "Học tập Nghị quyết 04",
               session_date: date = date(2026, 3, 2), opens: datetime = WINDOW_OPENS, closes: datetime = WINDOW_CLOSES,
               code: str = "ABCD234", count: int = 3) -> StudyRound:
    """A round and its quiz (a window on 2 March 2026, `count` questions drawn from `bank`), built
    straight through the models; committed."""
    rnd = StudyRound(title=title, documents="Nghị quyết 04-NQ/TW", session_date=session_date,
                     form="truc_tiep", threshold_percent=98.0, owner_org_id=owner.id)
    for org in orgs:
        rnd.orgs.append(RoundOrg(org_id=org.id))
    rule = {"mode": "random", "rules": [{"bank_id": bank.id, "count": count}]} if bank else {"mode": "fixed", "question_ids": []}
    rnd.quiz = Quiz(title="Kiểm tra nhận thức", short_code=code, draw_rule=rule, opens_at=opens, closes_at=closes,
                    cutoffs=dict(CUTOFFS), time_limit_minutes=30)
    db.session.add(rnd)
    db.session.commit()
    return rnd


def make_attempt_with_items(quiz: Quiz, person, cell, *, status: str = "finished", items=(), number: int = 1,
                 started: datetime = WINDOW_OPENS, score: float | None = None) -> Attempt:
    """An attempt with items [(version, answer_value_or_None)]; committed, not graded."""
    attempt = Attempt(quiz_id=quiz.id, person_id=person.id, org_id=cell.id, number=number, status=status,
                      started_at=started, deadline=quiz.closes_at,
                      finished_at=quiz.closes_at if status == "finished" else None, score=score)
    db.session.add(attempt)
    db.session.flush()
    for pos, (version, value) in enumerate(items, start=1):
        db.session.add(AttemptItem(attempt_id=attempt.id, position=pos, question_version_id=version.id,
                                   points=version.points))
        if value is not None:
            db.session.add(Answer(attempt_id=attempt.id, position=pos, value=value, seq=1, saved_at=started))
    db.session.commit()
    return attempt
