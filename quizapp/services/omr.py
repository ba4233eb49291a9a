"""Read a photographed answer sheet (phiếu trả lời): corner marks, QR token and filled bubbles.

Pure functions over image bytes, no Flask. The positions come from services.paper_layout, the
same numbers the printer uses. Steps: normalise the photo by its local paper level (a max filter
over ~12 mm, so shadows and uneven light cancel out), find the four solid corner squares, warp the
page onto the layout's millimetre frame (trying the four turns of the page: the QR must be where
the layout puts it, which also fixes an upside-down photo), decode the QR there, then measure
how dark the inside of every bubble is. A bubble between "clearly empty" and "clearly filled", or a
single-choice question with two marks, is reported as uncertain for a person to decide.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from quizapp.services import paper_layout as L
from quizapp.services.exceptions import InvalidInput

PX_PER_MM = 6.0  # resolution of the straightened page
MAX_PIXELS = 50_000_000  # a phone photo is 12–48 Mpx
MAX_SIDE_PX = 2400  # larger photos are scaled down first
EMPTY_BELOW = 0.33  # inner-disc darkness of a bubble that is clearly not filled (the printed letter ≈ 0.1)
FILLED_ABOVE = 0.58  # … and of one that clearly is
INNER_R = 0.72  # the measured disc, as a share of the bubble radius (keeps the printed ring out)

NO_IMAGE = "Không đọc được tệp ảnh — hãy chụp lại phiếu (ảnh JPG hoặc PNG)."
TOO_MANY_PIXELS = "Ảnh có độ phân giải quá lớn — chụp lại ở độ phân giải thấp hơn."
NO_CORNERS = "Không tìm thấy 4 dấu định vị ở góc phiếu — chụp lại cả tờ, đủ sáng"
NO_QR = "Không đọc được mã QR trên phiếu — chụp lại cho rõ góc trên bên phải, đủ sáng, không bị lóa."


@dataclass(frozen=True)
class QuestionReading:
    """What one question's bubbles say: the marked letters, per-bubble fill (0..1), how sure we are."""

    number: int
    letters: str
    fills: tuple[float, ...]
    confidence: float
    uncertain: bool
    reason: str = ""


@dataclass
class SheetReading:
    """The sheet's QR text and every question read (in question order)."""

    token: str
    questions: list[QuestionReading] = field(default_factory=list)

    @property
    def uncertain(self) -> list[int]:
        return [q.number for q in self.questions if q.uncertain]

    def answers_text(self) -> str:
        """The marked letters in the entry grid's own syntax: `1A 2C 3BD` (blank questions left out)."""
        return " ".join(f"{q.number}{q.letters}" for q in self.questions if q.letters)


def _decode(image_bytes: bytes) -> np.ndarray:
    if not image_bytes:
        raise InvalidInput(NO_IMAGE)
    try:  # the size from the header first: a small file must not unpack into a giant image
        with Image.open(io.BytesIO(image_bytes)) as header:
            width, height = header.size
    except Exception:  # noqa: BLE001 - any unreadable upload gets the same message
        raise InvalidInput(NO_IMAGE) from None
    if width * height > MAX_PIXELS:
        raise InvalidInput(TOO_MANY_PIXELS)
    gray = cv2.imdecode(np.frombuffer(image_bytes, np.uint8), cv2.IMREAD_GRAYSCALE)
    if gray is None or min(gray.shape) < 200:
        raise InvalidInput(NO_IMAGE)
    scale = MAX_SIDE_PX / max(gray.shape)
    if scale < 1:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return gray


