"""Forms of the people pages: edit, transfer, roster import, login slips."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from quizapp.models import PARTY_STATUSES, PERSON_STATES


class PersonEditForm(FlaskForm):
    """A person's own details and state."""

    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(_l("Vui lòng nhập họ và tên.")), Length(max=120)])
    date_of_birth = DateField(_l("Ngày sinh"), validators=[Optional()],
                              render_kw={"autocomplete": "bday"})
    phone = StringField(_l("Điện thoại"), validators=[Optional(), Length(max=30)], render_kw={"type": "tel", "autocomplete": "tel"})
    email = StringField(_l("Email"), validators=[Optional(), Length(max=120), Email(_l("Email không hợp lệ."))],
                        render_kw={"type": "email", "autocomplete": "email"})
    party_status = SelectField(_l("Tình trạng"), choices=[SelectChoice(k, v) for k, v in PARTY_STATUSES.items()])
    exempt = BooleanField(_l("Miễn công tác và sinh hoạt đảng"))
    exempt_reason = StringField(_l("Lý do miễn"), validators=[Optional(), Length(max=200)])
    effective_date = DateField(_l("Thay đổi tình trạng / miễn sinh hoạt có hiệu lực từ ngày"), validators=[Optional()])
    state = SelectField(_l("Trạng thái"), choices=[SelectChoice(k, v) for k, v in PERSON_STATES.items()])
    override_reason = StringField(_l("Lý do điều chỉnh đợt học tập đã kết thúc"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Lưu thay đổi"))


class TransferForm(FlaskForm):
    """Move a person to another cell from a date."""

    org_id = SelectField(_l("Chuyển đến chi bộ"), coerce=int, validators=[DataRequired(_l("Vui lòng chọn chi bộ."))])
    on = DateField(_l("Từ ngày"), validators=[DataRequired(_l("Vui lòng nhập ngày chuyển."))])
    override_reason = StringField(_l("Lý do điều chỉnh đợt học tập đã kết thúc"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Chuyển sinh hoạt"))


class ImportForm(FlaskForm):
    """Upload a roster; a dry run (preview) unless unticked."""

    file = FileField(_l("Tệp danh sách (.xlsx hoặc .csv UTF-8)"), render_kw={"accept": ".xlsx,.csv"})
    default_org_id = SelectField(_l("Chi bộ mặc định (cho dòng không ghi mã chi bộ)"), coerce=int, validate_choice=False)
    dry_run = BooleanField(_l("Chỉ kiểm tra, chưa ghi (xem trước)"), default=True)
    override_reason = StringField(_l("Lý do điều chỉnh đợt học tập đã kết thúc"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Tải lên"))


class ConfirmImportForm(FlaskForm):
    """Confirm a previewed import (the file is kept server-side under a token)."""

    token = HiddenField(validators=[DataRequired(), Length(max=64)])
    override_reason = HiddenField(validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Xác nhận nhập"))


class SlipsForm(FlaskForm):
    """Who gets a new first password and a printed slip."""

    org_id = SelectField(_l("Chi bộ"), coerce=int, validate_choice=False)
    mode = RadioField(_l("In phiếu cho"), default="new", choices=[
        SelectChoice("new", _l("Người chưa đăng nhập lần nào hoặc chưa đổi mật khẩu được cấp")),
        SelectChoice("all", _l("Tất cả đảng viên của chi bộ (mật khẩu cũ của mọi người sẽ hết hiệu lực)")),
        SelectChoice("selected", _l("Chỉ những người được đánh dấu bên dưới")),
    ])
    submit = SubmitField(_l("Cấp mật khẩu mới và tải phiếu (PDF)"))


class SearchForm(FlaskForm):
    """The list filter (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Tìm theo tên hoặc số thẻ"), validators=[Optional(), Length(max=100)],
                    render_kw={"type": "search"})
    org = SelectField(_l("Chi bộ"), coerce=int, validate_choice=False)
