"""A new question type lives in one module and its own templates: this file defines "number"
(a numeric answer with a tolerance) and its partials under tests/core/number_type/, registers it,
and shows it working in the editor, on the take page, in grading, on the result page, in the native
file round trip and in the OpenAPI document — without any other file naming it."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import Length

from quizapp.extensions import db
from quizapp.models import Attempt, Bank, Question
from quizapp.services import banks, delivery
from quizapp.services.exceptions import InvalidInput
from quizapp.services.question_types import REGISTRY, register, unregister
from quizapp.services.question_types.base import (
    ONE,
    ZERO,
    AnswerError,
    QuestionType,
    SpecError,
    json_kind,
    unwrap,
)
from quizapp.services.question_types.editor import add_error, number
from tests.factories import make_quiz

TEMPLATES = Path(__file__).with_name("number_type")


def _decimal(value, what: str) -> Fraction:
    """An exact number from 3, 3.5, "3,5" or "3.5"; ValueError otherwise."""
    try:
        return Fraction(Decimal(str(value).strip().replace(",", ".")))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{what} phải là một số (ví dụ 3 hoặc 3,5)") from None


class NumberAnswer(QuestionType):
    """A number typed by the member, right when within `tolerance` of `value`."""

    name = "number"
    label = "Trả lời bằng số"
    spec_fields = frozenset({"value", "tolerance"})
    template_dir = str(TEMPLATES)

    def parse_spec(self, raw):
        try:
            value = _decimal(raw.get("value"), "'value'")
            tolerance = _decimal(raw.get("tolerance", 0), "'tolerance'")
        except ValueError as exc:
            raise SpecError(str(exc)) from None
        if tolerance < 0:
            raise SpecError("'tolerance' không được âm")
        return {"value": float(value), "tolerance": float(tolerance)}

    def key_view(self, spec):
        return {"value": spec["value"], "tolerance": spec["tolerance"]}

    def check_answer_shape(self, spec, value):
        inner = unwrap(value, "number")
        if inner is not None and (isinstance(inner, bool) or not isinstance(inner, (int, float, str))):
            raise AnswerError(f"câu trả lời bằng số cần một số, không phải {json_kind(inner)}")

    def clean_answer(self, spec, raw):
        raw = unwrap(raw, "number")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        try:
            return {"number": float(_decimal(raw, "câu trả lời"))}
        except ValueError as exc:
            raise AnswerError(str(exc)) from None

    def grade(self, spec, answer, *, partial_credit=True):
        if not answer:
            return ZERO
        given = Fraction(Decimal(str(answer["number"])))
        right = Fraction(Decimal(str(spec["value"])))
        return ONE if abs(given - right) <= Fraction(Decimal(str(spec["tolerance"]))) else ZERO

    def form_value(self, answer):
        n = (answer or {}).get("number")
        return "" if n is None else f"{n:.2f}".replace(".", ",")

    def paper_answer(self, spec, choice_order, typed):
        return typed.strip() or None

    def editor_fields(self):
        return {"number_value": StringField("Đáp án (số)", validators=[Length(max=30)]),
                "number_tolerance": StringField("Sai số cho phép", default="0", validators=[Length(max=30)])}

    def editor_spec(self, form):
        return {"value": number(form.number_value.data or ""), "tolerance": number(form.number_tolerance.data or "0")}

    def editor_load(self, form, spec):
        form.number_value.data = str(spec.get("value", "")).replace(".", ",")
        form.number_tolerance.data = str(spec.get("tolerance", 0)).replace(".", ",")

    def editor_error(self, form, message, groups):
        target = form.number_value if "'value'" in message else form.number_tolerance if "'tolerance'" in message else None
        if target is None:
            return False
        add_error(target, message)
        return True

    def answer_schema(self):
        return {"type": ["number", "string", "null"], "description": "a number, e.g. 3.5 or \"3,5\""}

    def demo_spec(self):
        return {"value": 98, "tolerance": 0.5}

    def demo_answer(self, spec, right, rng):
        return {"number": spec["value"] if right else spec["value"] + 10}


@pytest.fixture
def number_type():
    qtype = register(NumberAnswer())
    yield qtype
    unregister(qtype.name)


def _bank(org) -> Bank:
    bank = Bank(slug="so-lieu", title="Số liệu Nghị quyết", document="Nghị quyết 04-NQ/TW", org_id=org.id)
    db.session.add(bank)
    db.session.commit()
    return bank


def _form(**over) -> dict:
    data = {"key": "", "type": "number", "text": "Tỷ lệ đảng viên tham gia học tập tối thiểu là bao nhiêu phần trăm?",
            "topic": "Số liệu", "difficulty": "easy", "points": "1", "source_document": "Nghị quyết 04-NQ/TW",
            "source_section": "Mục III", "number_value": "98", "number_tolerance": "0,5"}
    data.update(over)
    return data


def test_the_sample_type_is_not_known_without_registering():
    """Is "number" unknown to the app until the test registers it (so the rest of this file proves something)?"""
    assert "number" not in REGISTRY


def test_editor_saves_and_refuses_a_number_question(client, world, login_as, number_type):
    """Does the bank editor offer the new type with its own fields, save a valid question, refuse a
    bad number at its field in Vietnamese (nothing saved), and show the key on the question page?"""
    bank = _bank(world.cell_a)
    login_as(world.secretary_a)
    page = client.get(f"/manage/banks/{bank.id}/questions/new?type=number").get_data(as_text=True)
    assert '<option selected value="number">Trả lời bằng số</option>' in page
    assert 'data-qtypes="number"' in page and 'name="number_value"' in page

    resp = client.form(f"/manage/banks/{bank.id}/questions/new", _form(number_value="chín mươi tám"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert re.search(r'id="number_value-err">[^<]*&#39;value&#39; phải là một số', html)
    assert db.session.scalar(select(Question)) is None

    resp = client.form(f"/manage/banks/{bank.id}/questions/new", _form())
    assert resp.status_code == 302
    question = db.session.scalar(select(Question).where(Question.bank_id == bank.id))
    assert question.current_version.type == "number"
    assert question.current_version.spec == {"value": 98.0, "tolerance": 0.5}
    detail = client.get(f"/manage/banks/{bank.id}/questions/{question.id}").get_data(as_text=True)
    assert "Trả lời bằng số" in detail and "98,00 ± 0,50" in detail
    edit = client.get(f"/manage/banks/{bank.id}/questions/{question.id}/edit").get_data(as_text=True)
    assert re.search(r'<input id="number_value"[^>]* value="98,0">', edit)
    assert re.search(r'<input id="number_tolerance"[^>]* value="0,5">', edit)


def _number_bank(world) -> Bank:
    text = """format: 1
