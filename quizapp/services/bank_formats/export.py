"""Write a bank back to the native YAML format, so a bank edited on the web can be saved to a file."""
from __future__ import annotations

from datetime import date

import yaml

from quizapp.services.question_types import get_type


class _NoAliasDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """Never write anchors/aliases: the reader refuses them."""

    def ignore_aliases(self, data):
        return True


def _num(value: float) -> int | float:
    """1.0 -> 1, 1.5 -> 1.5: files stay as people write them."""
    return int(value) if float(value).is_integer() else float(value)


def question_dict(key: str, content: dict) -> dict:
    """One question in file form, from a version's content fields."""
    out: dict = {"id": key, "type": content["type"]}
    if content.get("topic"):
        out["topic"] = content["topic"]
    out["difficulty"] = content.get("difficulty") or "medium"
    if float(content.get("points") or 1) != 1.0:
        out["points"] = _num(content["points"])
    out["text"] = content["text"]
    # The type writes its own fields (parse_spec reads them back).
    out.update(get_type(content["type"]).export_spec(content.get("spec") or {}))
    if content.get("explanation"):
        out["explanation"] = content["explanation"]
    out["source"] = {"document": content.get("source_document", ""), "section": content.get("source_section", "")}
    return out


def dump_bank(header: dict, questions: list[tuple[str, dict]]) -> str:
    """The YAML text of a bank: header fields and (key, content) pairs in order."""
    bank = {"slug": header["slug"], "title": header["title"], "document": header["document"]}
    if isinstance(header.get("document_date"), date):
        bank["document_date"] = header["document_date"]
    if header.get("description"):
        bank["description"] = header["description"]
    doc = {"format": 1, "bank": bank, "questions": [question_dict(k, c) for k, c in questions]}
    return yaml.dump(doc, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)
