"""Do the banks that ship with the product validate and import completely?"""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Question, QuestionVersion
from quizapp.services import banks
from quizapp.services.question_types import REGISTRY

BANK_DIR = Path(__file__).resolve().parents[2] / "question_banks"
SHIPPED = sorted(BANK_DIR.glob("*.yaml"))


def test_three_banks_ship():
    """Are the three document banks present?"""
    assert len(SHIPPED) == 3


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_bank_is_valid_and_rich(path):
    """Does each shipped bank validate with >= 30 questions and carry a source on every question?"""
    parsed, errors = banks.parse_file(path)
    assert errors == []
    assert len(parsed.questions) >= 30
    assert all(q.source_document and q.source_section for q in parsed.questions)
    assert len({q.key for q in parsed.questions}) == len(parsed.questions)


def test_all_five_types_appear_across_shipped_banks():
    """Are all five question types represented in every shipped bank?"""
    for path in SHIPPED:
        parsed, _ = banks.parse_file(path)
        assert {q.type for q in parsed.questions} == set(REGISTRY), path.name


def test_shipped_banks_import_in_one_go(world):
    """Does importing the three files create every question once, with version 1 current?"""
    results = banks.import_many([str(p) for p in SHIPPED])
    total = sum(r.added for r in results)
    assert all(r.created for r in results)
    assert total == db.session.scalar(select(func.count()).select_from(Question)) >= 90
    assert db.session.scalar(select(func.count()).select_from(QuestionVersion)) == total
    # A second import of the same files changes nothing.
    again = banks.import_many([str(p) for p in SHIPPED])
    assert [r.unchanged for r in again] == [r.added for r in results]
    assert sum(r.added + r.updated_in_place + r.new_versions + r.deactivated for r in again) == 0
