"""Paper test variants, sheet tokens and the printed PDF."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from quizapp.extensions import db
from quizapp.models import AuditLog, PaperTest
from quizapp.services import paper_layout, paper_pdf, paper_tests
from quizapp.services.exceptions import InvalidInput
from tests.paper.helpers import SECRET, paper_scene


def test_variants_are_permutations_of_the_same_questions_with_shuffled_choices(world):
    """Does every variant hold the same questions, each once, in its own order, with its choices permuted?"""
    quiz, paper = paper_scene(world, copies=3)
    variants = paper_tests.load_variants(paper)
    assert list(variants) == ["101", "102", "103", "104"]
    first = [it.version.id for it in variants["101"].items]
    assert len(first) == len(set(first)) == 15
    orders = set()
    for v in variants.values():
        ids = [it.version.id for it in v.items]
        assert sorted(ids) == sorted(first)
        assert [it.number for it in v.items] == list(range(1, 16))
        orders.add(tuple(ids))
        for it in v.items:
            if it.version.type in ("single", "multiple"):
                assert sorted(it.choice_order) == sorted(c["id"] for c in it.version.spec["choices"])
    assert len(orders) > 1  # 15! orders: four identical draws would mean no shuffle


def test_printing_again_gives_the_same_papers(world):
    """Is the draw made once and stored, so a second print (and a second secretary) gets identical papers?"""
    quiz, paper = paper_scene(world, copies=2)
    again = paper_tests.ensure_paper_test(quiz, world.secretary_b, 2)
    assert again.id == paper.id and again.variants == paper.variants
    assert db.session.query(PaperTest).count() == 1
    assert paper_tests.draw_variants(quiz, paper.seed, 4) == paper.variants  # the seed reproduces it
    assert paper_tests.variant_for(paper, world.member_a.id) == paper_tests.variant_for(paper, world.member_a.id)
    assert db.session.query(AuditLog).filter_by(action="paper.draw").count() == 1


def test_variant_count_is_bounded(world):
    """Is a variant count outside 1..8 refused with a Vietnamese message?"""
    from tests.factories import make_quiz
    quiz = make_quiz(world.committee, [world.committee])
    with pytest.raises(InvalidInput, match="Số mã đề"):
        paper_tests.ensure_paper_test(quiz, world.staff, 9)


def test_sheet_token_round_trips_and_refuses_forgeries(world):
    """Does a sheet token name quiz, member and variant, and is a changed or foreign token refused?"""
    token = paper_tests.make_sheet_token(SECRET, 12, 345, "103")
    assert paper_tests.read_sheet_token(SECRET, token) == (12, 345, "103")
    assert token.startswith("PT1-") and "345" not in token
    with pytest.raises(InvalidInput):
        paper_tests.read_sheet_token("other-key", token)
    forged = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    with pytest.raises(InvalidInput):
        paper_tests.read_sheet_token(SECRET, forged)
    for junk in ("", "PT1-", "PT1-!!!", "XYZ-ABC", "PT1-" + "A" * 60):
        with pytest.raises(InvalidInput):
            paper_tests.read_sheet_token(SECRET, junk)


def test_layout_marks_and_bubbles_fit_the_page():
    """Do the corner marks sit in the corners and every bubble of 100 questions lie inside them, unshared?"""
    marks = paper_layout.corner_marks()
    assert len(marks) == 4
    xs = {m.x for m in marks}
    ys = {m.y for m in marks}
    assert len(xs) == 2 and len(ys) == 2
    centres = set()
    for q in range(1, paper_layout.MAX_QUESTIONS + 1):
        for i in range(len(paper_layout.LETTERS)):
            x, y = paper_layout.bubble_center(q, i)
            assert min(xs) + paper_layout.MARK_MM < x - paper_layout.BUBBLE_R_MM and x + paper_layout.BUBBLE_R_MM < max(xs)
            assert min(ys) + paper_layout.MARK_MM < y < paper_layout.QR_Y_MM
            centres.add((round(x, 3), round(y, 3)))
    assert len(centres) == paper_layout.MAX_QUESTIONS * len(paper_layout.LETTERS)
    with pytest.raises(ValueError):
        paper_layout.bubble_center(paper_layout.MAX_QUESTIONS + 1, 0)


def test_pdf_reads_back_names_codes_variants_and_tokens(world):
    """Does the PDF carry each variant's paper and, per member in roster order, name, code, variant and token?"""
    quiz, paper = paper_scene(world)
    rnd = quiz.round
    sheets = paper_tests.sheets_for(rnd, world.cell_a, paper, SECRET)
    assert [s.person.full_name for s in sheets] == ["Nguyễn Thị Ngọc Ánh", "Trần Văn Bình", "Phạm Thị Cúc"]
    pdf = paper_pdf.build_paper_pdf(rnd, world.cell_a, paper_tests.load_variants(paper), sheets)
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for code in ("101", "102", "103", "104"):
        assert f"MÃ ĐỀ {code}" in text
    for sheet in sheets:
        assert sheet.person.full_name in text and sheet.person.member_code in text
        assert f"Mã đề: {sheet.variant}" in text
        assert sheet.token in text
        assert paper_tests.read_sheet_token(SECRET, sheet.token) == (quiz.id, sheet.person.id, sheet.variant)
    assert "Võ Văn Em" not in text  # cell B's member gets no sheet in cell A's print
    # 4 question papers + 2 pages (grid and writing page: the sample has essay and short text) per member
    assert len(reader.pages) == 4 + 2 * len(sheets)
