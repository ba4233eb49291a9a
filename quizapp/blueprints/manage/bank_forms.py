"""Forms for question banks: file upload, and one question of any type (each type adds its own fields)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from quizapp.models.bank import DIFFICULTIES
from quizapp.services.question_types import REGISTRY
from quizapp.services.question_types.editor import number as _number


def type_labels() -> dict:
    """Each registered type's label, translated where it is shown."""
    return {name: _l(t.label) for name, t in REGISTRY.items()}


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


class _QuestionFormBase(FlaskForm):
    """The fields every question has; `QuestionForm()` adds each registered type's own fields,
    and only the chosen type's are used."""

    key = StringField(_l("Mã câu hỏi (để trống để hệ thống tự đặt)"), validators=[Length(max=40)])
    type = SelectField(_l("Loại câu hỏi"), choices=[])
    topic = StringField(_l("Chủ đề / mục của văn bản"), validators=[Length(max=200)])
    difficulty = SelectField(_l("Độ khó"), choices=[SelectChoice(k, DIFFICULTY_LABELS[k]) for k in DIFFICULTIES], default="medium")
    points = StringField(_l("Điểm"), default="1", validators=[Length(max=10)])
    text = TextAreaField(_l("Nội dung câu hỏi"), validators=[Length(max=5000)])
    explanation = TextAreaField(_l("Giải thích (hiện khi xem lại bài)"), validators=[Length(max=5000)])
    source_document = StringField(_l("Nguồn: văn bản"), validators=[Length(max=300)])
    source_section = StringField(_l("Nguồn: mục, điều"), validators=[Length(max=200)])
    submit = SubmitField(_l("Lưu câu hỏi"))
    preview = SubmitField(_l("Xem trước như người làm bài"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type.choices = list(type_labels().items())

    def editor_sections(self) -> list[tuple[str, str]]:
        """(template, space-separated type names) of each type's editor fieldset, in registry order;
        types sharing a fieldset (the choice types) are listed together."""
        sections: dict[str, list[str]] = {}
        for name, t in REGISTRY.items():
            sections.setdefault(t.template("edit"), []).append(name)
        return [(template, " ".join(names)) for template, names in sections.items()]

    def to_fields(self) -> dict:
        """The native-format question dict the service validates (bad numbers passed through as text)."""
        qtype = self.type.data
        fields = {
            "id": (self.key.data or "").strip(), "type": qtype, "topic": self.topic.data,
            "difficulty": self.difficulty.data, "points": _number(self.points.data or "1"),
            "text": self.text.data, "explanation": self.explanation.data or None,
            "source": {"document": self.source_document.data, "section": self.source_section.data},
        }
        if qtype in REGISTRY:
            fields.update(REGISTRY[qtype].editor_spec(self))
        return fields

    def load(self, fields: dict) -> None:
        """Prefill from a native-format question dict (the current version)."""
        self.key.data, self.type.data = fields["id"], fields["type"]
        self.topic.data, self.difficulty.data = fields.get("topic", ""), fields.get("difficulty", "medium")
        self.points.data = str(fields.get("points", 1)).replace(".", ",")
        self.text.data, self.explanation.data = fields["text"], fields.get("explanation", "")
        self.source_document.data = fields["source"]["document"]
        self.source_section.data = fields["source"]["section"]
        if fields["type"] in REGISTRY:
            REGISTRY[fields["type"]].editor_load(self, fields)


_FORM_CLASSES: dict[tuple, type] = {}


def QuestionForm(*args, **kwargs) -> _QuestionFormBase:
    """The question editor with every registered type's own fields (one class per set of types)."""
    names = tuple(REGISTRY.items())
    cls = _FORM_CLASSES.get(names)
    if cls is None:
        extra = {}
        for t in REGISTRY.values():
            extra.update(t.editor_fields())
        cls = _FORM_CLASSES[names] = type("QuestionForm", (_QuestionFormBase,), extra)
    return cls(*args, **kwargs)


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

def _add(field, message) -> None:
    field.errors = [*(field.errors or []), message]


def place_errors(form, messages: list[str]) -> list[str]:
    """Put each validator message at the field it concerns, in the form's own words.

    Messages about the common fields are placed here; the chosen type places its own (its rows,
    its key) with `editor_error`, group messages going to `form.group_errors` (shown at the top of
    their fieldset); those that concern no field are returned.
    """
    groups: dict[str, list[str]] = {"choices": [], "correct": [], "rubric": []}
    form.group_errors = groups
    qtype = REGISTRY.get(form.type.data)
    rest: list[str] = []
    for message in messages:
        m = str(message)
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
        elif "'points'" in m:
            _add(form.points, _l("Điểm phải là số dương, tối đa 100 (ví dụ 1 hoặc 1,5)."))
        elif qtype is not None and qtype.editor_error(form, m, groups):
            continue
        else:
            rest.append(m)
    return rest


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
