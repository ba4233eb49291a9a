"""Forms for question banks: file upload, and one question of any type (repeated rows for choices/rubric)."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, FieldList, Form, FormField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from quizapp.models.bank import DIFFICULTIES
from quizapp.services.question_types import REGISTRY
from quizapp.services.question_types.choice import MAX_CHOICES

RUBRIC_ROWS = 6
TYPE_LABELS = {
    "single": _l("Một lựa chọn"), "multiple": _l("Nhiều lựa chọn"), "true_false": _l("Đúng/Sai"),
    "short_text": _l("Trả lời ngắn"), "essay": _l("Tự luận"),
}
DIFFICULTY_LABELS = {"easy": _l("Dễ"), "medium": _l("Trung bình"), "hard": _l("Khó")}


class BankUploadForm(FlaskForm):
    """A bank file of any supported format, or pasted text; the bank-level source; who owns a new bank."""

    file = FileField(_l("Tệp câu hỏi (Word, Excel, YAML, Moodle)"))
    pasted = TextAreaField(_l("Hoặc dán nội dung câu hỏi"), validators=[Optional(), Length(max=1_000_000)])
    title = StringField(_l("Tên ngân hàng"), validators=[Optional(), Length(max=300)])
    document = StringField(_l("Văn bản nguồn"), validators=[Optional(), Length(max=300)])
    section = StringField(_l("Mục, điều"), validators=[Optional(), Length(max=200)])
    owner = SelectField(_l("Đơn vị sở hữu (nếu là ngân hàng mới)"), choices=[], validate_choice=True)
    check_only = BooleanField(_l("Chỉ kiểm tra tệp, chưa nhập"))
    preview = SubmitField(_l("Xem trước"))
    submit = SubmitField(_l("Tải lên"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        has_file = bool(self.file.data and getattr(self.file.data, "filename", ""))
        if ok and not has_file and not (self.pasted.data or "").strip():
            self.file.errors = [*self.file.errors, _l("Vui lòng chọn một tệp hoặc dán nội dung câu hỏi.")]
            return False
        return ok


class BankConfirmForm(FlaskForm):
    """The previewed bank (as native YAML) sent back to be imported, and its owner."""

    staged = TextAreaField(validators=[Length(max=20_000_000)])
    owner = SelectField(_l("Đơn vị sở hữu (nếu là ngân hàng mới)"), choices=[], validate_choice=True)
    submit = SubmitField(_l("Nhập vào hệ thống"))


class ChoiceRow(Form):
    """One choice of a single/multiple question."""

    text = StringField(_l("Phương án"), validators=[Optional(), Length(max=1000)])
    correct = BooleanField(_l("Đúng"))


class RubricRow(Form):
    """One criterion of an essay rubric."""

    criterion = StringField(_l("Tiêu chí"), validators=[Optional(), Length(max=1000)])
    points = StringField(_l("Điểm"), validators=[Optional(), Length(max=10)])


class QuestionForm(FlaskForm):
    """Every field of a question; only the fields of the chosen type are used."""

    key = StringField(_l("Mã câu hỏi (để trống để hệ thống tự đặt)"), validators=[Length(max=40)])
    type = SelectField(_l("Loại câu hỏi"), choices=[SelectChoice(k, TYPE_LABELS.get(k, k)) for k in REGISTRY])
    topic = StringField(_l("Chủ đề / mục của văn bản"), validators=[Length(max=200)])
    difficulty = SelectField(_l("Độ khó"), choices=[SelectChoice(k, DIFFICULTY_LABELS[k]) for k in DIFFICULTIES], default="medium")
    points = StringField(_l("Điểm"), default="1", validators=[Length(max=10)])
    text = TextAreaField(_l("Nội dung câu hỏi"), validators=[Length(max=5000)])
    choices = FieldList(FormField(ChoiceRow), min_entries=MAX_CHOICES, max_entries=MAX_CHOICES)
    tf_answer = RadioField(_l("Đáp án"), choices=[SelectChoice("true", _l("Đúng")), SelectChoice("false", _l("Sai"))], validators=[Optional()])
    answers = TextAreaField(_l("Các đáp án được chấp nhận (mỗi dòng một đáp án)"), validators=[Length(max=5000)])
    match_diacritics = BooleanField(_l("Phải gõ đúng dấu tiếng Việt"), default=True)
    rubric = FieldList(FormField(RubricRow), min_entries=RUBRIC_ROWS, max_entries=RUBRIC_ROWS)
    explanation = TextAreaField(_l("Giải thích (hiện khi xem lại bài)"), validators=[Length(max=5000)])
    source_document = StringField(_l("Nguồn: văn bản"), validators=[Length(max=300)])
    source_section = StringField(_l("Nguồn: mục, điều"), validators=[Length(max=200)])
    submit = SubmitField(_l("Lưu câu hỏi"))
    preview = SubmitField(_l("Xem trước như người làm bài"))

    def to_fields(self) -> dict:
        """The native-format question dict the service validates (bad numbers passed through as text)."""
        qtype = self.type.data
        fields = {
            "id": (self.key.data or "").strip(), "type": qtype, "topic": self.topic.data,
            "difficulty": self.difficulty.data, "points": _number(self.points.data or "1"),
            "text": self.text.data, "explanation": self.explanation.data or None,
            "source": {"document": self.source_document.data, "section": self.source_section.data},
        }
        if qtype in ("single", "multiple"):
            self.choice_rows = [i for i, row in enumerate(self.choices) if (row.text.data or "").strip()]
            fields["choices"] = [{"text": self.choices[i].text.data.strip(), "correct": bool(self.choices[i].correct.data)}
                                 for i in self.choice_rows]
        elif qtype == "true_false":
            fields["answer"] = {"true": True, "false": False}.get(self.tf_answer.data)
        elif qtype == "short_text":
            fields["answers"] = [line.strip() for line in (self.answers.data or "").splitlines() if line.strip()]
            fields["match_diacritics"] = bool(self.match_diacritics.data)
        elif qtype == "essay":
            self.rubric_rows = [i for i, row in enumerate(self.rubric)
                                if (row.criterion.data or "").strip() or (row.points.data or "").strip()]
            fields["rubric"] = [{"criterion": (self.rubric[i].criterion.data or "").strip(),
                                 "points": _number(self.rubric[i].points.data or "")} for i in self.rubric_rows]
        return fields

    def load(self, fields: dict) -> None:
        """Prefill from a native-format question dict (the current version)."""
        self.key.data, self.type.data = fields["id"], fields["type"]
        self.topic.data, self.difficulty.data = fields.get("topic", ""), fields.get("difficulty", "medium")
        self.points.data = str(fields.get("points", 1)).replace(".", ",")
        self.text.data, self.explanation.data = fields["text"], fields.get("explanation", "")
        self.source_document.data = fields["source"]["document"]
        self.source_section.data = fields["source"]["section"]
        for row, choice in zip(self.choices, fields.get("choices", [])):
            row.text.data, row.correct.data = choice["text"], bool(choice.get("correct"))
        if "answer" in fields:
            self.tf_answer.data = "true" if fields["answer"] else "false"
        self.answers.data = "\n".join(fields.get("answers", []))
        self.match_diacritics.data = fields.get("match_diacritics", True)
        for row, item in zip(self.rubric, fields.get("rubric", [])):
            row.criterion.data, row.points.data = item["criterion"], str(item["points"]).replace(".", ",")


def _number(text: str):
    """'1,5' or '1.5' -> 1.5; anything else is returned as typed so the validator names it."""
    value = (text or "").strip().replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


# ---------------------------------------------------------------- a bank without a file

class BankCreateForm(FlaskForm):
    """A new, empty bank: its title, the document studied and who owns it."""

    title = StringField(_l("Tên ngân hàng"), validators=[DataRequired(_l("Vui lòng nhập tên ngân hàng.")), Length(max=300)])
    document = StringField(_l("Văn bản được học tập"),
                           validators=[DataRequired(_l("Vui lòng nhập văn bản được học tập.")), Length(max=300)])
    document_date = DateField(_l("Ngày ban hành văn bản"), validators=[Optional()])
    description = TextAreaField(_l("Mô tả"), validators=[Optional(), Length(max=5000)])
    owner = SelectField(_l("Đơn vị sở hữu"), choices=[], validate_choice=True)
    submit = SubmitField(_l("Tạo ngân hàng câu hỏi"))


class BankCopyForm(FlaskForm):
    """Copy a bank the caller may see to an org in their scope, to edit it there."""

    owner = SelectField(_l("Sao chép về đơn vị"), choices=[], validate_choice=True)
    submit = SubmitField(_l("Sao chép để chỉnh sửa"))


# ---------------------------------------------------------------- errors at the field they concern

_ROW_RE = re.compile(r"(?:phương án|tiêu chí) thứ (\d+)")


def _add(field, message) -> None:
    field.errors = [*(field.errors or []), message]


def place_errors(form: QuestionForm, messages: list[str]) -> list[str]:
    """Put each validator message at the field it concerns, in the form's own words.

    Messages about choices, the correct marks or the rubric as a whole go to `form.group_errors`
    (shown at the top of their fieldset); those that concern no field are returned.
    """
    groups: dict[str, list[str]] = {"choices": [], "correct": [], "rubric": []}
    form.group_errors = groups
    rest: list[str] = []
    for message in messages:
        m = str(message)
        row = _ROW_RE.search(m)
        if m.startswith("'id'") or "mã câu hỏi" in m:
            _add(form.key, _l("Mã này đã có trong ngân hàng; hãy đổi mã khác hoặc để trống để hệ thống tự đặt.")
                 if "đã được dùng" in m or "trùng" in m else
                 _l("Mã câu hỏi chỉ gồm chữ thường không dấu, số và dấu gạch ngang, tối đa 40 ký tự; hoặc để trống."))
        elif "'text'" in m:
            _add(form.text, _l("Nội dung câu hỏi dài quá 5.000 ký tự.") if "dài quá" in m
                 else _l("Vui lòng nhập nội dung câu hỏi."))
        elif "'topic'" in m:
            _add(form.topic, _l("Chủ đề dài quá 200 ký tự."))
        elif "'explanation'" in m:
            _add(form.explanation, _l("Phần giải thích dài quá 5.000 ký tự."))
        elif "source.document" in m or "thiếu nguồn" in m:
            _add(form.source_document, _l("Vui lòng nhập văn bản nguồn của câu hỏi."))
        elif "source.section" in m:
            _add(form.source_section, _l("Vui lòng nhập mục, điều của văn bản nguồn."))
        elif "'difficulty'" in m:
            _add(form.difficulty, _l("Vui lòng chọn độ khó."))
        elif "loại câu hỏi" in m or "'type'" in m:
            _add(form.type, _l("Vui lòng chọn loại câu hỏi."))
        elif "tổng điểm các tiêu chí" in m:
            groups["rubric"].append(_l("Tổng điểm các tiêu chí phải bằng điểm của câu hỏi."))
            _add(form.points, _l("Điểm của câu hỏi phải bằng tổng điểm các tiêu chí chấm."))
        elif "'points'" in m:
            _add(form.points, _l("Điểm phải là số dương, tối đa 100 (ví dụ 1 hoặc 1,5)."))
        elif row and "tiêu chí" in m:
            rows = getattr(form, "rubric_rows", [])
            index = int(row.group(1)) - 1
            target = form.rubric[rows[index]] if index < len(rows) else None
            if target is None:
                groups["rubric"].append(m)
            elif "points" in m or "điểm" in m:
                _add(target.points, _l("Điểm tiêu chí phải là số dương."))
            else:
                _add(target.criterion, _l("Vui lòng nhập nội dung tiêu chí (hoặc xoá điểm của dòng này)."))
        elif "rubric" in m:
            groups["rubric"].append(_l("Các tiêu chí chấm chưa hợp lệ."))
        elif row and "phương án" in m:
            rows = getattr(form, "choice_rows", [])
            index = int(row.group(1)) - 1
            if index < len(rows):
                _add(form.choices[rows[index]].text, _l("Phương án này chưa hợp lệ."))
            else:
                groups["choices"].append(m)
        elif "trùng nội dung" in m:
            _mark_duplicate_choices(form, groups)
        elif "phương án (choices)" in m or "cần từ 2" in m:
            groups["choices"].append(_l("Cần từ 2 đến %(n)s phương án; hãy điền thêm phương án.", n=MAX_CHOICES))
        elif "đúng một phương án đúng" in m:
            groups["correct"].append(_l("Câu một lựa chọn cần đánh dấu “Đúng” cho đúng một phương án."))
        elif "ít nhất một phương án đúng" in m:
            groups["correct"].append(_l("Câu nhiều lựa chọn cần đánh dấu “Đúng” cho ít nhất một phương án."))
        elif "đúng/sai" in m:
            _add(form.tf_answer, _l("Vui lòng chọn đáp án Đúng hoặc Sai."))
        elif "answers" in m:
            _add(form.answers, _l("Nhập ít nhất một đáp án được chấp nhận, mỗi dòng một đáp án."))
        elif "match_diacritics" in m:
            _add(form.match_diacritics, _l("Vui lòng chọn có hoặc không."))
        else:
            rest.append(m)
    return rest


def _mark_duplicate_choices(form: QuestionForm, groups: dict) -> None:
    from quizapp.vn import nfc

    seen: set[str] = set()
    marked = False
    for row in form.choices:
        text = nfc((row.text.data or "").strip()).lower()
        if not text:
            continue
        if text in seen:
            _add(row.text, _l("Phương án này trùng với một phương án ở trên."))
            marked = True
        seen.add(text)
    if not marked:
        groups["choices"].append(_l("Có hai phương án trùng nội dung."))


def _walk_fields(form):
    for f in form:
        if isinstance(f, FieldList):
            for entry in f:
                yield from _walk_fields(entry.form) if isinstance(entry, FormField) else [entry]
        elif isinstance(f, FormField):
            yield from _walk_fields(f.form)
        else:
            yield f


def vietnamese_field_errors(form) -> None:
    """WTForms' own (English) messages for too-long text and bad choices, said in Vietnamese."""
    for f in _walk_fields(form):
        if not f.errors:
            continue
        limit = next((v.max for v in f.validators if isinstance(v, Length) and v.max and v.max > 0), None)
        if limit and f.data and len(str(f.data)) > limit:
            f.errors = [_l("Dài quá %(n)s ký tự; hãy rút gọn.", n=limit)]
        elif f.type in ("SelectField", "RadioField") and any("valid choice" in str(e) for e in f.errors):
            f.errors = [_l("Vui lòng chọn một mục trong danh sách.")]
