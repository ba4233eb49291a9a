"""Shared set-up for paper tests: a round over cell A with one question of every type, shuffled."""
from __future__ import annotations

from quizapp.extensions import db
from quizapp.models import Quiz
from quizapp.services import paper_tests
from tests.factories import make_bank, make_person, make_quiz

SECRET = "test-secret-key"  # TestingConfig.SECRET_KEY


def paper_scene(world, *, copies: int = 1, variants: int = 4, extra_members: tuple = ()):
    """(quiz, paper test) for a committee round over both cells; questions and choices shuffled."""
    for name in extra_members:
        make_person(world.cell_a, name)
    bank = make_bank(world.committee, copies=copies)
    quiz = make_quiz(world.committee, [world.committee], bank=bank, shuffle_questions=True, shuffle_choices=True)
    paper = paper_tests.ensure_paper_test(quiz, world.secretary_a, variants)
    return db.session.get(Quiz, quiz.id), paper


def key_letters(item) -> str:
    """The letters a member fills in to answer `item` right on this variant (test's own mapping)."""
    spec = item.version.spec
    if item.version.type == "true_false":
        return "Đ" if spec["answer"] else "S"
    order = item.choice_order or [c["id"] for c in spec["choices"]]
    correct = {c["id"] for c in spec["choices"] if c["correct"]}
    return "".join("ABCDEF"[i] for i, cid in enumerate(order) if cid in correct)
