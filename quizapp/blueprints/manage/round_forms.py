"""Forms for study rounds, copies and make-up windows (Vietnam-time inputs, decimal commas)."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, DateField, DateTimeLocalField, FieldList, Form, FormField, IntegerField,
                     RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget
from flask_wtf import FlaskForm

from quizapp.clock import local_to_utc, to_local
from quizapp.models import DIFFICULTIES
from quizapp.models.round import ATTEMPT_POLICIES, DEFAULT_REVIEW_WHEN, REVIEW_POLICIES, REVIEW_WHEN
from quizapp.services.question_types import REGISTRY
from quizapp.services.round_checks import CUTOFF_KEYS, ROUND_FORMS
from quizapp.vn import format_number

DT_FORMAT = "%Y-%m-%dT%H:%M"
DRAW_ROWS = 6


def parse_vn_decimal(text: str | None) -> float | None:
    """'6,5' or '6.5' -> 6.5; '' -> None; anything else raises ValueError."""
    text = (text or "").strip().replace(" ", "")
    if not text:
        return None
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    return float(text)


class VNDecimalField(StringField):
    """A decimal typed the Vietnamese way (6,5) or with a dot; shown with a comma."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_vn_decimal(valuelist[0])
        except ValueError:
            self.data = None
            self.raw = valuelist[0]
            raise ValueError(_l("Vui lòng nhập một số, ví dụ 6,5.")) from None

    def _value(self):
        if getattr(self, "raw", None) is not None:
            return self.raw
        if self.data is None:
            return ""
        return format_number(self.data, 1 if float(self.data) != int(self.data) else 0)


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for several choices."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class DrawRowForm(Form):
    """One draw rule row: bank, optional topic, difficulty and question type, number of questions."""

    bank_id = SelectField(_l("Ngân hàng"), coerce=_int_or_none, validators=[Optional()], validate_choice=False)
    topic = StringField(_l("Chủ đề (không bắt buộc)"), validators=[Optional(), Length(max=200)])
    difficulty = SelectField(_l("Mức độ"), choices=[], validators=[Optional()])
    qtype = SelectField(_l("Loại câu hỏi"), choices=[], validators=[Optional()])
    count = IntegerField(_l("Số câu"), validators=[Optional(), NumberRange(1, 200, _l("Số câu phải từ 1 đến 200."))])