def _darkness(gray: np.ndarray) -> np.ndarray:
    """0 = paper, 1 = ink, relative to the local paper level (robust to shadows and gradients)."""
    k = max(15, int(min(gray.shape) / L.PAGE_W_MM * 12)) | 1
    paper = cv2.dilate(gray, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    paper = cv2.GaussianBlur(paper, (k, k), 0).astype(np.float32)
    ratio = gray.astype(np.float32) / np.maximum(paper, 1.0)
    return np.clip(1.0 - ratio, 0.0, 1.0)


def _corner_centres(dark: np.ndarray) -> np.ndarray:
    """Centres (x, y) of the four corner squares in image pixels: TL, TR, BL, BR; InvalidInput if absent."""
    h, w = dark.shape
    binary = (dark > 0.45).astype(np.uint8) * 255
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    min_side = min(h, w) / L.PAGE_W_MM * L.MARK_MM * 0.35
    blobs = []
    for c in contours:
        area = cv2.contourArea(c)
        if area < min_side * min_side:
            continue
        (cx, cy), (rw, rh), _angle = cv2.minAreaRect(c)
        if min(rw, rh) <= 0 or max(rw, rh) / min(rw, rh) > 1.5:
            continue
        if area / (rw * rh) < 0.8:  # solid, square-ish (a QR finder or a letter is not)
            continue
        x, y, bw, bh = cv2.boundingRect(c)
        if binary[y:y + bh, x:x + bw].mean() / 255 < 0.7:
            continue
        blobs.append((area, cx, cy))
    if len(blobs) < 4:
        raise InvalidInput(NO_CORNERS)
    blobs.sort(reverse=True)
    biggest = blobs[0][0]
    blobs = [b for b in blobs if b[0] >= biggest * 0.3]
    corners = [(0, 0), (w, 0), (0, h), (w, h)]
    picked = []
    for corner in corners:
        best = min(blobs, key=lambda b: (b[1] - corner[0]) ** 2 + (b[2] - corner[1]) ** 2)
        picked.append((best[1], best[2]))
    if len(set(picked)) < 4:
        raise InvalidInput(NO_CORNERS)
    pts = np.array(picked, np.float32)
    # The quadrilateral must be convex and not degenerate (TL, TR, BR, BL order).
    quad = pts[[0, 1, 3, 2]]
    if cv2.contourArea(quad) < 0.1 * h * w or not cv2.isContourConvex(quad.reshape(-1, 1, 2)):
        raise InvalidInput(NO_CORNERS)
    return pts


def _to_frame(x_mm: float, y_mm: float) -> tuple[float, float]:
    """Layout mm (origin bottom-left) to straightened-page pixels (origin top-left)."""
    return x_mm * PX_PER_MM, (L.PAGE_H_MM - y_mm) * PX_PER_MM


def _mark_centres_in_frame() -> np.ndarray:
    return np.array([_to_frame(m.x + m.size / 2, m.y + m.size / 2) for m in L.corner_marks()], np.float32)


def _decode_qr(image: np.ndarray) -> str:
    detector = cv2.QRCodeDetector()
    try:
        text, _points, _ = detector.detectAndDecode(image)
    except cv2.error:
        return ""
    return text or ""


_CLOCKWISE = [0, 1, 3, 2]  # TL, TR, BR, BL as indexes into the TL, TR, BL, BR order


def _turned(points: np.ndarray, turn: int) -> np.ndarray:
    """The photo's corner squares reassigned to the page's corners for a page turned `turn` × 90°."""
    out = np.empty_like(points)
    for k, page_corner in enumerate(_CLOCKWISE):
        out[page_corner] = points[_CLOCKWISE[(k + turn) % 4]]
    return out


def _read_qr(warped_gray: np.ndarray) -> str:
    pad = 6.0
    x0, y0 = _to_frame(L.QR_X_MM - pad, L.QR_Y_MM + L.QR_MM + pad)
    x1, y1 = _to_frame(L.QR_X_MM + L.QR_MM + pad, L.QR_Y_MM - pad)
    crop = warped_gray[max(0, int(y0)):int(y1), max(0, int(x0)):int(x1)]
    crop = cv2.copyMakeBorder(crop, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=255)
    for candidate in (crop, cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]):
        text = _decode_qr(candidate)
        if text:
            return text.strip()
    return ""


def _qr_on_photo(gray: np.ndarray) -> tuple[str, np.ndarray]:
    """(QR text, centre of the QR in photo pixels) from the whole photo, or ("", …)."""
    try:
        text, points, _ = cv2.QRCodeDetector().detectAndDecode(gray)
    except cv2.error:
        return "", np.zeros(2)
    if not text or points is None:
        return "", np.zeros(2)
    return text.strip(), points.reshape(-1, 2).mean(axis=0)