bank: {slug: so-lieu, title: "Số liệu", document: "Nghị quyết 04-NQ/TW"}
questions:
  - id: so-1
    type: number
    text: "Tỷ lệ tham gia tối thiểu (%)?"
    value: 98
    tolerance: 0.5
    source: {document: "Nghị quyết 04-NQ/TW", section: "Mục III"}
  - id: so-2
    type: number
    text: "Số chi bộ của Đảng bộ?"
    value: 12
    source: {document: "Nghị quyết 04-NQ/TW", section: "Mục IV"}
"""
    result = banks.import_bank(text.encode("utf-8"), filename="so-lieu.yaml", owner_org=world.cell_a)
    return db.session.get(Bank, result.bank_id)


def test_native_file_round_trip_and_foreign_format_refusal(client, world, login_as, number_type):
    """Does the YAML export carry the type's own fields and read back to the same questions, while
    Moodle XML, which cannot carry the type, refuses by question in Vietnamese (a page, not a 500)?"""
    bank = _number_bank(world)
    text = banks.export_bank(bank)
    assert "type: number" in text and "tolerance: 0.5" in text
    again, errors = banks.parse_file(text.encode("utf-8"), "export.yaml")
    assert errors == []
    assert [(q.key, q.type, q.spec) for q in again.questions] == [
        ("so-1", "number", {"value": 98.0, "tolerance": 0.5}), ("so-2", "number", {"value": 12.0, "tolerance": 0.0})]
    assert banks.import_bank(again).unchanged == 2
    with pytest.raises(InvalidInput, match=r"Moodle XML không chứa được 2 câu hỏi.*so-1 \(Trả lời bằng số\)"):
        banks.export_bank_moodle_xml(bank)
    db.session.rollback()
    login_as(world.secretary_a)
    resp = client.get(f"/manage/banks/{bank.id}/export.xml")
    assert resp.status_code == 422 and "không chứa được 2 câu hỏi" in resp.get_data(as_text=True)
    assert client.get(f"/manage/banks/{bank.id}/export").status_code == 200
    # A file key of another type is named as such.
    _, errors = banks.parse_file(text.replace("tolerance: 0.5", "choices: [a, b]").encode("utf-8"), "x.yaml")
    assert any("khóa 'choices' không dùng cho loại câu 'number'" in e.message for e in errors)


def test_take_grade_and_review_a_number_question(client, world, login_as, number_type):
    """On the take page the type's own input (with its data-answer shape for the script) is shown;
    a plain form post saves '98,3' as a number; grading gives full marks within the tolerance and
    none outside; the result page shows the type's own review with the key."""
    bank = _number_bank(world)
    quiz = make_quiz(world.committee, [world.committee], bank=bank, review_policy="correct")
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    db.session.commit()
    login_as(world.member_a)
    page = client.get(f"/take/attempt/{attempt.id}?mode=all").get_data(as_text=True)
    assert page.count('data-answer="text"') == 2 and 'inputmode="decimal"' in page and "data-number-answer" in page

    resp = client.form(f"/take/attempt/{attempt.id}", {"p": ["1", "2"], "s1": "1", "a1": "98,3", "s2": "1", "a2": "mười"})
    assert resp.status_code == 302
    # The bad number is refused with the type's Vietnamese reason; the good one is kept.
    follow = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "phải là một số" in follow
    client.form(f"/take/attempt/{attempt.id}", {"p": ["2"], "s2": "2", "a2": "15"})
    items = {it["position"]: it for it in banks_items(attempt.id)}
    assert items[1]["answer"] == {"number": 98.3} and items[2]["answer"] == {"number": 15.0}

    assert client.form(f"/take/attempt/{attempt.id}/submit").status_code == 302
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).score == 5  # 98,3 is within 98 ± 0,5; 15 is not 12
    result = client.get(f"/take/attempt/{attempt.id}/result").get_data(as_text=True)
    blocks = re.findall(r'<section class="card review-item">(.*?)</section>', result, re.DOTALL)
    assert "✓ Đúng" in blocks[0] and "98,30" in blocks[0] and "98,00 ± 0,50" in blocks[0]
    assert "✗ Sai" in blocks[1] and "15,00" in blocks[1] and "12,00 ± 0,00" in blocks[1]


