"""Forms for issuing sheets and roll-ups and for recording absences."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, IntegerField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional


class SheetForm(FlaskForm):
    """Issuing a cell's result sheet: number (suggested, editable), date, why it replaces one; then confirm."""

    number = IntegerField(_l("Số văn bản"), validators=[
        InputRequired(_l("Vui lòng nhập số văn bản.")),
        NumberRange(1, 9999, _l("Số văn bản phải từ 1 đến 9999."))])
    issued_on = DateField(_l("Ngày ban hành"), validators=[InputRequired(_l("Vui lòng chọn ngày ban hành."))])
    reason = StringField(_l("Lý do thay thế (khi đã có văn bản cho đợt này)"), validators=[
        Optional(), Length(max=300, message=_l("Lý do thay thế tối đa 300 ký tự."))])
    confirm = HiddenField(default="")


class RollupForm(SheetForm):
    """A roll-up: PDF (numbered) or Excel, party or state letterhead."""

    fmt = RadioField(_l("Định dạng"), choices=[SelectChoice("pdf", _l("PDF (văn bản có số)")), SelectChoice("xlsx", _l("Excel (.xlsx)"))],
                     default="pdf")
    state_letterhead = BooleanField(_l("Dùng thể thức văn bản hành chính nhà nước (Nghị định 30)"))


class AbsenceTableForm(FlaskForm):
    """The one-table absence form: its rows are read by the view (one set of fields per person)."""


class VerifyUploadForm(FlaskForm):
    """A PDF someone received, to compare byte-for-byte with the issued file."""

    file = FileField(_l("Tệp PDF cần đối chiếu"), validators=[FileRequired(_l("Vui lòng chọn tệp PDF cần đối chiếu."))])