def _fill(dark_frame: np.ndarray, question: int, index: int) -> float:
    cx, cy = _to_frame(*L.bubble_center(question, index))
    r = L.BUBBLE_R_MM * PX_PER_MM * INNER_R
    x0, x1 = int(cx - r - 1), int(cx + r + 2)
    y0, y1 = int(cy - r - 1), int(cy + r + 2)
    patch = dark_frame[y0:y1, x0:x1]
    yy, xx = np.mgrid[y0:y1, x0:x1]
    inside = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
    return float(patch[inside].mean()) if inside.any() else 0.0


def _judge(number: int, letters: str, multi: bool, fills: list[float]) -> QuestionReading:
    marked = "".join(letter for letter, f in zip(letters, fills) if f >= (EMPTY_BELOW + FILLED_ABOVE) / 2)
    between = [letter for letter, f in zip(letters, fills) if EMPTY_BELOW <= f <= FILLED_ABOVE]
    margin = min(min(abs(f - EMPTY_BELOW), abs(f - FILLED_ABOVE)) if not EMPTY_BELOW <= f <= FILLED_ABOVE else 0.0
                 for f in fills)
    confidence = round(min(1.0, margin / 0.2), 2)
    reason = ""
    if between:
        reason = "Ô " + ", ".join(between) + " tô mờ hoặc chưa kín — hãy xem lại."
    elif not multi and len(marked) > 1:
        reason = "Câu chỉ chọn một nhưng có nhiều ô được tô — hãy xem lại."
    return QuestionReading(number, marked, tuple(round(f, 3) for f in fills), confidence if not reason else 0.0,
                           bool(reason), reason)


Questions = dict[int, tuple[str, bool]]


def read_sheet(image_bytes: bytes,
               questions: Questions | Callable[[str], Questions] | None = None) -> SheetReading:
    """Read a photo of an answer sheet.

    `questions` maps question number to (letters printed in its bubbles, e.g. "ABCD" or "ĐS";
    whether several may be marked), or is a function of the QR text returning that map (the
    variant is only known once the QR is read; it may raise to refuse the sheet). Without it
    every bubble of every row is read as A–F, multi.
    Raises InvalidInput (Vietnamese) when the photo, the corner marks or the QR cannot be read.
    """
    gray = _decode(image_bytes)
    dark = _darkness(gray)
    found = _corner_centres(dark)
    size = (int(L.PAGE_W_MM * PX_PER_MM), int(L.PAGE_H_MM * PX_PER_MM))
    # The four squares look alike: try the page upright, then turned 90°, 180°, 270° in the photo,
    # and keep the turn whose QR sits where the layout puts it.
    token, matrix = "", None
    for turn in range(4):
        src = _turned(found, turn)
        m = cv2.getPerspectiveTransform(src, _mark_centres_in_frame())
        warped_gray = cv2.warpPerspective(gray, m, size, flags=cv2.INTER_LINEAR, borderValue=255)
        token = _read_qr(warped_gray)
        if token:
            matrix = m
            break
    if matrix is None:  # the QR only reads on the whole photo: its position there picks the turn
        token, centre = _qr_on_photo(gray)
        if not token:
            raise InvalidInput(NO_QR)
        want = np.array(_to_frame(L.QR_X_MM + L.QR_MM / 2, L.QR_Y_MM + L.QR_MM / 2))
        best = None
        for turn in range(4):
            m = cv2.getPerspectiveTransform(_turned(found, turn), _mark_centres_in_frame())
            at = cv2.perspectiveTransform(centre.reshape(1, 1, 2).astype(np.float32), m)[0, 0]
            distance = float(np.hypot(*(at - want)))
            if best is None or distance < best[0]:
                best = (distance, m)
        if best[0] > L.QR_MM * PX_PER_MM:
            raise InvalidInput(NO_QR)
        matrix = best[1]
    warped_dark = cv2.warpPerspective(dark, matrix, size, flags=cv2.INTER_LINEAR, borderValue=0)
    if callable(questions):
        questions = questions(token)
    if questions is None:
        questions = {n: (L.LETTERS, True) for n in range(1, L.MAX_QUESTIONS + 1)}
    reading = SheetReading(token=token)
    for number in sorted(questions):
        letters, multi = questions[number]
        letters = letters[:len(L.LETTERS)]
        fills = [_fill(warped_dark, number, i) for i in range(len(letters))]
        reading.questions.append(_judge(number, letters, multi, fills))
    return reading