def banks_items(attempt_id: int) -> list[dict]:
    from quizapp.services import attempt_view

    return attempt_view.attempt_items(attempt_id)


def test_api_save_and_openapi_listing(client, world, login_as, number_type):
    """Does the JSON API accept the type's answer shape (refusing a wrong one in Vietnamese, 422), and
    does the OpenAPI document list the type and its answer schema?"""
    bank = _number_bank(world)
    quiz = make_quiz(world.committee, [world.committee], bank=bank)
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    db.session.commit()
    login_as(world.member_a)
    ok = client.json_post(f"/api/v1/attempts/{attempt.id}/answers/1", {"value": 98, "seq": 1})
    assert ok.status_code == 200 and ok.get_json()["value"] == {"number": 98.0}
    bad = client.json_post(f"/api/v1/attempts/{attempt.id}/answers/2", {"value": [1, 2], "seq": 1})
    assert bad.status_code == 422 and "cần một số" in bad.get_json()["error"]["message"]

    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    assert "number" in schemas["Item"]["properties"]["type"]["enum"]
    shapes = {s.get("title"): s for s in schemas["SaveRequest"]["properties"]["value"]["anyOf"]}
    assert shapes["number"]["type"] == ["number", "string", "null"]
    assert "number: a number" in schemas["SaveRequest"]["properties"]["value"]["description"]


def test_every_registered_type_keeps_its_contract(app, number_type):
    """For every type, the sample new one included: does its demo sample parse, survive its own
    file mapping, grade the right demo answer 1 and the wrong one below 1 (or wait for a person),
    and ship every partial generic pages include?"""
    import random

    rng = random.Random(4)
    for name, qtype in REGISTRY.items():
        spec = qtype.parse_spec(qtype.demo_spec())
        assert qtype.parse_spec(qtype.export_spec(spec)) == spec, name
        for right in (True, False):
            raw = qtype.demo_answer(spec, right, rng)
            qtype.check_answer_shape(spec, raw)
            share = qtype.grade(spec, qtype.clean_answer(spec, raw))
            if qtype.needs_manual_grading:
                assert share is None, name
            else:
                assert (share == 1) is right, name
        for kind in ("take", "review", "key", "edit"):
            assert app.jinja_env.get_template(qtype.template(kind)), (name, kind)
