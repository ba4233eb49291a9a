"""Login and password forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """Member code and password."""

    member_code = StringField(_l("Số thẻ đảng viên / mã đăng nhập"), validators=[DataRequired(_l("Vui lòng nhập số thẻ đảng viên.")), Length(max=40)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu.")), Length(max=200)])
    submit = SubmitField(_l("Đăng nhập"))


class ChangePasswordForm(FlaskForm):
    """Current password, new password twice."""

    current = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu hiện tại.")), Length(max=200)])
    new = PasswordField(_l("Mật khẩu mới (ít nhất 8 ký tự)"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu mới.")), Length(max=200)])
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"), validators=[DataRequired(_l("Vui lòng nhập lại mật khẩu mới.")), Length(max=200)])
    submit = SubmitField(_l("Đổi mật khẩu"))
