"""A round's paper test: variants (mã đề) drawn once, the cell's answer sheets, signed sheet tokens.

The questions are drawn once by delivery's own draw (the same rule and pool as online papers);
each variant holds those questions in its own order with its own choice order. The draw and its
seed are stored, so printing again gives the very same papers. Each member's sheet names their
variant, chosen from the seed and their id (stable whatever the roster looks like later).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import random
import struct
from dataclasses import dataclass, field

from sqlalchemy import select

from quizapp import permissions
from quizapp.database import begin_write
from quizapp.extensions import db
from quizapp.models import AuditLog, Org, PaperTest, Person, QuestionVersion, Quiz, StudyRound
from quizapp.services import participation
from quizapp.services.delivery import QuizNotReady, draw_items
from quizapp.services.exceptions import Conflict, InvalidInput, NotFound
from quizapp.services.paper_layout import LETTERS, MAX_QUESTIONS
from quizapp.services.question_types import get_type
from quizapp.services.rounds import participating_paths

FIRST_CODE = 101
MAX_VARIANTS = 8
DEFAULT_VARIANTS = 4
TOKEN_PREFIX = "PT1"
_SIG_BYTES = 8


@dataclass
class PaperItem:
    """One question as a variant prints it."""

    number: int
    version: QuestionVersion
    choice_order: list | None
    points: float

    @property
    def qtype(self):
        """The question type (owns its letters and paper answer)."""
        return get_type(self.version.type)

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(letter, text) in this variant's order."""
        return self.qtype.paper_choices(self.version.spec, self.choice_order)

    @property
    def kind(self) -> str:
        """'letters', 'text' or 'essay' (see QuestionType.paper_kind)."""
        return self.qtype.paper_kind


@dataclass
class Variant:
    """One mã đề with its questions in order."""

    code: str
    items: list[PaperItem] = field(default_factory=list)

    def item(self, number: int) -> PaperItem | None:
        """The question printed as number `number`, or None."""
        return self.items[number - 1] if 1 <= number <= len(self.items) else None


@dataclass
class Sheet:
    """One member's answer sheet."""

    person: Person
    variant: str
    token: str


# ---------------------------------------------------------------- scope


def paper_cell(rnd: StudyRound, org_id: int, person: Person) -> Org:
    """A cell the caller manages that takes part in the round; anything else is 'not found'."""
    org = permissions.get_org_or_404(org_id, person)
    if not org.is_cell or not permissions.within(org.path, participating_paths(rnd)):
        raise NotFound("Chi bộ này không tham gia đợt học tập.")
    return org


def paper_cells(rnd: StudyRound, person: Person) -> list[Org]:
    """The cells of the round the caller may print for and enter answers of, in tree order."""
    paths = participating_paths(rnd)
    return [o for o in permissions.managed_cells(person) if permissions.within(o.path, paths)]


# ---------------------------------------------------------------- the draw


def get_paper_test(quiz: Quiz) -> PaperTest | None:
    """The quiz's paper test if it was drawn."""
    return db.session.scalar(select(PaperTest).where(PaperTest.quiz_id == quiz.id))


def draw_variants(quiz: Quiz, seed: int, count: int) -> list[dict]:
    """`count` variants of the same questions: shuffled order and shuffled choices from `seed`."""
    rng = random.Random(seed)
    base = draw_items(quiz, rng)
    if len(base) > MAX_QUESTIONS:
        raise InvalidInput(f"Phiếu trả lời in được tối đa {MAX_QUESTIONS} câu; đề này có {len(base)} câu.")
    versions = {v.id: v for v in db.session.scalars(
        select(QuestionVersion).where(QuestionVersion.id.in_([it["question_version_id"] for it in base])))}
    for it in base:
        version = versions[it["question_version_id"]]
        if len(get_type(version.type).paper_choices(version.spec, None)) > len(LETTERS):
            raise InvalidInput(f"Câu hỏi {version.text[:60]}… có hơn {len(LETTERS)} phương án, "
                               f"phiếu trả lời chỉ in {LETTERS[0]}–{LETTERS[-1]}.")
    variants = []
    for i in range(count):
        items = [dict(it) for it in base]
        rng.shuffle(items)
        for pos, it in enumerate(items, start=1):
            version = versions[it["question_version_id"]]
            it["position"] = pos
            it["choice_order"] = get_type(version.type).new_choice_order(version.spec, rng)
        variants.append({"code": str(FIRST_CODE + i), "items": items})
    return variants


