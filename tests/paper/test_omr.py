"""The photo reader (services.omr) over generated photos of the real answer sheet.

The sheet PDF is rendered once at 150 dpi; each test photo gets bubbles filled with dark ellipses
(some partial), a few deliberately ambiguous marks, then rotation (±8°), perspective skew, a
shadow gradient, blur, noise and JPEG compression. Seeded, so a failure reproduces.
"""
from __future__ import annotations

import random
import time

import pytest

import io

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Attempt, AuditLog
from quizapp.services import paper_layout as L
from quizapp.services import paper_pdf, paper_tests
from quizapp.services.exceptions import InvalidInput
from tests.attacks.helpers import take
from tests.paper.helpers import SECRET, key_letters, paper_scene

cv2 = pytest.importorskip("cv2")
np = pytest.importorskip("numpy")

DPI = 150
SHEETS = 200


def render_sheet(world, person=None, cell=None, scene=None):
    """(grey page image at 150 dpi, its Sheet, its Variant, quiz): the answer sheet of `person`
    (default: the first of cell A), found in the real PDF by the token printed under its QR."""
    pdfium = pytest.importorskip("pypdfium2")
    quiz, paper = scene or paper_scene(world)
    cell = cell or world.cell_a
    sheets = paper_tests.sheets_for(quiz.round, cell, paper, SECRET)
    sheet = next(s for s in sheets if person is None or s.person.id == person.id)
    variants = paper_tests.load_variants(paper)
    doc = pdfium.PdfDocument(paper_pdf.build_paper_pdf(quiz.round, cell, variants, sheets))
    page = next(p for p in doc if sheet.token in p.get_textpage().get_text_range())
    image = np.array(page.render(scale=DPI / 72).to_pil().convert("L"))
    return image, sheet, variants[sheet.variant], quiz


def layout_questions(variant) -> dict[int, tuple[str, bool]]:
    return {it.number: ("".join(letter for letter, _ in it.choices), it.qtype.paper_multi)
            for it in variant.items if it.kind == "letters"}


def _px(image, x_mm, y_mm):
    s = image.shape[1] / L.PAGE_W_MM
    return x_mm * s, image.shape[0] - y_mm * s


def fill(image, number, index, level=30, scale=1.0, rng=None):
    """Draw a pen mark over a bubble: a filled ellipse of grey `level`, `scale` × the bubble's radius."""
    s = image.shape[1] / L.PAGE_W_MM
    cx, cy = _px(image, *L.bubble_center(number, index))
    jx, jy = (rng.normal(0, 0.25 * s, 2) if rng is not None else (0, 0))
    r = L.BUBBLE_R_MM * s * scale
    axes = (int(r * (rng.uniform(0.95, 1.15) if rng is not None else 1)), int(r))
    angle = rng.uniform(0, 180) if rng is not None else 0
    cv2.ellipse(image, (int(cx + jx), int(cy + jy)), axes, angle, 0, 360, int(level), -1, cv2.LINE_AA)


def photograph(image, rng) -> bytes:
    """Rotate ±8°, skew, shadow, blur, noise and JPEG-compress a page image."""
    h, w = image.shape
    table = int(rng.uniform(170, 235))
    pad = int(0.14 * w)
    img = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=table)
    H, W = img.shape
    rot = np.vstack([cv2.getRotationMatrix2D((W / 2, H / 2), rng.uniform(-8, 8), rng.uniform(0.85, 1.0)), [0, 0, 1]])
    src = np.float32([[0, 0], [W, 0], [W, H], [0, H]])
    dst = src + rng.uniform(-0.04, 0.04, (4, 2)).astype(np.float32) * [W, H]
    skew = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    img = cv2.warpPerspective(img, skew @ rot, (W, H), borderValue=table).astype(np.float32)
    a = rng.uniform(0, 2 * np.pi)
    # The shadow is computed in place in float32, like the image (float64 temporaries of a whole
    # page took half the time of a photo).
    ramp = (np.float32(np.cos(a)) * np.linspace(0, 1, W, dtype=np.float32)[None, :]
            + np.float32(np.sin(a)) * np.linspace(0, 1, H, dtype=np.float32)[:, None])
    ramp -= ramp.min()
    ramp *= np.float32(-rng.uniform(0.2, 0.5)) / ramp.max()  # 0 .. -depth across the page
    ramp += np.float32(1.0)
    img *= ramp  # shadow across the page
    sigma = rng.uniform(0.0, 1.3)
    if sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    noise = np.empty(img.shape, np.float32)
    cv2.randn(noise, 0.0, float(rng.uniform(1, 6)))
    img += noise
    ok, data = cv2.imencode(".jpg", np.clip(img, 0, 255).astype(np.uint8),
                            [cv2.IMWRITE_JPEG_QUALITY, int(rng.uniform(55, 90))])
    assert ok
    return data.tobytes()


