"""Registry of question types: one class per type owns everything about it (see base.QuestionType)."""
from __future__ import annotations

from quizapp.services.question_types.base import AnswerError, QuestionType, SpecError
from quizapp.services.question_types.choice import MultipleChoice, SingleChoice
from quizapp.services.question_types.simple import Essay, ShortText, TrueFalse

REGISTRY: dict[str, QuestionType] = {
    t.name: t for t in (SingleChoice(), MultipleChoice(), TrueFalse(), ShortText(), Essay())
}


def register(qtype: QuestionType) -> QuestionType:
    """Add a type (its templates are found through `template_dir`, see web.TypeTemplateLoader)."""
    REGISTRY[qtype.name] = qtype
    return qtype


def unregister(name: str) -> None:
    REGISTRY.pop(name, None)


def get_type(name: str) -> QuestionType:
    """The registered type, or SpecError naming the allowed types."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise SpecError(
            f"loại câu hỏi '{name}' không hợp lệ (chỉ nhận: {', '.join(REGISTRY)})"
        ) from None


def manual_type_names() -> list[str]:
    """Types a person grades (for SQL filters that cannot call the type)."""
    return [name for name, t in REGISTRY.items() if t.needs_manual_grading]


__all__ = ["REGISTRY", "get_type", "register", "unregister", "manual_type_names", "QuestionType", "SpecError",
           "AnswerError"]
