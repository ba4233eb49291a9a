"""True/false, short text and essay."""
from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from quizapp.services.question_types import editor
from quizapp.services.question_types.base import ONE, ZERO, AnswerError, N_, QuestionType, SpecError, json_kind, unwrap
from quizapp.vn import nfc, strip_diacritics

ESSAY_MAX_CHARS = 20000
SHORT_MAX_CHARS = 500


def _check_text_shape(value, what: str) -> None:
    """A typed answer: a string or {"text": string}; null clears."""
    inner = unwrap(value, "text")
    if inner is not None and not isinstance(inner, str):
        raise AnswerError(f"{what} cần một chuỗi văn bản, không phải {json_kind(inner)}")


def _text_answer(raw, normalize, max_chars: int, what: str, limit_name: str) -> dict | None:
    """A typed answer ({"text": ...} or a bare string): normalized, bounded; empty means no answer."""
    if isinstance(raw, dict):
        raw = raw.get("text")
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise AnswerError(f"{what} phải là văn bản")
    text = normalize(raw)
    if len(text) > max_chars:
        raise AnswerError(f"{limit_name} tối đa {max_chars} ký tự")
    return {"text": text} if text else None


class TrueFalse(QuestionType):
    """A statement that is true or false."""

    name = "true_false"
    label = N_("Đúng/Sai")
    paper_kind = "letters"
    answer_input = "one"
    spec_fields = frozenset({"answer"})
    # Đ (or D, A) = Đúng, S (or B) = Sai: sheets print Đ/S; people also type A/B.
    PAPER_TRUE, PAPER_FALSE = "ĐDA", "SB"

    def paper_choices(self, spec, choice_order=None):
        return [("Đ", "Đúng"), ("S", "Sai")]

    def paper_accepts(self, spec, choice_order=None):
        return self.PAPER_TRUE + self.PAPER_FALSE

    def paper_hint(self, spec, choice_order=None):
        return "Đ/S (hoặc A/B)"

    def paper_answer(self, spec, choice_order, typed):
        letters = [ch for ch in typed.upper() if not ch.isspace()]
        if not letters:
            return None
        if len(set(letters)) > 1 or len(letters) > 1 and letters[0] not in self.PAPER_TRUE + self.PAPER_FALSE:
            raise AnswerError(f"câu đúng/sai chỉ nhận một chữ Đ hoặc S, đã nhập {''.join(letters)}")
        if letters[0] in self.PAPER_TRUE:
            return True
        if letters[0] in self.PAPER_FALSE:
            return False
        raise AnswerError(f"câu đúng/sai chỉ nhận Đ/S (hoặc A/B), không nhận {letters[0]}")

    def check_answer_shape(self, spec, value):
        """true/false, or the strings a form posts ("true"/"false"), or {"value": ...}; null or "" clears."""
        inner = unwrap(value, "value")
        if inner is None or isinstance(inner, bool):
            return
        if not isinstance(inner, str) or len(inner) > 10:
            raise AnswerError(f"câu đúng/sai cần true hoặc false, không phải {json_kind(inner)}")

    def parse_spec(self, raw):
        answer = raw.get("answer")
        if not isinstance(answer, bool):
            raise SpecError("câu đúng/sai cần 'answer: true' hoặc 'answer: false'")
        return {"answer": answer}

    def public_view(self, spec, choice_order=None):
        return {"choices": [{"id": "true", "text": "Đúng"}, {"id": "false", "text": "Sai"}]}

    def key_view(self, spec):
        return {"correct": ["true" if spec["answer"] else "false"]}

    def clean_answer(self, spec, raw):
        if isinstance(raw, dict):
            raw = raw.get("value")
        if raw in (None, ""):
            return None
        if raw in (True, "true", "1", "dung"):
            return {"value": True}
        if raw in (False, "false", "0", "sai"):
            return {"value": False}
        raise AnswerError("câu trả lời phải là Đúng hoặc Sai")

    def grade(self, spec, answer, *, partial_credit=True):
        if not answer:
            return ZERO
        return ONE if answer.get("value") is spec["answer"] else ZERO

    def form_value(self, answer):
        value = answer or {}
        return "" if "value" not in value else ("true" if value["value"] else "false")

    def editor_fields(self):
        return {"tf_answer": RadioField(_l("Đáp án"), choices=[SelectChoice("true", _l("Đúng")), SelectChoice("false", _l("Sai"))],
                                        validators=[Optional()])}

    def editor_spec(self, form):
        return {"answer": {"true": True, "false": False}.get(form.tf_answer.data)}

    def editor_load(self, form, spec):
        if "answer" in spec:
            form.tf_answer.data = "true" if spec["answer"] else "false"

    def editor_error(self, form, m, groups):
        if "đúng/sai" not in m:
            return False
        editor.add_error(form.tf_answer, _l("Vui lòng chọn đáp án Đúng hoặc Sai."))
        return True

    def key_fix_spec(self, spec, formdata):
        value = formdata.get("answer")
        return {"answer": value == "true"} if value in ("true", "false") else {}

    def answer_schema(self):
        return {"type": ["boolean", "null"], "description": "true | false"}

    def demo_spec(self):
        return {"answer": True}

    def demo_answer(self, spec, right, rng):
        return {"value": spec["answer"] if right else not spec["answer"]}