class RoundForm(FlaskForm):
    """The round and its quiz on one page."""

    owner_org_id = SelectField(_l("Đơn vị tổ chức"), coerce=int, validate_choice=False)
    title = StringField(_l("Tên đợt học tập"), validators=[InputRequired(_l("Vui lòng nhập tên đợt học tập.")), Length(max=300)])
    documents = TextAreaField(_l("Văn bản được học tập (mỗi dòng một văn bản)"),
                              validators=[InputRequired(_l("Vui lòng nhập ít nhất một văn bản được học tập.")), Length(max=5000)])
    session_date = DateField(_l("Ngày học tập"), validators=[InputRequired(_l("Vui lòng chọn ngày học tập."))])
    place = StringField(_l("Địa điểm"), validators=[Optional(), Length(max=200)])
    form = SelectField(_l("Hình thức"), choices=[SelectChoice(k, v) for k, v in ROUND_FORMS.items()])
    org_ids = MultiCheckboxField(_l("Tổ chức đảng tham gia (gồm cả các tổ chức trực thuộc)"), coerce=int, validate_choice=False)
    threshold_percent = VNDecimalField(_l("Tỷ lệ tham gia yêu cầu (%)"))

    quiz_title = StringField(_l("Tên bài kiểm tra"), validators=[InputRequired(_l("Vui lòng nhập tên bài kiểm tra.")), Length(max=300)])
    mode = RadioField(_l("Cách chọn câu hỏi"), choices=[
        SelectChoice("random", _l("Rút ngẫu nhiên cho từng người theo quy tắc")),
        SelectChoice("fixed", _l("Danh sách câu hỏi cố định")),
    ], default="random")
    rules = FieldList(FormField(DrawRowForm), min_entries=DRAW_ROWS, max_entries=20)
    question_ids = MultiCheckboxField(_l("Câu hỏi cố định"), coerce=int, validate_choice=False)
    shuffle_questions = BooleanField(_l("Xáo trộn thứ tự câu hỏi"), default=True)
    shuffle_choices = BooleanField(_l("Xáo trộn thứ tự phương án"), default=True)
    time_limit_minutes = IntegerField(_l("Thời gian làm bài (phút)"), default=30,
                                      validators=[InputRequired(_l("Vui lòng nhập thời gian làm bài.")), NumberRange(1, 600, _l("Thời gian làm bài phải từ 1 đến 600 phút."))])
    opens_at = DateTimeLocalField(_l("Mở lúc (giờ Việt Nam)"), format=DT_FORMAT,
                                  validators=[InputRequired(_l("Vui lòng chọn thời điểm mở bài kiểm tra."))])
    closes_at = DateTimeLocalField(_l("Đóng lúc (giờ Việt Nam)"), format=DT_FORMAT,
                                   validators=[InputRequired(_l("Vui lòng chọn thời điểm đóng bài kiểm tra."))])
    attempts_allowed = IntegerField(_l("Số lần được làm bài"), default=1,
                                    validators=[InputRequired(_l("Vui lòng nhập số lần làm bài.")), NumberRange(1, 20, _l("Số lần làm bài phải từ 1 đến 20."))])
    attempt_policy = SelectField(_l("Nếu làm nhiều lần, tính lần"), choices=[SelectChoice(k, v) for k, v in ATTEMPT_POLICIES.items()], default="best")
    cutoff_gioi = VNDecimalField(_l("Giỏi: từ (điểm)"))
    cutoff_kha = VNDecimalField(_l("Khá: từ (điểm)"))
    cutoff_trung_binh = VNDecimalField(_l("Trung bình: từ (điểm)"))
    review_policy = SelectField(_l("Người làm bài được xem"), choices=[SelectChoice(k, v) for k, v in REVIEW_POLICIES.items()], default="answers")
    review_when = SelectField(_l("Được xem khi"), choices=[SelectChoice(k, v) for k, v in REVIEW_WHEN.items()], default=DEFAULT_REVIEW_WHEN)
    partial_credit = BooleanField(_l("Câu nhiều lựa chọn: cho điểm từng phần"), default=True)
    grace_seconds = IntegerField(_l("Thời gian gia hạn lưu bài sau giờ nộp (giây)"), default=60,
                                 validators=[InputRequired(_l("Vui lòng nhập thời gian gia hạn.")), NumberRange(0, 600, _l("Thời gian gia hạn phải từ 0 đến 600 giây."))])
    submit = SubmitField(_l("Lưu đợt học tập"))
    preview = SubmitField(_l("Xem cấu trúc bài (chưa lưu)"))

    def set_defaults(self) -> None:
        """Policy defaults from config for a new, unposted form."""
        if self.threshold_percent.data is None:
            self.threshold_percent.data = float(current_app.config["DEFAULT_THRESHOLD_PERCENT"])
        defaults = current_app.config["DEFAULT_CUTOFFS"]
        for key in CUTOFF_KEYS:
            field = getattr(self, f"cutoff_{key}")
            if field.data is None:
                field.data = defaults[key]
        self.grace_seconds.data = current_app.config["SAVE_GRACE_SECONDS"]


def setup_choices(form: RoundForm, owner_orgs, participating_orgs, banks) -> None:
    """Fill the dynamic choices: owner orgs, participating orgs, banks, difficulties."""
    form.owner_org_id.choices = [(o.id, f"{o.name} ({o.code})", {"lang": "vi"}) for o in owner_orgs]
    form.org_ids.choices = [(o.id, f"{o.name} ({o.code})", {"lang": "vi"}) for o in participating_orgs]
    bank_choices = [("", _l("— Chọn ngân hàng —"))] + [(b.id, b.title, {"lang": "vi"}) for b in banks]
    diff_choices = [("", _l("Mọi mức độ"))] + list(DIFFICULTIES.items())
    type_choices = [("", _l("Mọi loại"))] + [(name, t.label) for name, t in REGISTRY.items()]
    for row in form.rules:
        row.form.bank_id.choices = bank_choices
        row.form.difficulty.choices = diff_choices
        row.form.qtype.choices = type_choices


def _utc(value: datetime | None) -> datetime | None:
    return local_to_utc(value) if value is not None else None


def _local(value: datetime | None) -> datetime | None:
    return to_local(value).replace(tzinfo=None) if value is not None else None


def form_values(form: RoundForm) -> tuple[dict, dict]:
    """The form's data as the (fields, quiz_fields) dicts services.rounds takes."""
    fields = {
        "title": form.title.data, "documents": form.documents.data, "session_date": form.session_date.data,
        "place": form.place.data, "form": form.form.data, "threshold_percent": form.threshold_percent.data,
    }
    if form.mode.data == "fixed":
        draw_rule = {"mode": "fixed", "question_ids": form.question_ids.data or []}
    else:
        rows = [r.form for r in form.rules]
        draw_rule = {"mode": "random", "rules": [
            {"bank_id": r.bank_id.data, "topic": r.topic.data, "difficulty": r.difficulty.data or None,
             "type": r.qtype.data or None, "count": r.count.data}
            for r in rows if r.bank_id.data and r.count.data
        ]}
    quiz_fields = {
        "title": form.quiz_title.data, "draw_rule": draw_rule,
        "shuffle_questions": form.shuffle_questions.data, "shuffle_choices": form.shuffle_choices.data,
        "time_limit_minutes": form.time_limit_minutes.data,
        "opens_at": _utc(form.opens_at.data), "closes_at": _utc(form.closes_at.data),
        "attempts_allowed": form.attempts_allowed.data, "attempt_policy": form.attempt_policy.data,
        "cutoffs": {k: getattr(form, f"cutoff_{k}").data for k in CUTOFF_KEYS},
        "review_policy": form.review_policy.data, "review_when": form.review_when.data,
        "partial_credit": form.partial_credit.data, "grace_seconds": form.grace_seconds.data,
    }
    return fields, quiz_fields


