"""Single choice and multiple choice (several correct)."""
from __future__ import annotations

import string
from fractions import Fraction

from quizapp.services.question_types.base import (
    ONE, PAPER_LETTERS, ZERO, AnswerError, N_, QuestionType, SpecError, check_id, json_kind, unwrap,
)
from flask_babel import lazy_gettext as _l

from quizapp.services.question_types import editor
from quizapp.vn import nfc

MAX_CHOICES = 8


def _parse_choices(raw: dict) -> list[dict]:
    choices = raw.get("choices")
    if not isinstance(choices, list) or not (2 <= len(choices) <= MAX_CHOICES):
        raise SpecError(f"cần từ 2 đến {MAX_CHOICES} phương án (choices)")
    parsed = []
    for i, ch in enumerate(choices):
        if isinstance(ch, str):
            ch = {"text": ch}
        if not isinstance(ch, dict) or not nfc(str(ch.get("text", ""))):
            raise SpecError(f"phương án thứ {i + 1} thiếu nội dung (text)")
        correct = ch.get("correct", False)
        if not isinstance(correct, bool):
            raise SpecError(f"phương án thứ {i + 1}: 'correct' phải là true hoặc false")
        cid = str(ch.get("id") or string.ascii_lowercase[i])
        parsed.append({"id": cid, "text": nfc(str(ch["text"])), "correct": correct})
    if len({c["id"] for c in parsed}) != len(parsed):
        raise SpecError("mã phương án bị trùng")
    if len({c["text"].lower() for c in parsed}) != len(parsed):
        raise SpecError("có hai phương án trùng nội dung")
    return parsed


class _ChoiceType(QuestionType):
    paper_kind = "letters"
    paper_multi = False
    choice_based = True
    spec_fields = frozenset({"choices"})
    editor_template = "question_types/_choices/edit.html"

    # --- editor: up to MAX_CHOICES rows of (text, correct), shared by both choice types
    def editor_fields(self):
        return {"choices": editor.rows(editor.ChoiceRow, MAX_CHOICES)}

    def editor_spec(self, form):
        form.choice_rows = [i for i, row in enumerate(form.choices) if (row.text.data or "").strip()]
        return {"choices": [{"text": form.choices[i].text.data.strip(), "correct": bool(form.choices[i].correct.data)}
                            for i in form.choice_rows]}

    def editor_load(self, form, spec):
        for row, choice in zip(form.choices, spec.get("choices", [])):
            row.text.data, row.correct.data = choice["text"], bool(choice.get("correct"))

    def editor_error(self, form, m, groups):
        row = editor.row_number(m)
        if row and "phương án" in m:
            rows = getattr(form, "choice_rows", [])
            if row - 1 < len(rows):
                editor.add_error(form.choices[rows[row - 1]].text, _l("Phương án này chưa hợp lệ."))
            else:
                groups["choices"].append(m)
        elif "trùng nội dung" in m:
            seen: set[str] = set()
            marked = False
            for choice in form.choices:
                text = nfc((choice.text.data or "").strip()).lower()
                if not text:
                    continue
                if text in seen:
                    editor.add_error(choice.text, _l("Phương án này trùng với một phương án ở trên."))
                    marked = True
                seen.add(text)
            if not marked:
                groups["choices"].append(_l("Có hai phương án trùng nội dung."))
        elif "phương án (choices)" in m or "cần từ 2" in m:
            groups["choices"].append(_l("Cần từ 2 đến %(n)s phương án; hãy điền thêm phương án.", n=MAX_CHOICES))
        elif "đúng một phương án đúng" in m:
            groups["correct"].append(_l("Câu một lựa chọn cần đánh dấu “Đúng” cho đúng một phương án."))
        elif "ít nhất một phương án đúng" in m:
            groups["correct"].append(_l("Câu nhiều lựa chọn cần đánh dấu “Đúng” cho ít nhất một phương án."))
        else:
            return False
        return True

    def key_fix_spec(self, spec, formdata):
        picked = set(formdata.getlist("correct"))
        return {"choices": [{"id": c["id"], "text": c["text"], "correct": c["id"] in picked} for c in spec["choices"]]}

    def export_spec(self, spec):
        return {"choices": [{"text": c["text"], "correct": True} if c.get("correct") else {"text": c["text"]}
                            for c in spec.get("choices", [])]}

    def demo_spec(self):
        return {"choices": [{"text": "Phương án đúng", "correct": True}, {"text": "Phương án sai"},
                            {"text": "Phương án khác", "correct": self.multi_answer}]}

    def paper_choices(self, spec, choice_order=None):
        by_id = {c["id"]: c for c in spec["choices"]}
        order = [cid for cid in (choice_order or [c["id"] for c in spec["choices"]]) if cid in by_id]
        return [(PAPER_LETTERS[i] if i < len(PAPER_LETTERS) else "?", by_id[cid]["text"])
                for i, cid in enumerate(order)]

    def paper_accepts(self, spec, choice_order=None):
        return "".join(letter for letter, _ in self.paper_choices(spec, choice_order))

    def paper_hint(self, spec, choice_order=None):
        n = len(self.paper_choices(spec, choice_order))
        hint = f"A–{PAPER_LETTERS[min(n, len(PAPER_LETTERS)) - 1]}"
        return hint + (", có thể chọn nhiều" if self.paper_multi else "")

    def paper_answer(self, spec, choice_order, typed):
        order = choice_order or [c["id"] for c in spec["choices"]]
        letters = [ch for ch in typed.upper() if not ch.isspace()]
        if not letters:
            return None
        picked = []
        for ch in letters:
            index = PAPER_LETTERS.find(ch)
            if index < 0 or index >= len(order):
                raise AnswerError(f"không có phương án {ch} (câu này có {self.paper_hint(spec, choice_order)})")
            if order[index] not in picked:
                picked.append(order[index])
        if not self.paper_multi:
            if len(picked) > 1:
                raise AnswerError(f"câu một lựa chọn chỉ được chọn một phương án, đã nhập {''.join(letters)}")
            return picked[0]
        return picked

    def public_view(self, spec, choice_order=None):
        by_id = {c["id"]: c for c in spec["choices"]}
        order = choice_order or [c["id"] for c in spec["choices"]]
        return {"choices": [{"id": cid, "text": by_id[cid]["text"]} for cid in order if cid in by_id]}

    def key_view(self, spec):
        return {"correct": [c["id"] for c in spec["choices"] if c["correct"]]}

    def key_texts(self, spec):
        return [c.get("text", "") for c in spec.get("choices") or [] if c.get("correct")]

    def new_choice_order(self, spec, rng):
        ids = [c["id"] for c in spec["choices"]]
        rng.shuffle(ids)
        return ids


