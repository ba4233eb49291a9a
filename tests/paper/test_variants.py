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


def _sheet_page_image(world):
    """The first answer sheet of cell A rendered at 72 dpi × 4 (needs pypdfium2), and its sheet."""
    pdfium = pytest.importorskip("pypdfium2")
    quiz, paper = paper_scene(world)
    sheets = paper_tests.sheets_for(quiz.round, world.cell_a, paper, SECRET)
    pdf = paper_pdf.build_paper_pdf(quiz.round, world.cell_a, paper_tests.load_variants(paper), sheets)
    doc = pdfium.PdfDocument(pdf)
    image = doc[len(paper.variants)].render(scale=4).to_pil().convert("L")  # first sheet after the papers
    return image, sheets[0]


def _pixel(image, x_mm: float, y_mm: float) -> int:
    """Grey level at a point given in mm from the page's bottom-left corner."""
    px_per_mm = image.width / paper_layout.PAGE_W_MM
    return image.getpixel((int(x_mm * px_per_mm), int(image.height - y_mm * px_per_mm)))


def test_printed_marks_and_bubbles_sit_where_the_layout_says(world):
    """Rendered, are the four corner squares solid black at the layout's positions, and is each bubble of
    question 1 a ring (dark edge, light centre) at bubble_center — what a photo reader will rely on?"""
    image, _sheet = _sheet_page_image(world)
    for m in paper_layout.corner_marks():
        assert _pixel(image, m.x + m.size / 2, m.y + m.size / 2) < 40
        assert _pixel(image, m.x - 1.5, m.y + m.size / 2) > 200  # white outside it
    # Question 1's row holds its choices (letters or Đ/S) or a written-answer note; find a letters row.
    found = 0
    for q in range(1, 6):
        x, y = paper_layout.bubble_center(q, 0)
        left_edge = _pixel(image, x - paper_layout.BUBBLE_R_MM, y)
        if left_edge < 128:
            found += 1
            assert _pixel(image, x - paper_layout.BUBBLE_R_MM * 0.6, y + paper_layout.BUBBLE_R_MM * 0.6) > 180
    assert found == 3  # single, multiple and true/false: three rows of bubbles


def test_qr_on_the_sheet_decodes_to_the_token_when_a_reader_is_installed(world):
    """With OpenCV installed, does the printed QR decode to the sheet's signed token?"""
    cv2 = pytest.importorskip("cv2")
    import numpy

    image, sheet = _sheet_page_image(world)
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(numpy.array(image.convert("RGB")))
    assert text == sheet.token


def test_every_written_question_gets_its_lines_across_pages(world):
    """With many short answers and essays, does each one get a labelled area, on as many pages as needed?"""
    quiz, paper = paper_scene(world, copies=6, variants=1)
    variant = paper_tests.load_variants(paper)["101"]
    pages = paper_pdf.writing_pages(variant)
    assert len(pages) > 1
    written = [it.number for it in variant.items if it.kind != "letters"]
    assert [it.number for page in pages for it in page] == written
    sheets = paper_tests.sheets_for(quiz.round, world.cell_a, paper, SECRET)[:1]
    pdf = paper_pdf.build_paper_pdf(quiz.round, world.cell_a, paper_tests.load_variants(paper), sheets)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for it in variant.items:
        if it.kind != "letters":
            label = "trả lời ngắn" if it.kind == "text" else "tự luận"
            assert f"Câu {it.number} ({label}):" in text