def fill_form(form: RoundForm, rnd) -> None:
    """Load an existing round into the form (times shown in Vietnam time)."""
    quiz = rnd.quiz
    form.owner_org_id.data = rnd.owner_org_id
    for name in ("title", "documents", "session_date", "place", "form", "threshold_percent"):
        getattr(form, name).data = getattr(rnd, name)
    form.org_ids.data = [ro.org_id for ro in rnd.orgs]
    form.quiz_title.data = quiz.title
    rule = quiz.draw_rule or {}
    form.mode.data = rule.get("mode", "random")
    form.question_ids.data = list(rule.get("question_ids") or [])
    for row, r in zip(form.rules, rule.get("rules") or []):
        row.form.bank_id.data = r.get("bank_id")
        row.form.topic.data = r.get("topic") or ""
        row.form.difficulty.data = r.get("difficulty") or ""
        row.form.qtype.data = r.get("type") or ""
        row.form.count.data = r.get("count")
    for name in ("shuffle_questions", "shuffle_choices", "time_limit_minutes", "attempts_allowed",
                 "attempt_policy", "review_policy", "review_when", "partial_credit", "grace_seconds"):
        getattr(form, name).data = getattr(quiz, name)
    form.opens_at.data = _local(quiz.opens_at)
    form.closes_at.data = _local(quiz.closes_at)
    for key in CUTOFF_KEYS:
        getattr(form, f"cutoff_{key}").data = (quiz.cutoffs or {}).get(key)


def attach_problems(form: FlaskForm, problems: list[dict]) -> None:
    """Show each service problem under its field (when the form has it)."""
    for p in problems or []:
        name = {"quiz_title": "quiz_title"}.get(p.get("field"), p.get("field"))
        field = getattr(form, name, None) if name else None
        if field is not None and hasattr(field, "errors"):
            if isinstance(field.errors, dict):  # FieldList errors cannot take plain messages
                continue
            errors = list(field.errors) if not isinstance(field.errors, list) else field.errors
            errors.append(p["message"])
            field.errors = errors


class CopyForm(FlaskForm):
    """New dates (and optionally a new title) for a copied round."""

    title = StringField(_l("Tên đợt học tập mới"), validators=[InputRequired(_l("Vui lòng nhập tên đợt học tập.")), Length(max=300)])
    session_date = DateField(_l("Ngày học tập"), validators=[InputRequired(_l("Vui lòng chọn ngày học tập."))])
    opens_at = DateTimeLocalField(_l("Mở lúc (giờ Việt Nam)"), format=DT_FORMAT,
                                  validators=[InputRequired(_l("Vui lòng chọn thời điểm mở bài kiểm tra."))])
    closes_at = DateTimeLocalField(_l("Đóng lúc (giờ Việt Nam)"), format=DT_FORMAT,
                                   validators=[InputRequired(_l("Vui lòng chọn thời điểm đóng bài kiểm tra."))])
    submit = SubmitField(_l("Sao chép đợt học tập"))

    def new_dates(self) -> dict:
        """The dates in the shape copy_round takes (times in UTC)."""
        return {"title": self.title.data, "session_date": self.session_date.data,
                "opens_at": _utc(self.opens_at.data), "closes_at": _utc(self.closes_at.data)}


class MakeupForm(FlaskForm):
    """A make-up window for one person or a whole cell."""

    target = SelectField(_l("Cho học bù"), validate_choice=False)
    opens_at = DateTimeLocalField(_l("Mở lúc (giờ Việt Nam)"), format=DT_FORMAT,
                                  validators=[InputRequired(_l("Vui lòng chọn thời điểm mở đợt học bù."))])
    closes_at = DateTimeLocalField(_l("Đóng lúc (giờ Việt Nam)"), format=DT_FORMAT,
                                   validators=[InputRequired(_l("Vui lòng chọn thời điểm đóng đợt học bù."))])
    reason = StringField(_l("Lý do"), validators=[InputRequired(_l("Vui lòng ghi lý do cho học bù.")), Length(max=300)])
    submit = SubmitField(_l("Cho học bù"))

    def utc_times(self) -> tuple[datetime | None, datetime | None]:
        """Opening and closing time in naive UTC."""
        return _utc(self.opens_at.data), _utc(self.closes_at.data)
