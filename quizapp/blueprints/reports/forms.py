"""Forms for issuing sheets and roll-ups and for recording absences."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, RadioField
from wtforms.validators import InputRequired, NumberRange


class SheetForm(FlaskForm):
    """Number and date of a cell's result sheet (the number is suggested, and editable)."""

    number = IntegerField(_l("Số văn bản"), validators=[
        InputRequired(_l("Vui lòng nhập số văn bản.")),
        NumberRange(1, 9999, _l("Số văn bản phải từ 1 đến 9999."))])
    issued_on = DateField(_l("Ngày ban hành"), validators=[InputRequired(_l("Vui lòng chọn ngày ban hành."))])


class RollupForm(SheetForm):
    """A roll-up: PDF (numbered) or Excel, party or state letterhead."""

    fmt = RadioField(_l("Định dạng"), choices=[("pdf", _l("PDF (văn bản có số)")), ("xlsx", _l("Excel (.xlsx)"))],
                     default="pdf")
    state_letterhead = BooleanField(_l("Dùng thể thức văn bản hành chính nhà nước (Nghị định 30)"))


class AbsenceTableForm(FlaskForm):
    """The one-table absence form: its rows are read by the view (one set of fields per person)."""
