"""Does the format documented in question_banks/README.md stay true?"""
from __future__ import annotations

import re
from pathlib import Path

from quizapp.services import banks
from quizapp.services.question_types import REGISTRY

README = Path(__file__).resolve().parents[2] / "question_banks" / "README.md"


def test_readme_examples_validate_and_cover_every_type():
    """Do the README's example questions (one per type) pass the validator?"""
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    examples = next(b for b in blocks if "type: essay" in b)
    text = 'format: 1\nbank: {slug: vi-du, title: "Ví dụ", document: "Ví dụ"}\nquestions:\n' + examples
    parsed, errors = banks.parse_file(text.encode("utf-8"), "README.yaml")
    assert errors == []
    assert {q.type for q in parsed.questions} == set(REGISTRY)
