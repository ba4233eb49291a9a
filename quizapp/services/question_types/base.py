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


class QuestionType:
    """One question type. Subclasses are registered by `name` in question_types.REGISTRY."""

    name: ClassVar[str]
    label: ClassVar[str]
    auto_graded: ClassVar[bool] = True

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

    def clean_answer(self, spec: dict, raw: Any) -> dict | None:
        """Validate a submitted answer into its stored form; None means 'no answer'."""
        raise NotImplementedError

    def grade(self, spec: dict, answer: dict | None, *, partial_credit: bool = True) -> Fraction | None:
        """Exact share of the points earned, 0..1; None when a person must grade it."""
        raise NotImplementedError
