"""Forms for the organization tree."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from quizapp.vn import clean_filter


class OrgEditForm(FlaskForm):
    """Name, place, term, seal and secretary of a node."""

    name = StringField(_l("Tên đầy đủ"), validators=[DataRequired(_l("Vui lòng nhập tên.")), Length(max=200)])
    place = StringField(_l("Địa danh (ghi ở dòng ngày tháng)"), validators=[Optional(), Length(max=100)])
    term = StringField(_l("Nhiệm kỳ (ví dụ 2025-2030)"), validators=[Optional(), Length(max=40)])
    has_seal = BooleanField(_l("Có con dấu"))
    secretary_id = SelectField(_l("Bí thư"), coerce=int, validators=[Optional()])
    # Documents (see docs/documents.md): empty fields fall back to defaults derived from the tree.
    report_to = StringField(_l("Nơi nhận báo cáo (cơ quan cấp trên nhận báo cáo)"),
                            filters=[clean_filter], validators=[Optional(), Length(max=200)])
    state_unit_name = StringField(_l("Tên cơ quan nhà nước ban hành"), filters=[clean_filter],
                                  validators=[Optional(), Length(max=200)])
    state_superior = StringField(_l("Cơ quan chủ quản"), filters=[clean_filter],
                                 validators=[Optional(), Length(max=200)])
    state_abbr = StringField(_l("Chữ viết tắt tên cơ quan (ký hiệu văn bản)"), filters=[clean_filter],
                             validators=[Optional(), Length(max=20), Regexp(
                                 r"^[A-Za-zĐđ0-9]+$", message=_l("Chữ viết tắt chỉ gồm chữ cái và số, không dấu cách."))])
    state_place = StringField(_l("Địa danh (tỉnh, thành phố)"), filters=[clean_filter],
                              validators=[Optional(), Length(max=100)])
    state_signer_title = StringField(_l("Chức vụ người ký"), filters=[clean_filter],
                                     validators=[Optional(), Length(max=120)])
    state_signer_name = StringField(_l("Họ tên người ký"), filters=[clean_filter],
                                    validators=[Optional(), Length(max=120)])
    submit = SubmitField(_l("Lưu"))

    DOCUMENT_FIELDS = ("report_to", "state_unit_name", "state_superior", "state_abbr", "state_place",
                       "state_signer_title", "state_signer_name")


class OrgCreateForm(FlaskForm):
    """A new node under the current one."""

    code = StringField(_l("Mã"), validators=[DataRequired(_l("Vui lòng nhập mã.")), Length(max=40),
                                            Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Mã chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang."))])
    name = StringField(_l("Tên đầy đủ"), validators=[DataRequired(_l("Vui lòng nhập tên.")), Length(max=200)])
    kind = SelectField(_l("Loại"), choices=[])
    place = StringField(_l("Địa danh"), validators=[Optional(), Length(max=100)])
    term = StringField(_l("Nhiệm kỳ"), validators=[Optional(), Length(max=40)])
    has_seal = BooleanField(_l("Có con dấu"))
    submit = SubmitField(_l("Thêm"))


class RoleForm(FlaskForm):
    """Grant a role over this node to a person in scope."""

    member_code = StringField(_l("Số thẻ đảng viên"), validators=[DataRequired(_l("Vui lòng nhập số thẻ.")), Length(max=40)])
    role = SelectField(_l("Vai trò"), choices=[])
    submit = SubmitField(_l("Giao vai trò"))
