"""JSON through orjson: the app's answers (Flask's JSON provider) and the JSON columns.

orjson writes and reads JSON several times faster than the stdlib module; a start reads every
question spec of its pool and answers with the paper, a save writes one answer and answers it.
The documents keep their values, not their bytes: orjson writes UTF-8 as it is ("Đúng", not
"\\u0110\\u00fang") and no spaces after separators. JSON is UTF-8 by its standard (RFC 8259),
and both readers take either form, so rows written before are read as they were.

What orjson refuses goes to the stdlib exactly as before, so nothing served or stored before fails
now: a lone surrogate in a string (a member can post "\\ud800" in a text answer), an integer past
64 bits, a dict key that is not a string, and, for the provider, whatever its `default` turns into
JSON (dates as HTTP dates, Decimal as a string, dataclasses as dicts, `__html__`): datetimes and
dataclasses are passed through to it, not written by orjson in its own way. One value changes:
a float NaN or infinity is written as null, where the stdlib wrote NaN (which neither a browser's
JSON.parse nor PostgreSQL's json type accepts); scores, points and counts are always finite.
"""
from __future__ import annotations

import json
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

_PASSTHROUGH = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# The json.dumps arguments the provider's callers pass that orjson can honour: Flask's response()
# (separators or indent=2), Jinja's |tojson (sort_keys=True), the session cookie (separators).
_HONOURED = {"sort_keys", "separators", "indent"}


class OrjsonProvider(DefaultJSONProvider):
    """Flask's default provider with orjson doing the writing; keys sorted as before.

    Reading request bodies stays with the stdlib (`loads` is not overridden): orjson reads an
    integer past 64 bits as a float and stops at 1,024 levels of nesting with a plain decoding
    error, where the API answers a too-deep body with its own message (RecursionError)."""

    def _orjson(self, obj: Any, *, indent: bool) -> bytes | None:
        """obj as JSON bytes, or None where orjson refuses it (the stdlib then writes it)."""
        option = _PASSTHROUGH | orjson.OPT_SORT_KEYS | (orjson.OPT_INDENT_2 if indent else 0)
        try:
            return orjson.dumps(obj, default=self.default, option=option)
        except TypeError:
            return None

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs.keys() <= _HONOURED and kwargs.get("sort_keys", True) and kwargs.get("indent") in (None, 2):
            data = self._orjson(obj, indent=kwargs.get("indent") == 2)
            if data is not None:
                return data.decode()
        return super().dumps(obj, **kwargs)

    def response(self, *args: Any, **kwargs: Any):
        indent = (self.compact is None and self._app.debug) or self.compact is False
        data = self._orjson(self._prepare_response_obj(args, kwargs), indent=indent)
        if data is None:
            return super().response(*args, **kwargs)
        return self._app.response_class(data + b"\n", mimetype=self.mimetype)


def dumps_column(value: Any) -> str:
    """A JSON column's value as stored text (SQLAlchemy's json_serializer).

    Text, not bytes: SQLite would store bytes as a BLOB. What orjson refuses (see the module
    docstring; also a datetime, which the stdlib refuses too) is written by the stdlib as before."""
    try:
        return orjson.dumps(value, option=_PASSTHROUGH).decode()
    except TypeError:
        return json.dumps(value)


def loads_column(text: str | bytes) -> Any:
    """A JSON column's stored text as a value (SQLAlchemy's json_deserializer).

    orjson refuses text the stdlib wrote and reads: NaN and Infinity, a lone surrogate's escape;
    that text is read by the stdlib. (An integer past 64 bits would come back as a float; the
    columns hold ids, counts, points, choice ids and texts, the answers as the question types
    shape them, never such a number.)"""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
