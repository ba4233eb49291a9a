"""A photographed answer sheet, read for one cell: whose sheet it is, its variant, the marked letters.

Nothing is saved here: the page shows the reading, the secretary corrects it, and the confirmed
answers go through paper_entry.save_rows like a typed grid row (same checks, grading and audit).
"""
from __future__ import annotations

from dataclasses import dataclass

from quizapp.models import Org, PaperTest, Person, StudyRound
from quizapp.services import omr, paper_tests
from quizapp.services.exceptions import InvalidInput, NotFound

MAX_PHOTO_BYTES = 4 * 1024 * 1024
TOO_BIG = "Ảnh quá lớn (tối đa 4 MB) — chụp lại ở độ phân giải thấp hơn."
OTHER_ROUND = "Phiếu này thuộc một đợt học tập khác, không phải đợt này."
OTHER_CELL = "Phiếu này không phải của một đảng viên trong chi bộ này."


@dataclass
class PhotoReading:
    """What the photo says, ready to show and to prefill the confirmation form."""

    token: str
    person: Person
    variant: str
    reading: omr.SheetReading
    short_count: int

    @property
    def answers(self) -> str:
        return self.reading.answers_text()


def sheet_owner(rnd: StudyRound, cell: Org, paper: PaperTest, token: str, secret: str) -> tuple[Person, str]:
    """(member, variant) of a sheet token, if it is this round's and the member is in this cell."""
    quiz_id, person_id, variant = paper_tests.read_sheet_token(secret, token)
    if quiz_id != rnd.quiz.id:
        raise InvalidInput(OTHER_ROUND)
    person = next((s.person for s in paper_tests.cell_roster(rnd, cell) if s.person.id == person_id), None)
    if person is None:
        raise NotFound(OTHER_CELL)
    if variant not in paper_tests.load_variants(paper):
        raise InvalidInput(f"Phiếu ghi mã đề {variant}, không có trong đề giấy của đợt này.")
    return person, variant


def read_photo(rnd: StudyRound, cell: Org, paper: PaperTest, image_bytes: bytes, secret: str) -> PhotoReading:
    """Read a sheet photo of this cell; InvalidInput/NotFound (Vietnamese) when it cannot be used."""
    if len(image_bytes) > MAX_PHOTO_BYTES:
        raise InvalidInput(TOO_BIG)
    variants = paper_tests.load_variants(paper)
    owner: dict = {}

    def questions_for(token: str) -> omr.Questions:
        owner["person"], owner["variant"] = sheet_owner(rnd, cell, paper, token, secret)
        items = variants[owner["variant"]].items
        return {it.number: ("".join(letter for letter, _ in it.choices), it.qtype.paper_multi)
                for it in items if it.kind == "letters"}

    reading = omr.read_sheet(image_bytes, questions_for)
    short_count = sum(1 for it in variants[owner["variant"]].items if it.kind == "text")
    return PhotoReading(reading.token, owner["person"], owner["variant"], reading, short_count)
