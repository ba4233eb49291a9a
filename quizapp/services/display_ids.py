"""Per-attempt display ids for choices, so an id shown to a taker never reveals authoring order.

A bank's choice ids ("a", "b", ...) follow the order the author wrote them in, and are the same
in every attempt: sent as they are, they would tell where a shuffled choice was written (authors
often write the right one first) and let members pass "answer b" around. Takers instead see each
choice under its position in the order shown to *this* attempt ("c1", "c2", ...), which the
attempt item's stored choice order (its per-attempt permutation) fixes. Everything that leaves
the delivery boundary (pages, JSON API) goes out through to_display(); everything that comes in
(API saves, the no-JS form) comes back through to_real() in delivery.save_answer, so stored
answers, graders and reports keep the real ids.

The mapping applies to any question whose spec lists "choices" with ids; answers and keys refer
to choices as {"choice": id}, {"choices": [ids]} and {"correct": [ids]}.
"""
from __future__ import annotations

PREFIX = "c"


def _pairs(spec, choice_order) -> dict[str, str] | None:
    """Real id -> display id for the question as shown in one attempt; None when it has no choices."""
    if not isinstance(spec, dict) or not isinstance(spec.get("choices"), list):
        return None
    real = [c["id"] for c in spec["choices"] if isinstance(c, dict) and "id" in c]
    order = [cid for cid in (choice_order or real) if cid in real]
    order += [cid for cid in real if cid not in order]
    return {cid: f"{PREFIX}{n}" for n, cid in enumerate(order, start=1)}


def _map_refs(value, mapping: dict[str, str]):
    """Map the choice references inside an answer or key dict ({"choice"}, {"choices"}, {"correct"})."""
    if not isinstance(value, dict):
        return value
    out = dict(value)
    if "choice" in out and isinstance(out["choice"], str):
        out["choice"] = mapping.get(out["choice"], out["choice"])
    for name in ("choices", "correct"):
        if isinstance(out.get(name), list):
            out[name] = sorted(mapping.get(x, x) if isinstance(x, str) else x for x in out[name])
    return out


def view_to_display(spec, choice_order, view: dict) -> dict:
    """A public view whose choice ids are this attempt's display ids (same order, same texts)."""
    mapping = _pairs(spec, choice_order)
    if not mapping or not isinstance(view, dict) or not isinstance(view.get("choices"), list):
        return view
    return {**view, "choices": [{**c, "id": mapping.get(c.get("id"), c.get("id"))} for c in view["choices"]]}


def to_display(spec, choice_order, value):
    """A stored answer or a key with real choice ids -> the same with display ids."""
    mapping = _pairs(spec, choice_order)
    return _map_refs(value, mapping) if mapping else value


def to_real(spec, choice_order, raw):
    """A posted answer (bare id, list of ids, or dict) with display ids -> real ids.

    A value that is not one of this attempt's display ids is passed on unchanged, so the question
    type rejects it as an unknown choice (or, for a caller that already holds real ids, keeps it).
    """
    mapping = _pairs(spec, choice_order)
    if not mapping:
        return raw
    back = {d: r for r, d in mapping.items()}
    if isinstance(raw, str):
        return back.get(raw, raw)
    if isinstance(raw, list):
        return [back.get(x, x) if isinstance(x, str) else x for x in raw]
    if isinstance(raw, dict):
        out = dict(raw)
        if isinstance(out.get("choice"), str):
            out["choice"] = back.get(out["choice"], out["choice"])
        if isinstance(out.get("choices"), list):
            out["choices"] = [back.get(x, x) if isinstance(x, str) else x for x in out["choices"]]
        return out
    return raw