def mark_sheet(base, questions, rng):
    """Fill the bubbles of a random answer; returns (image, truth {n: letters}, ambiguous question numbers)."""
    img = base.copy()
    truth, ambiguous = {}, set()
    for number, (letters, multi) in questions.items():
        if rng.random() < 0.1:
            chosen = []
        elif multi:
            chosen = sorted(rng.choice(len(letters), int(rng.integers(1, min(3, len(letters)) + 1)), replace=False))
        else:
            chosen = [int(rng.integers(len(letters)))]
        for i in chosen:  # dark or medium pen, sometimes not quite covering the bubble
            fill(img, number, i, level=rng.uniform(10, 90), scale=rng.uniform(0.75, 1.05), rng=rng)
        truth[number] = "".join(letters[i] for i in chosen)
    numbers = list(questions)
    if rng.random() < 0.35:  # a faint mark: neither clearly empty nor clearly filled
        number = numbers[int(rng.integers(len(numbers)))]
        letters, _multi = questions[number]
        free = [i for i in range(len(letters)) if letters[i] not in truth[number]]
        if free:
            fill(img, number, free[int(rng.integers(len(free)))], level=rng.uniform(152, 162), scale=1.0)
            ambiguous.add(number)
    singles = [n for n in numbers if not questions[n][1] and len(truth[n]) == 1]
    if singles and rng.random() < 0.25:  # two firm marks on a single-choice question
        number = singles[int(rng.integers(len(singles)))]
        letters, _multi = questions[number]
        other = next(i for i in range(len(letters)) if letters[i] not in truth[number])
        fill(img, number, other, level=30, scale=1.0)
        ambiguous.add(number)
    return img, truth, ambiguous


def test_reader_accuracy_over_generated_photos(world, monkeypatch):
    """Over 200 perturbed photos, are ≥ 99 % of the bubbles not flagged read right, every QR read,
    and every deliberately ambiguous mark flagged uncertain?"""
    from quizapp.services import omr

    monkeypatch.setattr(paper_tests.random, "SystemRandom", lambda: random.Random(2026))  # the same draw each run
    base, sheet, variant, _quiz = render_sheet(world)
    questions = layout_questions(variant)
    assert len(questions) >= 2
    rng = np.random.default_rng(20261127)
    cv2.setRNGSeed(20261127)
    right = wrong = flagged = refused = deliberate = 0
    missed_ambiguous = []
    started = time.monotonic()
    for k in range(SHEETS):
        img, truth, ambiguous = mark_sheet(base, questions, rng)
        try:
            reading = omr.read_sheet(photograph(img, rng), questions)
        except InvalidInput:
            refused += 1
            continue
        assert reading.token == sheet.token
        deliberate += len(ambiguous)
        for q in reading.questions:
            if q.uncertain:
                flagged += 1
                continue
            if q.number in ambiguous:
                missed_ambiguous.append((k, q.number, q.fills))
            letters = questions[q.number][0]
            for letter in letters:
                if (letter in q.letters) == (letter in truth[q.number]):
                    right += 1
                else:
                    wrong += 1
    accuracy = right / max(1, right + wrong)
    print(f"\nOMR: {SHEETS} photos, {refused} refused, {right + wrong} bubbles judged, accuracy {accuracy:.4%}, "
          f"{flagged} questions flagged uncertain ({deliberate} made ambiguous on purpose), {time.monotonic() - started:.1f} s")
    assert refused <= SHEETS * 0.01
    assert accuracy >= 0.99
    assert not missed_ambiguous
    assert flagged <= SHEETS * len(questions) * 0.25  # flags are for real doubts, not a way out


