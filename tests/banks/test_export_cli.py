"""Can a bank be exported and re-imported unchanged, and do the flask banks commands work?"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Bank, Question
from quizapp.services import banks
from tests.banks.helpers import bank_yaml

SHIPPED = sorted((Path(__file__).resolve().parents[2] / "question_banks").glob("*.yaml"))


def test_export_round_trips_every_shipped_bank(world):
    """Does export -> parse give the same questions, and re-importing the export change nothing?"""
    for path in SHIPPED:
        original, _ = banks.parse_file(path)
        result = banks.import_bank(original)
        text = banks.export_bank(db.session.get(Bank, result.bank_id))
        again, errors = banks.parse_file(text.encode("utf-8"), "export.yaml")
        assert errors == []
        assert [(q.key, q.content()) for q in again.questions] == [(q.key, q.content()) for q in original.questions]
        assert (again.slug, again.title, again.document_date) == (original.slug, original.title, original.document_date)
        assert banks.import_bank(again).unchanged == len(original.questions)


def test_cli_validate_prints_file_and_line(runner, tmp_path, world):
    """Does `flask banks validate` print FILE:LINE for each error and exit 1?"""
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(bank_yaml().replace(b"type: single", b"type: ordering", 1))
    good = tmp_path / "good.yaml"
    good.write_bytes(bank_yaml())
    result = runner.invoke(args=["banks", "validate", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:8: Dòng 8, câu 'q-001': loại câu hỏi 'ordering' không hợp lệ" in result.output
    assert runner.invoke(args=["banks", "validate", str(good)]).exit_code == 0


def test_cli_import_is_all_or_nothing(runner, tmp_path, world):
    """Does `flask banks import good bad` write nothing, and `import good --org` assign the owner?"""
    good = tmp_path / "good.yaml"
    good.write_bytes(bank_yaml("good"))
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"format: 1\nbank: [\n")
    result = runner.invoke(args=["banks", "import", str(good), str(bad)])
    assert result.exit_code == 1
    assert db.session.scalar(select(func.count()).select_from(Question)) == 0
    result = runner.invoke(args=["banks", "import", str(good), "--org", "cb-a"])
    assert result.exit_code == 0, result.output
    assert "Đã tạo ngân hàng 'good'" in result.output
    assert db.session.scalar(select(Bank.org_id).where(Bank.slug == "good")) == world.cell_a.id


def test_cli_export_writes_yaml(runner, tmp_path, world):
    """Does `flask banks export SLUG -o FILE` write a file that validates?"""
    banks.import_bank(bank_yaml("thu"))
    out = tmp_path / "out.yaml"
    result = runner.invoke(args=["banks", "export", "thu", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert banks.validate_file(str(out)) == []
    assert runner.invoke(args=["banks", "export", "khong-co"]).exit_code == 1
