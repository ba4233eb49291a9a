"""Forms for the organization tree."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp


class OrgEditForm(FlaskForm):
    """Name, place, term, seal and secretary of a node."""

    name = StringField(_l("Tên đầy đủ"), validators=[DataRequired(_l("Vui lòng nhập tên.")), Length(max=200)])
    place = StringField(_l("Địa danh (ghi ở dòng ngày tháng)"), validators=[Optional(), Length(max=100)])
    term = StringField(_l("Nhiệm kỳ (ví dụ 2025-2030)"), validators=[Optional(), Length(max=40)])
    has_seal = BooleanField(_l("Có con dấu"))
    secretary_id = SelectField(_l("Bí thư"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Lưu"))


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
