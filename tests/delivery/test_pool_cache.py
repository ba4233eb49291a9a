"""A start draws from this process's copy of the pool (the banks' active questions, specs decoded
once) only while the pool's stamp is unchanged: an edit, a retire, a new question, a key fix or a
Core UPDATE between two starts is in the second start's paper."""
from __future__ import annotations

from sqlalchemy import event, select, update

from quizapp.extensions import db
from quizapp.models import AttemptItem, Bank, Question, QuestionVersion
from quizapp.services import banks, grading
from tests.banks.helpers import bank_yaml
from tests.delivery.helpers import start
from tests.factories import make_quiz


def _quiz(world, questions: dict[str, str], count: int):
    result = banks.import_bank(bank_yaml("kho-rut", questions), owner_org=world.committee)
    bank = db.session.get(Bank, result.bank_id)
    quiz = make_quiz(world.committee, [world.committee], bank=bank, attempts_allowed=3,
                     draw_rule={"mode": "random", "rules": [{"bank_id": bank.id, "count": count}]})
    return bank, quiz


def _texts(body: dict) -> set[str]:
    return {it["text"] for it in body["items"]}


def _question(bank: Bank, key: str) -> Question:
    return db.session.scalar(select(Question).where(Question.bank_id == bank.id, Question.key == key))


def test_an_import_between_two_starts_is_in_the_second_paper(app, client, world, login_as):
    """After an import retires one question, adds one and edits a shown one (a new version), does the
    next start draw exactly the new pool?"""
    bank, quiz = _quiz(world, {"c-1": "Câu một?", "c-2": "Câu hai?", "c-3": "Câu ba?"}, 3)
    login_as(world.member_a)
    assert _texts(start(client, quiz.id)) == {"Câu một?", "Câu hai?", "Câu ba?"}
    banks.import_bank(bank_yaml("kho-rut", {"c-2": "Câu hai (sửa)?", "c-3": "Câu ba?", "c-4": "Câu bốn?"}),
                      owner_org=world.committee)
    db.session.commit()
    other = login_as(world.member_b, c=app.test_client())
    assert _texts(start(other, quiz.id)) == {"Câu hai (sửa)?", "Câu ba?", "Câu bốn?"}


def test_a_version_edited_in_place_is_in_the_second_paper(app, client, world, login_as):
    """A version nobody has seen yet is edited in place (its question row untouched, as an import or
    the editor does): does the next start show the new text?"""
    bank, quiz = _quiz(world, {"c-1": "Câu một?", "c-2": "Câu hai?"}, 2)
    login_as(world.member_a)
    assert _texts(start(client, quiz.id)) == {"Câu một?", "Câu hai?"}
    version = db.session.get(QuestionVersion, _question(bank, "c-1").current_version_id)
    version.text = "Câu một, viết lại?"
    db.session.commit()
    other = login_as(world.member_b, c=app.test_client())
    assert _texts(start(other, quiz.id)) == {"Câu một, viết lại?", "Câu hai?"}


def test_a_choice_text_edited_in_place_is_in_the_second_paper(app, client, world, login_as):
    """Is a choice's new text (its version edited in place) in the next start's view of the question,
    never the view kept for the paper before?"""
    bank, quiz = _quiz(world, {"c-1": "Câu một?"}, 1)
    login_as(world.member_a)
    assert [c["text"] for c in start(client, quiz.id)["items"][0]["view"]["choices"]] == ["Đúng là A", "Phương án B"]
    version = db.session.get(QuestionVersion, _question(bank, "c-1").current_version_id)
    version.spec = {"choices": [dict(c, text=c["text"] + " (sửa)") for c in version.spec["choices"]]}
    db.session.commit()
    other = login_as(world.member_b, c=app.test_client())
    assert [c["text"] for c in start(other, quiz.id)["items"][0]["view"]["choices"]] == [
        "Đúng là A (sửa)", "Phương án B (sửa)"]


def test_a_key_fix_of_the_points_is_in_the_next_attempts_items(app, client, world, login_as):
    """After a key fix changes a question's points, does the next attempt store the new points?"""
    bank, quiz = _quiz(world, {"c-1": "Câu một?", "c-2": "Câu hai?"}, 2)
    login_as(world.member_a)
    start(client, quiz.id)
    version = db.session.get(QuestionVersion, _question(bank, "c-1").current_version_id)
    grading.fix_key(version.id, version.spec, 2.0, world.admin)
    db.session.commit()
    other = login_as(world.member_b, c=app.test_client())
    body = start(other, quiz.id)
    assert {it["text"]: it["points"] for it in body["items"]} == {"Câu một?": 2.0, "Câu hai?": 1.0}
    stored = db.session.scalar(select(AttemptItem.points).where(
        AttemptItem.attempt_id == body["id"], AttemptItem.question_version_id == version.id))
    assert stored == 2.0


def test_a_core_update_and_a_new_question_are_in_the_second_paper(app, client, world, login_as):
    """A retire by a Core UPDATE and a question added in the same breath (same count) between two
    starts: is the second paper the new pool?"""
    bank, quiz = _quiz(world, {"c-1": "Câu một?", "c-2": "Câu hai?"}, 2)
    login_as(world.member_a)
    assert _texts(start(client, quiz.id)) == {"Câu một?", "Câu hai?"}
    db.session.execute(update(Question).where(Question.id == _question(bank, "c-1").id).values(active=False))
    fields = dict(banks.version_fields(_question(bank, "c-2")), id="", text="Câu mới?")
    banks.save_question(bank, None, fields, world.admin)
    db.session.commit()
    other = login_as(world.member_b, c=app.test_client())
    assert _texts(start(other, quiz.id)) == {"Câu mới?", "Câu hai?"}


def test_a_draw_rule_moved_to_another_bank_draws_from_it(app, client, world, login_as):
    """When the quiz's draw rule names another bank between two starts, does the second start draw
    from that bank (the stamp read with the checks belongs to the old one)?"""
    from quizapp.models import Quiz

    bank, quiz = _quiz(world, {"c-1": "Câu một?"}, 1)
    login_as(world.member_a)
    assert _texts(start(client, quiz.id)) == {"Câu một?"}
    result = banks.import_bank(bank_yaml("kho-khac", {"k-1": "Câu kho khác?"}), owner_org=world.committee)
    db.session.get(Quiz, quiz.id).draw_rule = {"mode": "random", "rules": [{"bank_id": result.bank_id, "count": 1}]}
    db.session.commit()
    other = login_as(world.member_b, c=app.test_client())
    assert _texts(start(other, quiz.id)) == {"Câu kho khác?"}


def test_an_unchanged_pool_is_not_read_again(app, client, world, login_as):
    """Does a second start of an unchanged quiz read its checks and the pool's stamp in one statement,
    and never the questions' specs?"""
    bank, quiz = _quiz(world, {"c-1": "Câu một?", "c-2": "Câu hai?"}, 2)
    login_as(world.member_a)
    start(client, quiz.id)
    other, quiz_id = login_as(world.member_b, c=app.test_client()), quiz.id
    seen: list[str] = []

    def _record(conn, cursor, statement, *rest):
        seen.append(statement)
    event.listen(db.engine, "before_cursor_execute", _record)
    try:
        assert _texts(start(other, quiz_id)) == {"Câu một?", "Câu hai?"}
    finally:
        event.remove(db.engine, "before_cursor_execute", _record)
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert not [s for s in reads if "question_version.spec" in s]
    assert len([s for s in reads if "FROM quiz" in s]) == 1