def ensure_paper_test(quiz: Quiz, actor: Person, count: int = DEFAULT_VARIANTS) -> PaperTest:
    """The quiz's paper test, drawing it (once, audited) with `count` variants if it has none yet."""
    found = get_paper_test(quiz)
    if found is not None:
        return found
    if not 1 <= count <= MAX_VARIANTS:
        raise InvalidInput(f"Số mã đề phải từ 1 đến {MAX_VARIANTS}.")
    seed = random.SystemRandom().randrange(1, 2**31 - 1)
    try:
        variants = draw_variants(quiz, seed, count)
    except QuizNotReady as exc:
        raise Conflict(exc.message) from None
    begin_write()
    found = get_paper_test(quiz)  # another secretary may have drawn it meanwhile: theirs stands
    if found is not None:
        db.session.rollback()
        return get_paper_test(quiz)
    paper = PaperTest(quiz_id=quiz.id, seed=seed, variants=variants, created_by_id=actor.id)
    db.session.add(paper)
    db.session.flush()
    db.session.add(AuditLog(actor_id=actor.id, action="paper.draw", target_type="quiz", target_id=quiz.id,
                            details={"paper_test_id": paper.id, "variants": [v["code"] for v in variants]}))
    db.session.commit()
    return paper


def load_variants(paper: PaperTest) -> dict[str, Variant]:
    """Variant code -> Variant with its question versions loaded (one query)."""
    ids = {it["question_version_id"] for v in paper.variants for it in v["items"]}
    versions = {v.id: v for v in db.session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(ids)))}
    out = {}
    for v in paper.variants:
        items = [PaperItem(number=it["position"], version=versions[it["question_version_id"]],
                           choice_order=it.get("choice_order"),
                           # the version's points now: a key fix may have changed them since the draw
                           points=float(versions[it["question_version_id"]].points or 1))
                 for it in sorted(v["items"], key=lambda x: x["position"])]
        out[v["code"]] = Variant(code=v["code"], items=items)
    return out


def variant_for(paper: PaperTest, person_id: int) -> str:
    """The variant printed on a member's sheet: from the seed and their id, stable across prints."""
    codes = [v["code"] for v in paper.variants]
    digest = hashlib.sha256(f"{paper.seed}:{person_id}".encode()).digest()
    return codes[int.from_bytes(digest[:4], "big") % len(codes)]


# ---------------------------------------------------------------- sheet tokens


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


def _sig(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode(), b"paper-sheet:" + payload, hashlib.sha256).digest()[:_SIG_BYTES]


def make_sheet_token(secret: str, quiz_id: int, person_id: int, variant: str) -> str:
    """The QR payload of an answer sheet: member, quiz and variant, signed (forging one needs the key)."""
    payload = struct.pack(">IIH", quiz_id, person_id, int(variant))
    return f"{TOKEN_PREFIX}-{_b32(payload + _sig(secret, payload))}"


def read_sheet_token(secret: str, token: str) -> tuple[int, int, str]:
    """(quiz_id, person_id, variant) of a sheet token; InvalidInput if it is not one we signed."""
    bad = InvalidInput("Mã trên phiếu trả lời không hợp lệ.")
    prefix, _, body = (token or "").strip().upper().partition("-")
    if prefix != TOKEN_PREFIX or not body or len(body) > 40:
        raise bad
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except ValueError:
        raise bad from None
    payload, sig = raw[:-_SIG_BYTES], raw[-_SIG_BYTES:]
    if len(payload) != 10 or not hmac.compare_digest(sig, _sig(secret, payload)):
        raise bad
    quiz_id, person_id, variant = struct.unpack(">IIH", payload)
    return quiz_id, person_id, str(variant)


# ---------------------------------------------------------------- the cell's roster


def cell_roster(rnd: StudyRound, cell: Org) -> list[participation.MemberStatus]:
    """Members of the cell on the session date, in roster order (Vietnamese collation), with their state."""
    return [s for s in participation.member_statuses(rnd, cell) if s.cell.id == cell.id]


def sheets_for(rnd: StudyRound, cell: Org, paper: PaperTest, secret: str) -> list[Sheet]:
    """One answer sheet per member of the cell, in roster order."""
    out = []
    for status in cell_roster(rnd, cell):
        code = variant_for(paper, status.person.id)
        out.append(Sheet(person=status.person, variant=code,
                         token=make_sheet_token(secret, rnd.quiz.id, status.person.id, code)))
    return out


def record_print(actor: Person, rnd: StudyRound, cell: Org, count: int) -> None:
    """Audit that a cell's paper test was printed."""
    begin_write()
    db.session.add(AuditLog(actor_id=actor.id, action="paper.print", target_type="org", target_id=cell.id,
                            details={"round_id": rnd.id, "sheets": count}))
    db.session.commit()
