"""Forms for question banks: file upload, and one question of any type (repeated rows for choices/rubric)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, FieldList, Form, FormField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

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

    key = StringField(_l("Mã câu hỏi (chữ thường không dấu, số, gạch ngang)"), validators=[Length(max=40)])
    type = SelectField(_l("Loại câu hỏi"), choices=[(k, TYPE_LABELS.get(k, k)) for k in REGISTRY])
    topic = StringField(_l("Chủ đề / mục của văn bản"), validators=[Length(max=200)])
    difficulty = SelectField(_l("Độ khó"), choices=[(k, DIFFICULTY_LABELS[k]) for k in DIFFICULTIES], default="medium")
    points = StringField(_l("Điểm"), default="1", validators=[Length(max=10)])
    text = TextAreaField(_l("Nội dung câu hỏi"), validators=[Length(max=5000)])
    choices = FieldList(FormField(ChoiceRow), min_entries=MAX_CHOICES, max_entries=MAX_CHOICES)
    tf_answer = RadioField(_l("Đáp án"), choices=[("true", _l("Đúng")), ("false", _l("Sai"))], validators=[Optional()])
    answers = TextAreaField(_l("Các đáp án được chấp nhận (mỗi dòng một đáp án)"), validators=[Length(max=5000)])
    match_diacritics = BooleanField(_l("Phải gõ đúng dấu tiếng Việt"), default=True)
    rubric = FieldList(FormField(RubricRow), min_entries=RUBRIC_ROWS, max_entries=RUBRIC_ROWS)
    explanation = TextAreaField(_l("Giải thích (hiện khi xem lại bài)"), validators=[Length(max=5000)])
    source_document = StringField(_l("Nguồn: văn bản"), validators=[Length(max=300)])
    source_section = StringField(_l("Nguồn: mục, điều"), validators=[Length(max=200)])
    submit = SubmitField(_l("Lưu câu hỏi"))

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
            fields["choices"] = [{"text": row.text.data.strip(), "correct": bool(row.correct.data)}
                                 for row in self.choices if (row.text.data or "").strip()]
        elif qtype == "true_false":
            fields["answer"] = {"true": True, "false": False}.get(self.tf_answer.data)
        elif qtype == "short_text":
            fields["answers"] = [line.strip() for line in (self.answers.data or "").splitlines() if line.strip()]
            fields["match_diacritics"] = bool(self.match_diacritics.data)
        elif qtype == "essay":
            fields["rubric"] = [{"criterion": row.criterion.data.strip(), "points": _number(row.points.data or "")}
                                for row in self.rubric if (row.criterion.data or "").strip() or (row.points.data or "").strip()]
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