def test_reader_refuses_without_corners_or_qr(world):
    """A photo without the corner squares, or with the QR covered, is refused with a Vietnamese message."""
    from quizapp.services import omr

    base, _sheet, variant, _quiz = render_sheet(world)
    with pytest.raises(InvalidInput) as exc:
        omr.read_sheet(b"not an image")
    assert "chụp lại" in exc.value.message
    cropped = base[int(base.shape[0] * 0.2):int(base.shape[0] * 0.8)]
    with pytest.raises(InvalidInput) as exc:
        omr.read_sheet(cv2.imencode(".png", cropped)[1].tobytes())
    assert exc.value.message == omr.NO_CORNERS
    covered = base.copy()
    x0, y0 = _px(covered, L.QR_X_MM - 1, L.QR_Y_MM + L.QR_MM + 1)
    x1, y1 = _px(covered, L.QR_X_MM + L.QR_MM + 1, L.QR_Y_MM - 1)
    covered[int(y0):int(y1), int(x0):int(x1)] = 255
    with pytest.raises(InvalidInput) as exc:
        omr.read_sheet(cv2.imencode(".png", covered)[1].tobytes(), layout_questions(variant))
    assert exc.value.message == omr.NO_QR


def _upload(c, url, data: bytes):
    return c.post(url, data={"csrf_token": c.csrf(), "action": "read", "photo": (io.BytesIO(data), "phieu.jpg")},
                  content_type="multipart/form-data")


def test_photo_page_reads_then_saves_only_on_confirm(app, world, login_as):
    """Does the page show what a photo of a member's sheet says, save nothing until Confirm, then
    save and grade it like the grid; and is a sheet of another cell refused with 404?"""
    scene = paper_scene(world)
    base, sheet, variant, quiz = render_sheet(world, world.member_a, scene=scene)
    rng = np.random.default_rng(7)
    cv2.setRNGSeed(7)
    questions = layout_questions(variant)
    letters_items = [it for it in variant.items if it.kind == "letters"]
    first_letters = questions[letters_items[0].number][0]
    for it in letters_items:  # the key, except the first question answered with its first wrong letter
        want = key_letters(it) if it is not letters_items[0] else next(x for x in first_letters if x not in key_letters(it))
        for letter in want:
            fill(base, it.number, questions[it.number][0].index(letter), level=25, rng=rng)
    c = login_as(world.secretary_a)
    url = f"/manage/rounds/{quiz.round_id}/paper/{world.cell_a.id}/photo"
    # She sits the quiz too: until she submits, the page reads and saves nothing, and says why.
    page = c.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="paper-locked"' in html and '<fieldset class="plain" disabled>' in html
    assert _upload(c, url, photograph(base, rng)).status_code == 403
    kept = c.form(url, {"action": "confirm", "token": sheet.token, "answers": "1A 2B"})
    assert kept.status_code == 403 and 'value="1A 2B"' in kept.get_data(as_text=True)
    assert db.session.scalar(select(Attempt).where(Attempt.person_id == world.member_a.id)) is None
    take(quiz.id, world.secretary_a)
    page = c.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'capture="environment"' in html and 'accept="image/*"' in html
    resp = _upload(c, url, photograph(base, rng))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html
    assert world.member_a.full_name in html and f"<strong>{sheet.variant}</strong>" in html
    expected = " ".join(f"{it.number}{key_letters(it)}" if it is not letters_items[0] else
                        f"{it.number}{next(x for x in first_letters if x not in key_letters(it))}"
                        for it in letters_items)
    assert f'name="answers" value="{expected}"' in html
    assert db.session.scalar(select(Attempt).where(Attempt.person_id == world.member_a.id)) is None
    saved = c.form(url, {"action": "confirm", "token": sheet.token, "answers": expected})
    assert saved.status_code == 302
    attempt = db.session.scalar(select(Attempt).where(Attempt.person_id == world.member_a.id))
    assert attempt.mode == "paper" and attempt.paper_variant == sheet.variant
    assert attempt.entered_by_id == world.secretary_a.id and attempt.points == len(letters_items) - 1
    assert db.session.query(AuditLog).filter(AuditLog.action.like("paper.%")).count() >= 1
    # A bad correction is refused with the grid's message and nothing changes.
    bad = c.form(url, {"action": "confirm", "token": sheet.token, "answers": "99A"})
    assert bad.status_code == 422 and "chỉ có" in bad.get_data(as_text=True)
    # Cell B's member's sheet, photographed and brought to cell A's page: not found.
    other, other_sheet, _v, _q = render_sheet(world, world.member_b, cell=world.cell_b, scene=scene)
    assert _upload(c, url, photograph(other, rng)).status_code == 404
    assert c.form(url, {"action": "confirm", "token": other_sheet.token, "answers": "1A"}).status_code == 404
    assert db.session.scalar(select(Attempt).where(Attempt.person_id == world.member_b.id)) is None
    # … and cell B's page is not cell A's secretary's to open.
    assert c.get(f"/manage/rounds/{quiz.round_id}/paper/{world.cell_b.id}/photo").status_code == 404