# Quotes people type (or paste from the prompt) around an answer, and punctuation a phone
# keyboard adds at its end: neither makes a right answer wrong.
SHORT_QUOTES = "\"'“”‘’«»„‟‚‛‹›`´"
SHORT_TRAILING = ".,;:!?…"


def normalize_short(text: str, match_diacritics: bool) -> str:
    """Compare form of a short answer: invisible characters (zero-width, soft hyphen, BOM) dropped,
    NBSP and runs of spaces made one space, NFC, lower case, quotes around it and punctuation at
    its end removed, and accents dropped when the question allows."""
    text = "".join(ch for ch in unicodedata.normalize("NFC", text) if unicodedata.category(ch) != "Cf")
    text = nfc(text).lower()
    while True:
        stripped = text.strip(" " + SHORT_QUOTES).rstrip(" " + SHORT_TRAILING)
        if stripped == text:
            break
        text = stripped
    return text if match_diacritics else strip_diacritics(text)


class ShortText(QuestionType):
    """A short typed answer matched against accepted answers."""

    name = "short_text"
    label = N_("Trả lời ngắn")
    spec_fields = frozenset({"answers", "match_diacritics"})

    def check_answer_shape(self, spec, value):
        """A string or {"text": string}; null clears."""
        _check_text_shape(value, "câu trả lời ngắn")

    def parse_spec(self, raw):
        answers = raw.get("answers")
        if isinstance(answers, (str, int, float)):
            answers = [answers]
        if not isinstance(answers, list) or not answers:
            raise SpecError("câu trả lời ngắn cần danh sách đáp án chấp nhận (answers)")
        cleaned = [nfc(str(a)) for a in answers if nfc(str(a))]
        if not cleaned:
            raise SpecError("danh sách đáp án (answers) đang trống")
        match = raw.get("match_diacritics", True)
        if not isinstance(match, bool):
            raise SpecError("'match_diacritics' phải là true hoặc false")
        return {"answers": cleaned, "match_diacritics": match}

    def key_view(self, spec):
        return {"answers": spec["answers"]}

    def key_texts(self, spec):
        return list(spec.get("answers") or [])

    def clean_answer(self, spec, raw):
        return _text_answer(raw, nfc, SHORT_MAX_CHARS, "câu trả lời", "câu trả lời ngắn")

    def grade(self, spec, answer, *, partial_credit=True):
        if not answer:
            return ZERO
        match = spec.get("match_diacritics", True)
        given = normalize_short(answer.get("text", ""), match)
        if not given:
            return ZERO
        return ONE if any(given == normalize_short(a, match) for a in spec["answers"]) else ZERO

    def editor_fields(self):
        return {"answers": TextAreaField(_l("Các đáp án được chấp nhận (mỗi dòng một đáp án)"),
                                         validators=[Length(max=5000)]),
                "match_diacritics": BooleanField(_l("Phải gõ đúng dấu tiếng Việt"), default=True)}

    def editor_spec(self, form):
        return {"answers": [line.strip() for line in (form.answers.data or "").splitlines() if line.strip()],
                "match_diacritics": bool(form.match_diacritics.data)}

    def editor_load(self, form, spec):
        form.answers.data = "\n".join(spec.get("answers", []))
        form.match_diacritics.data = spec.get("match_diacritics", True)

    def editor_error(self, form, m, groups):
        if "answers" in m:
            editor.add_error(form.answers, _l("Nhập ít nhất một đáp án được chấp nhận, mỗi dòng một đáp án."))
        elif "match_diacritics" in m:
            editor.add_error(form.match_diacritics, _l("Vui lòng chọn có hoặc không."))
        else:
            return False
        return True

    def key_fix_spec(self, spec, formdata):
        answers = [line for line in formdata.get("answers", "").splitlines() if line.strip()]
        return {"answers": answers, "match_diacritics": formdata.get("match_diacritics") == "y"}

    def export_spec(self, spec):
        out = {"answers": list(spec.get("answers", []))}
        if spec.get("match_diacritics") is False:
            out["match_diacritics"] = False
        return out

    def answer_schema(self):
        return {"type": ["string", "null"], "maxLength": SHORT_MAX_CHARS, "description": "the typed text"}

    def demo_spec(self):
        return {"answers": ["Đại hội"], "match_diacritics": False}

    def demo_answer(self, spec, right, rng):
        return {"text": spec["answers"][0] if right else "không nhớ"}