class SingleChoice(_ChoiceType):
    """Exactly one correct choice."""

    name = "single"
    label = N_("Một lựa chọn")
    answer_input = "one"

    def form_value(self, answer):
        return (answer or {}).get("choice", "")

    def answer_schema(self):
        return {"type": ["string", "null"], "description": "one display id, e.g. \"c2\""}

    def demo_answer(self, spec, right, rng):
        correct = next(c["id"] for c in spec["choices"] if c["correct"])
        wrong = [c["id"] for c in spec["choices"] if not c["correct"]]
        return {"choice": correct if right else rng.choice(wrong)}

    def check_answer_shape(self, spec, value):
        """One choice id ("b" or {"choice": "b"}); null or "" clears."""
        inner = unwrap(value, "choice")
        if inner is None:
            return
        if isinstance(inner, list):
            raise AnswerError(f"câu một lựa chọn chỉ nhận một mã phương án (ví dụ \"b\"), không phải {json_kind(inner)}")
        check_id(inner, "câu trả lời")

    def parse_spec(self, raw):
        choices = _parse_choices(raw)
        if sum(c["correct"] for c in choices) != 1:
            raise SpecError("câu một lựa chọn phải có đúng một phương án đúng")
        return {"choices": choices}

    def clean_answer(self, spec, raw):
        if isinstance(raw, dict):
            raw = raw.get("choice")
        if raw in (None, ""):
            return None
        if raw not in {c["id"] for c in spec["choices"]}:
            raise AnswerError("phương án không tồn tại")
        return {"choice": raw}

    def grade(self, spec, answer, *, partial_credit=True):
        if not answer:
            return ZERO
        correct = next(c["id"] for c in spec["choices"] if c["correct"])
        return ONE if answer.get("choice") == correct else ZERO


class MultipleChoice(_ChoiceType):
    """One or more correct choices; partial credit per choice (see `grade`), or all-or-nothing."""

    name = "multiple"
    label = N_("Nhiều lựa chọn")
    paper_multi = True
    multi_answer = True
    answer_input = "many"

    def form_value(self, answer):
        return sorted((answer or {}).get("choices", []))

    def answer_schema(self):
        return {"type": ["array", "null"], "items": {"type": "string"},
                "description": "display ids, e.g. [\"c1\", \"c3\"]"}

    def demo_answer(self, spec, right, rng):
        correct = [c["id"] for c in spec["choices"] if c["correct"]]
        wrong = [c["id"] for c in spec["choices"] if not c["correct"]] or correct
        return {"choices": correct if right else [rng.choice(wrong)]}

    def check_answer_shape(self, spec, value):
        """A list of choice ids (["a", "c"] or {"choices": [...]}); null, "" or [] clears."""
        inner = unwrap(value, "choices")
        if inner is None or inner == "":
            return
        if not isinstance(inner, list):
            raise AnswerError(f"câu nhiều lựa chọn cần một danh sách mã phương án (ví dụ [\"a\", \"c\"]), "
                              f"không phải {json_kind(inner)}")
        if len(inner) > MAX_CHOICES:
            raise AnswerError(f"danh sách có quá nhiều phương án (tối đa {MAX_CHOICES})")
        for cid in inner:
            check_id(cid, "mỗi phần tử của danh sách")

    def parse_spec(self, raw):
        choices = _parse_choices(raw)
        if not any(c["correct"] for c in choices):
            raise SpecError("câu nhiều lựa chọn phải có ít nhất một phương án đúng")
        return {"choices": choices}

    def clean_answer(self, spec, raw):
        if isinstance(raw, dict):
            raw = raw.get("choices")
        if raw in (None, "", []):
            return None
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or len(raw) > MAX_CHOICES:
            raise AnswerError("danh sách phương án không hợp lệ")
        valid = {c["id"] for c in spec["choices"]}
        picked = []
        for cid in raw:
            if cid not in valid:
                raise AnswerError("phương án không tồn tại")
            if cid not in picked:
                picked.append(cid)
        return {"choices": sorted(picked)}

    def grade(self, spec, answer, *, partial_credit=True):
        """Moodle's rule: each right pick earns 1/(number right), each wrong pick costs
        1/(number of wrong options), and an item never goes below 0 — so ticking every
        option earns exactly 0 however many options are right."""
        if not answer:
            return ZERO
        ids = {c["id"] for c in spec["choices"]}
        correct = {c["id"] for c in spec["choices"] if c["correct"]}
        wrong = ids - correct
        picked = set(answer.get("choices", [])) & ids
        if not partial_credit:
            return ONE if picked == correct else ZERO
        earned = Fraction(len(picked & correct), len(correct))
        if wrong:
            earned -= Fraction(len(picked & wrong), len(wrong))
        return max(ZERO, earned)
