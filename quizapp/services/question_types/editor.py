"""Pieces the types use to declare their bank-editor fields (WTForms), and to put a validator's
message at the field it concerns."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, Form, FormField, StringField
from wtforms.validators import Length, Optional

_ROW_RE = re.compile(r"(?:phương án|tiêu chí) thứ (\d+)")


class ChoiceRow(Form):
    """One choice of a choice-based question."""

    text = StringField(_l("Phương án"), validators=[Optional(), Length(max=1000)])
    correct = BooleanField(_l("Đúng"))


class RubricRow(Form):
    """One criterion of an essay rubric."""

    criterion = StringField(_l("Tiêu chí"), validators=[Optional(), Length(max=1000)])
    points = StringField(_l("Điểm"), validators=[Optional(), Length(max=10)])


def rows(row_form: type[Form], count: int) -> FieldList:
    """`count` repeated rows of `row_form` (blank rows are ignored)."""
    return FieldList(FormField(row_form), min_entries=count, max_entries=count)


def row_number(message: str) -> int | None:
    """The row a validator message names ("phương án thứ 3", "tiêu chí thứ 2"), 1-based."""
    m = _ROW_RE.search(message)
    return int(m.group(1)) if m else None


def add_error(field, message) -> None:
    field.errors = [*(field.errors or []), message]


def number(text: str):
    """'1,5' or '1.5' -> 1.5; anything else is returned as typed so the validator names it."""
    value = (text or "").strip().replace(",", ".")
    try:
        result = float(value)
    except ValueError:
        return text
    return int(result) if result.is_integer() else result