class Essay(QuestionType):
    """A written answer (bài thu hoạch) graded by a person against an optional rubric."""

    name = "essay"
    label = N_("Tự luận")
    auto_graded = False
    spec_fields = frozenset({"rubric"})
    RUBRIC_ROWS = 6
    paper_kind = "essay"
    PAPER_TEXT = "(Bài viết trên giấy — chấm trên bản giấy)"

    def paper_answer(self, spec, choice_order, typed):
        # The essay stays on paper; the stored text only marks it for hand grading.
        return {"text": typed.strip() or self.PAPER_TEXT}

    def check_answer_shape(self, spec, value):
        """A string or {"text": string}; null clears."""
        _check_text_shape(value, "bài tự luận")

    def parse_spec(self, raw):
        rubric = raw.get("rubric") or []
        if not isinstance(rubric, list):
            raise SpecError("'rubric' phải là một danh sách tiêu chí")
        parsed = []
        for i, item in enumerate(rubric):
            if not isinstance(item, dict) or not nfc(str(item.get("criterion", ""))):
                raise SpecError(f"tiêu chí thứ {i + 1} thiếu nội dung (criterion)")
            pts = item.get("points")
            if not isinstance(pts, (int, float)) or isinstance(pts, bool) or pts <= 0:
                raise SpecError(f"tiêu chí thứ {i + 1}: điểm (points) phải là số dương")
            parsed.append({"criterion": nfc(str(item["criterion"])), "points": float(pts)})
        return {"rubric": parsed}

    def public_view(self, spec, choice_order=None):
        return {"max_chars": ESSAY_MAX_CHARS}

    def key_view(self, spec):
        return {"rubric": spec.get("rubric", [])}

    def clean_answer(self, spec, raw):
        # Keep line breaks in essays; only normalize Unicode.
        return _text_answer(raw, lambda t: unicodedata.normalize("NFC", t).strip(), ESSAY_MAX_CHARS,
                            "bài viết", "bài viết")

    def grade(self, spec, answer, *, partial_credit=True):
        return None if answer else ZERO

    def points_problem(self, spec, points):
        total = sum(item["points"] for item in spec.get("rubric") or [])
        if spec.get("rubric") and abs(total - float(points)) > 1e-9:
            # The grader marks each criterion; their sum is the question's score.
            return f"tổng điểm các tiêu chí ({total:g}) phải bằng điểm của câu hỏi ({float(points):g})"
        return None

    def editor_fields(self):
        return {"rubric": editor.rows(editor.RubricRow, self.RUBRIC_ROWS)}

    def editor_spec(self, form):
        form.rubric_rows = [i for i, row in enumerate(form.rubric)
                            if (row.criterion.data or "").strip() or (row.points.data or "").strip()]
        return {"rubric": [{"criterion": (form.rubric[i].criterion.data or "").strip(),
                            "points": editor.number(form.rubric[i].points.data or "")} for i in form.rubric_rows]}

    def editor_load(self, form, spec):
        for row, item in zip(form.rubric, spec.get("rubric", [])):
            row.criterion.data, row.points.data = item["criterion"], str(item["points"]).replace(".", ",")

    def editor_error(self, form, m, groups):
        row = editor.row_number(m)
        if "tổng điểm các tiêu chí" in m:
            groups["rubric"].append(_l("Tổng điểm các tiêu chí phải bằng điểm của câu hỏi."))
            editor.add_error(form.points, _l("Điểm của câu hỏi phải bằng tổng điểm các tiêu chí chấm."))
        elif row and "tiêu chí" in m:
            rows = getattr(form, "rubric_rows", [])
            target = form.rubric[rows[row - 1]] if row - 1 < len(rows) else None
            if target is None:
                groups["rubric"].append(m)
            elif "points" in m or "điểm" in m:
                editor.add_error(target.points, _l("Điểm tiêu chí phải là số dương."))
            else:
                editor.add_error(target.criterion, _l("Vui lòng nhập nội dung tiêu chí (hoặc xoá điểm của dòng này)."))
        elif "rubric" in m:
            groups["rubric"].append(_l("Các tiêu chí chấm chưa hợp lệ."))
        else:
            return False
        return True

    def export_spec(self, spec):
        if not spec.get("rubric"):
            return {}
        return {"rubric": [{"criterion": r["criterion"], "points": int(r["points"]) if float(r["points"]).is_integer()
                            else float(r["points"])} for r in spec["rubric"]]}

    def answer_schema(self):
        return {"type": ["string", "null"], "maxLength": ESSAY_MAX_CHARS, "description": "the essay text"}

    def demo_spec(self):
        return {"rubric": [{"criterion": "Liên hệ bản thân", "points": 1}]}

    def demo_answer(self, spec, right, rng):
        return {"text": "Bản thân tôi nhận thức rõ trách nhiệm nêu gương, thường xuyên tự phê bình và phê bình, "
                        "gắn việc học tập Nghị quyết với nhiệm vụ chuyên môn được giao."}