def test_photo_page_refuses_unreadable_photos_with_a_message(app, world, login_as):
    """A file that is not a sheet photo, or no file at all, gets a Vietnamese message, never a 500."""
    quiz, _paper = paper_scene(world)
    take(quiz.id, world.secretary_a)  # she sits the quiz too: the page reads once she has submitted
    c = login_as(world.secretary_a)
    url = f"/manage/rounds/{quiz.round_id}/paper/{world.cell_a.id}/photo"
    resp = _upload(c, url, b"GIF89a not really")
    assert resp.status_code == 422 and "chụp lại phiếu" in resp.get_data(as_text=True)
    blank = cv2.imencode(".jpg", np.full((800, 600), 255, np.uint8))[1].tobytes()
    resp = _upload(c, url, blank)
    assert resp.status_code == 422 and "Không tìm thấy 4 dấu định vị" in resp.get_data(as_text=True)
    resp = c.form(url, {"action": "read"})
    assert resp.status_code == 422 and "Chưa chọn ảnh" in resp.get_data(as_text=True)


def test_reader_turns_a_sideways_or_upside_down_photo(world):
    """The four corner squares look alike: is a photo taken sideways or upside down still read as
    the same answers (the QR's place decides which way up the page is)?"""
    from quizapp.services import omr

    base, sheet, variant, _quiz = render_sheet(world)
    questions = layout_questions(variant)
    rng = np.random.default_rng(11)
    img, truth, _ambiguous = mark_sheet(base, questions, rng)
    expected = {n: t for n, t in truth.items()}
    for turn in (None, cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_180, cv2.ROTATE_90_COUNTERCLOCKWISE):
        turned = img if turn is None else cv2.rotate(img, turn)
        reading = omr.read_sheet(cv2.imencode(".png", turned)[1].tobytes(), questions)
        assert reading.token == sheet.token
        got = {q.number: q.letters for q in reading.questions if not q.uncertain}
        assert got and all(got[n] == expected[n] for n in got), (turn, got, expected)


def test_reader_falls_back_to_the_whole_photo_and_bounds_pixels(world, monkeypatch):
    """When the QR does not read in its straightened region, is it read on the whole photo, with
    its place there still deciding which way up the page is; and is a too-large image refused?"""
    from quizapp.services import omr

    base, sheet, variant, _quiz = render_sheet(world)
    questions = layout_questions(variant)
    img, truth, _ambiguous = mark_sheet(base, questions, np.random.default_rng(5))
    photo = cv2.imencode(".png", cv2.rotate(img, cv2.ROTATE_180))[1].tobytes()
    monkeypatch.setattr(omr, "_read_qr", lambda warped: "")
    reading = omr.read_sheet(photo, questions)
    assert reading.token == sheet.token
    got = {q.number: q.letters for q in reading.questions if not q.uncertain}
    assert got and all(got[n] == truth[n] for n in got)
    monkeypatch.setattr(omr, "MAX_PIXELS", 1000)
    with pytest.raises(InvalidInput) as exc:
        omr.read_sheet(photo, questions)
    assert exc.value.message == omr.TOO_MANY_PIXELS
