"""The contract every question type implements. Graders are pure: (spec, answer) -> fraction.

Graders return an exact `fractions.Fraction` (never a float): the share of an item's points
earned is summed exactly up to the attempt's score (see services.grading for the one rounding).
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, ClassVar

ZERO, ONE = Fraction(0), Fraction(1)


class SpecError(ValueError):
    """A question spec is invalid; the message is Vietnamese and names the field."""


class AnswerError(ValueError):
    """A submitted answer has the wrong shape for its question."""


MAX_ID_CHARS = 64


def json_kind(value: Any) -> str:
    """The JSON kind of a value, named in Vietnamese (for 'wrong shape' messages)."""
    if value is None:
        return "giá trị rỗng (null)"
    if isinstance(value, bool):
        return "giá trị true/false"
    if isinstance(value, (int, float)):
        return "một số"
    if isinstance(value, str):
        return "một chuỗi văn bản"
    if isinstance(value, list):
        return "một danh sách"
    if isinstance(value, dict):
        return "một đối tượng"
    return "một giá trị không hợp lệ"


def unwrap(value: Any, key: str) -> Any:
    """The inner value of the stored form {key: inner}; any other object is a wrong shape."""
    if isinstance(value, dict):
        if set(value) != {key}:
            raise AnswerError(f"đối tượng trả lời chỉ được có đúng một khóa '{key}'")
        return value[key]
    return value


def check_id(value: Any, what: str) -> None:
    """A choice id: a short string."""
    if not isinstance(value, str):
        raise AnswerError(f"{what} phải là một mã phương án (chuỗi, ví dụ \"b\"), không phải {json_kind(value)}")
    if len(value) > MAX_ID_CHARS:
        raise AnswerError(f"mã phương án quá dài (tối đa {MAX_ID_CHARS} ký tự)")


PAPER_LETTERS = "ABCDEF"  # the bubbles an answer sheet prints per question (services.paper_layout)


class QuestionType:
    """One question type. Subclasses are registered by `name` in question_types.REGISTRY."""

    name: ClassVar[str]
    label: ClassVar[str]
    auto_graded: ClassVar[bool] = True
    # How a paper answer sheet carries this type: "letters" (bubbles A–F), "text" (written on
    # the sheet, typed into its own cell) or "essay" (a lined area graded by hand).
    paper_kind: ClassVar[str] = "text"
    paper_multi: ClassVar[bool] = False  # several letters may be filled on one question

    def paper_choices(self, spec: dict, choice_order: list | None) -> list[tuple[str, str]]:
        """(letter, text) of each printed choice in the paper's order; empty for types without choices."""
        return []

    def paper_accepts(self, spec: dict, choice_order: list | None) -> str:
        """Every letter a secretary may type for this question (for checks as they type)."""
        return ""

    def paper_hint(self, spec: dict, choice_order: list | None) -> str:
        """The letters a secretary may type for this question, in Vietnamese ("A–D", "Đ/S")."""
        return ""

    def paper_answer(self, spec: dict, choice_order: list | None, typed: str) -> Any:
        """The raw answer (as a save would post it) for what was typed from a paper sheet;
        AnswerError with a Vietnamese reason if it cannot be. Empty means no answer."""
        text = typed.strip()
        return {"text": text} if text else None

    def parse_spec(self, raw: dict) -> dict:
        """Turn a bank-file or form entry into the stored spec; raise SpecError if invalid."""
        raise NotImplementedError

    def public_view(self, spec: dict, choice_order: list | None = None) -> dict:
        """What a taker may see: a whitelist that never contains the key."""
        return {}

    def key_view(self, spec: dict) -> dict:
        """The correct answer, for review pages once the policy releases it."""
        raise NotImplementedError

    def new_choice_order(self, spec: dict, rng) -> list | None:
        """Choice ids in the order shown to one taker (None for types without choices)."""
        return None

    def check_answer_shape(self, spec: dict, value: Any) -> None:
        """Raise AnswerError (Vietnamese reason) unless `value` has a JSON shape this type accepts.

        Called before clean_answer on every save path, so clean_answer only meets shapes it knows.
        """
        raise NotImplementedError

    def clean_answer(self, spec: dict, raw: Any) -> dict | None:
        """Validate a submitted answer into its stored form; None means 'no answer'."""
        raise NotImplementedError

    def grade(self, spec: dict, answer: dict | None, *, partial_credit: bool = True) -> Fraction | None:
        """Exact share of the points earned, 0..1; None when a person must grade it."""
        raise NotImplementedError
