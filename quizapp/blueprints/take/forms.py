"""Reading a page of answers from a plain form post (the path that works without JavaScript)."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from quizapp.services.question_types import get_type


def answers_from_form(form: MultiDict, items: list[dict]) -> list[tuple[int, object, int]]:
    """(position, raw value, seq) for each question that was on the posted page.

    The page lists its positions in hidden `p` fields and hands out each question's next seq in
    `s<position>`; a stale page's seq is older than a newer save, so it changes nothing.
    """
    by_pos = {it["position"]: it for it in items}
    entries = []
    for raw_pos in form.getlist("p"):
        try:
            pos = int(raw_pos)
            seq = int(form.get(f"s{pos}", ""))
        except ValueError:
            continue
        item = by_pos.get(pos)
        if item is None:
            continue
        qtype = get_type(item["type"])
        name = f"a{pos}"
        if name not in form and qtype.answer_input == "one":
            continue  # a radio group cannot be cleared in a browser: absent means unchanged
        raw = qtype.form_raw(form, name)
        if (sorted(raw) if isinstance(raw, list) else raw) == raw_of(item):
            continue  # unchanged: no write
        entries.append((pos, raw, seq))
    return entries


def raw_of(item: dict):
    """The stored answer in the shape a form posts it (to skip unchanged questions)."""
    return get_type(item["type"]).form_value(item.get("answer"))
