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


def N_(text: str) -> str:
    """Marks a Vietnamese label for the translation catalog (pybabel's default `N_` keyword);
    the label is translated where it is shown."""
    return text


class QuestionType:
    """One question type. Subclasses are registered by `name` in question_types.REGISTRY.

    A type owns everything about itself: its spec fields and validation, the editor fields and how
    they become a spec, its templates (`question_types/<name>/{edit,take,review,key}.html`), its
    native file mapping, its API answer schema and a demo sample. Generic code asks the
    capabilities below, never a type's name.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    auto_graded: ClassVar[bool] = True
    # --- capabilities (what generic code asks instead of a name)
    choice_based: ClassVar[bool] = False   # spec["choices"] = [{id, text, correct}]; a taker picks ids
    multi_answer: ClassVar[bool] = False   # several choices may be picked
    # How a page posts this type and how take.js reads it ("one": a radio group, "many":
    # checkboxes, "text": a text field). A radio group cannot be cleared in a browser, so a
    # "one" question absent from a post means "unchanged".
    answer_input: ClassVar[str] = "text"
    # How a paper answer sheet carries this type: "letters" (bubbles A–F), "text" (written on
    # the sheet, typed into its own cell) or "essay" (a lined area graded by hand).
    paper_kind: ClassVar[str] = "text"
    paper_multi: ClassVar[bool] = False  # several letters may be filled on one question
    # --- spec fields this type's native entry may carry (besides the common ones)
    spec_fields: ClassVar[frozenset[str]] = frozenset()
    # A folder holding this type's `question_types/<name>/…` templates, for a type shipped
    # outside quizapp/templates (None: the app's own templates folder).
    template_dir: ClassVar[str | None] = None
    # The editor fieldset; types sharing one (single/multiple) name the same template.
    editor_template: ClassVar[str | None] = None

    @property
    def needs_manual_grading(self) -> bool:
        return not self.auto_graded

    @property
    def paper_markable(self) -> bool:
        """A paper sheet carries this type as bubbles a reader can mark."""
        return self.paper_kind == "letters"

    # ------------------------------------------------------------------ templates
    def template(self, kind: str) -> str:
        """The partial for `kind`: take (the input), review (the taker's answer and the key),
        key (the key on a manager's page), edit (the editor fieldset's content), key_fix
        (optional: the key fields of a round's key-fix form)."""
        if kind == "edit" and self.editor_template:
            return self.editor_template
        return f"question_types/{self.name}/{kind}.html"

    # ------------------------------------------------------------------ editor
    def editor_fields(self) -> dict:
        """WTForms fields (name -> unbound field) this type adds to the question editor."""
        return {}

    def editor_spec(self, form) -> dict:
        """The raw spec entry (as a bank file would carry it) from the editor form."""
        return {}

    def editor_load(self, form, spec: dict) -> None:
        """Prefill this type's editor fields from a stored spec."""

    def editor_error(self, form, message: str, groups: dict) -> bool:
        """Put one validator message at this type's editor field; False if it is not ours."""
        return False

    def key_fix_spec(self, spec: dict, formdata) -> dict:
        """The corrected raw spec from the round's key-fix form (its `key_fix` fields);
        by default the key cannot be changed there, only the points."""
        return dict(spec)

    # ------------------------------------------------------------------ take page (no JS path)
    def form_raw(self, formdata, name: str) -> Any:
        """The raw answer a plain form post carries in field `name`."""
        return formdata.getlist(name) if self.answer_input == "many" else formdata.get(name, "")

    def form_value(self, answer: dict | None) -> Any:
        """The stored answer in the shape a form posts it (to skip unchanged questions)."""
        return (answer or {}).get("text", "")

    # ------------------------------------------------------------------ files, API, demo
    def export_spec(self, spec: dict) -> dict:
        """The spec as the native YAML file writes it (parse_spec reads it back)."""
        return {k: v for k, v in spec.items() if k in self.spec_fields}

    def answer_schema(self) -> dict:
        """JSON schema of the `value` a save posts (for the OpenAPI document)."""
        return {"type": "string"}

    def demo_spec(self) -> dict:
        """A sample raw spec (the contract test builds one question of every type from it)."""
        raise NotImplementedError

    def demo_answer(self, spec: dict, right: bool, rng) -> Any:
        """A raw answer a demo member might give (right or wrong)."""
        return None

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

    def points_problem(self, spec: dict, points: float) -> str | None:
        """A Vietnamese reason why `points` do not fit this spec (e.g. a rubric's total), or None."""
        return None

    def key_texts(self, spec: dict) -> list[str]:
        """The texts that make up the answer (correct choices, accepted answers), for quality checks."""
        return []

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
