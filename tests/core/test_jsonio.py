"""JSON through orjson (quizapp/jsonio.py): the same documents as the stdlib gave, UTF-8 as it is,
what orjson refuses written by the stdlib, |tojson still safe in HTML, rows written before read."""
from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

from flask import render_template_string
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup
from sqlalchemy import select, text

from quizapp.extensions import db
from quizapp.jsonio import OrjsonProvider, dumps_column, loads_column
from quizapp.models import Answer
from tests.delivery.helpers import save, start
from tests.factories import make_quiz


@dataclasses.dataclass
class _Row:
    name: str
    on: date


# Everything the default provider turns into JSON, nested, with Vietnamese text and unsorted keys.
DOCUMENT = {
    "z": "Đúng – “tự chuyển hóa”", "a": [1, 2.5, None, True, {"y": 1, "b": [Markup("<b>&</b>")]}],
    "when": datetime(2026, 2, 5, 2, 0, tzinfo=timezone.utc), "day": date(2026, 2, 5), "score": Decimal("8.50"),
    "id": uuid.UUID(int=7), "row": _Row("Nguyễn Văn An", date(2026, 1, 1)), "html": Markup("<i>x</i>"),
}


def _stdlib_bytes(app, obj) -> bytes:
    """What Flask's default provider answers, but with UTF-8 as it is (ensure_ascii off)."""
    default = DefaultJSONProvider(app)
    default.ensure_ascii = False
    return default.response(obj).get_data()


def test_api_answers_are_the_stdlib_documents_in_plain_utf8(app):
    """Does the app's provider answer exactly what the stdlib provider answers (keys sorted, compact,
    dates as HTTP dates, Decimal as text, dataclasses as objects), only with UTF-8 unescaped?"""
    assert isinstance(app.json, OrjsonProvider)
    with app.test_request_context():
        response = app.json.response(DOCUMENT)
        old = DefaultJSONProvider(app).response(DOCUMENT)
    assert response.mimetype == "application/json"
    assert response.get_data() == _stdlib_bytes(app, DOCUMENT)
    assert json.loads(response.get_data()) == json.loads(old.get_data())
    assert "Đúng".encode() in response.get_data() and b"\\u0110" in old.get_data()
    assert json.loads(app.json.dumps(DOCUMENT)) == json.loads(DefaultJSONProvider(app).dumps(DOCUMENT))


def test_what_orjson_refuses_is_answered_as_before(app):
    """A lone surrogate, an integer past 64 bits, a non-string key: the stdlib's exact answer, not a 500."""
    for obj in ({"text": "a\ud800"}, {"n": 2**70}, {2: "b", 10: "a"}):
        with app.test_request_context():
            assert app.json.response(obj).get_data() == DefaultJSONProvider(app).response(obj).get_data()
        assert app.json.dumps(obj) == DefaultJSONProvider(app).dumps(obj)


def test_tojson_in_a_script_stays_safe(app):
    """Does |tojson still escape <, >, & and ' (a closing </script> in a question cannot end the script)?"""
    value = {"t": "</script><script>alert('x')</script> & Đúng"}
    with app.test_request_context():
        html = render_template_string('<script type="application/json">{{ v|tojson }}</script>', v=value)
    inner = html.removeprefix('<script type="application/json">').removesuffix("</script>")
    assert not {"<", ">", "&", "'"} & set(inner)
    assert json.loads(inner) == value


def test_json_columns_store_utf8_and_read_rows_written_before(app, world, login_as):
    """Is a saved answer stored as plain UTF-8 JSON, and are rows written by the stdlib (escaped, NaN,
    a lone surrogate's escape) read back as they were?"""
    quiz = make_quiz(world.committee, [world.committee])
    client = login_as(world.member_a)
    body = start(client, quiz.id)
    short = next(it["position"] for it in body["items"] if it["type"] == "short_text")
    assert save(client, body["id"], short, "tự chuyển hóa", 1).status_code == 200
    where = {"a": body["id"], "p": short}
    stored = db.session.scalar(text("SELECT CAST(value AS TEXT) FROM answer WHERE attempt_id = :a AND position = :p"),
                               where)
    assert "tự chuyển hóa" in stored and json.loads(stored) == {"text": "tự chuyển hóa"}

    old = json.dumps({"text": "Đúng \ud800"})  # as SQLAlchemy's stdlib serializer wrote it
    db.session.execute(text("UPDATE answer SET value = :old WHERE attempt_id = :a AND position = :p"),
                       {**where, "old": old})
    db.session.commit()
    assert db.session.scalar(select(Answer.value).where(Answer.attempt_id == body["id"], Answer.position == short)) \
        == {"text": "Đúng \ud800"}
    assert loads_column('{"x": NaN, "y": Infinity}')["y"] == float("inf")


def test_a_lone_surrogate_answer_is_saved_and_answered(app, world, login_as):
    """A text answer holding a lone surrogate (valid JSON escapes; orjson refuses it): acknowledged,
    stored and shown back as before, never a 500."""
    quiz = make_quiz(world.committee, [world.committee])
    client = login_as(world.member_a)
    body = start(client, quiz.id)
    short = next(it["position"] for it in body["items"] if it["type"] == "short_text")
    r = save(client, body["id"], short, "x\ud800", 1)
    assert r.status_code == 200 and r.get_json()["value"] == {"text": "x\ud800"}, r.get_data()
    again = client.get(f"/api/v1/attempts/{body['id']}").get_json()
    assert next(it for it in again["items"] if it["position"] == short)["answer"] == {"text": "x\ud800"}
    assert dumps_column({"text": "x\ud800"}) == json.dumps({"text": "x\ud800"})
    assert dumps_column({"text": "Đúng", "n": [1, 2.5]}) == '{"text":"Đúng","n":[1,2.5]}'
