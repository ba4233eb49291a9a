"""Registry of question types: one small class per type (validate, public view, grade)."""
from __future__ import annotations

from quizapp.services.question_types.base import AnswerError, QuestionType, SpecError
from quizapp.services.question_types.choice import MultipleChoice, SingleChoice
from quizapp.services.question_types.simple import Essay, ShortText, TrueFalse

REGISTRY: dict[str, QuestionType] = {
    t.name: t for t in (SingleChoice(), MultipleChoice(), TrueFalse(), ShortText(), Essay())
}


def get_type(name: str) -> QuestionType:
    """The registered type, or SpecError naming the allowed types."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise SpecError(
            f"loại câu hỏi '{name}' không hợp lệ (chỉ nhận: {', '.join(REGISTRY)})"
        ) from None


__all__ = ["REGISTRY", "get_type", "QuestionType", "SpecError", "AnswerError"]
