"""Does re-importing a bank keep answered versions frozen and everything else tidy?"""
from __future__ import annotations

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import AuditLog, Question, QuestionVersion
from quizapp.services import banks
from tests.banks.helpers import bank_yaml, show_version_in_attempt


def _question(key: str) -> Question:
    return db.session.scalar(select(Question).where(Question.key == key))


def test_reimport_versions_only_answered_questions(world):
    """Does a changed answered question get version 2, while an unanswered one is edited in place?"""
    first = banks.import_bank(bank_yaml(questions={"q-001": "Một?", "q-002": "Hai?", "q-003": "Ba?"}))
    assert (first.created, first.added) == (True, 3)
    answered = _question("q-001")
    old_version_id = answered.current_version_id
    show_version_in_attempt(old_version_id, world.member_a, world.cell_a)

    result = banks.import_bank(bank_yaml(questions={"q-001": "Một (sửa)?", "q-002": "Hai (sửa)?", "q-003": "Ba?"}))
    assert (result.created, result.new_versions, result.updated_in_place, result.unchanged) == (False, 1, 1, 1)

    db.session.expire_all()
    answered = _question("q-001")
    assert [v.version for v in answered.versions] == [1, 2]
    assert answered.current_version.version == 2 and answered.current_version.text == "Một (sửa)?"
    frozen = db.session.get(QuestionVersion, old_version_id)
    assert frozen.text == "Một?"  # what the attempt showed is never rewritten
    in_place = _question("q-002")
    assert len(in_place.versions) == 1 and in_place.current_version.text == "Hai (sửa)?"


def test_missing_questions_are_deactivated_not_deleted(world):
    """Is a question left out of the file marked inactive (kept), and reactivated when it returns?"""
    banks.import_bank(bank_yaml(questions={"q-001": "Một?", "q-002": "Hai?"}))
    result = banks.import_bank(bank_yaml(questions={"q-001": "Một?"}))
    assert (result.deactivated, result.unchanged) == (1, 1)
    gone = _question("q-002")
    assert gone is not None and gone.active is False
    back = banks.import_bank(bank_yaml(questions={"q-001": "Một?", "q-002": "Hai?"}))
    assert back.reactivated == 1 and _question("q-002").active is True


def test_texts_are_nfc_normalized(world):
    """Are decomposed (NFD) Vietnamese texts stored in NFC?"""
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Nghị quyết Trung ương?")
    banks.import_bank(bank_yaml(questions={"q-001": nfd}))
    assert _question("q-001").current_version.text == unicodedata.normalize("NFC", nfd)


def test_import_is_audited(world):
    """Is each import recorded in the audit log with its counts?"""
    banks.import_bank(bank_yaml(), actor=world.admin)
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "bank.import"))
    assert log.actor_id == world.admin.id and log.details["added"] == 2


def test_save_question_follows_the_same_rule(world):
    """Does the web editor's save create a new version only when the current one was answered?"""
    banks.import_bank(bank_yaml(questions={"q-001": "Một?"}), owner_org=world.cell_a)
    bank = _question("q-001").bank
    fields = banks.version_fields(_question("q-001"))
    fields["text"] = "Một, sửa lần 1?"
    q, outcome = banks.save_question(bank, _question("q-001"), fields, world.secretary_a)
    assert outcome == "updated_in_place" and len(q.versions) == 1
    show_version_in_attempt(q.current_version_id, world.member_a, world.cell_a)
    fields["text"] = "Một, sửa lần 2?"
    q, outcome = banks.save_question(bank, _question("q-001"), fields, world.secretary_a)
    assert outcome == "new_versions" and [v.version for v in q.versions] == [1, 2]
    q, outcome = banks.save_question(bank, _question("q-001"), fields, world.secretary_a)
    assert outcome == "unchanged"


def test_import_checks_the_actor(world):
    """May staff import a bank for their committee but not a site-wide one, and not overwrite CB-A's from CB-B?"""
    import pytest

    from quizapp.services.exceptions import Forbidden

    with pytest.raises(Forbidden):
        banks.import_bank(bank_yaml("chung"), filename="chung.yaml", actor=world.staff)
    assert banks.import_bank(bank_yaml("du"), filename="du.yaml", owner_org=world.committee, actor=world.staff).created
    banks.import_bank(bank_yaml("cua-a"), owner_org=world.cell_a, actor=world.secretary_a)
    with pytest.raises(Forbidden):
        banks.import_bank(bank_yaml("cua-a", {"q-001": "Ghi đè?"}), actor=world.secretary_b)
    assert "Ghi đè?" not in {v.text for v in db.session.scalars(select(QuestionVersion))}
