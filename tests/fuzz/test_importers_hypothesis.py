"""Fuzz the importers with hypothesis: roster files (CSV bytes, .xlsx) and bank files (YAML text),
random and structured garbage. Each input ends in a clean result or an InvalidInput / BankError
with a message — never any other exception. Also: huge numbers in URLs and query strings."""
from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from quizapp.extensions import db
from quizapp.services import banks, roster
from quizapp.services.exceptions import InvalidInput

FUZZ = settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
HEADERS = ["Họ và tên", "Số thẻ đảng viên", "Ngày sinh", "Điện thoại", "Email", "Tình trạng", "Miễn sinh hoạt",
           "Lý do miễn", "Mã chi bộ", "", "x"]
cell = st.one_of(st.text(max_size=30), st.integers(-10**12, 10**12), st.floats(allow_nan=True), st.none(),
                 st.booleans(), st.dates(), st.sampled_from(["CB-A", "CB-B", "DUCQ", "Có", "Dự bị", "=1+2", "31/02/2020"]))


def _roster(world, filename: str, data: bytes) -> None:
    try:
        roster.import_roster(filename, data, scope=None, default_org=world.cell_a,
                             actor=world.admin, dry_run=True)
    except InvalidInput as exc:
        assert exc.message and isinstance(exc.message, str)
        for d in exc.details or []:
            assert d  # every row problem carries something to show
    finally:
        db.session.rollback()


@FUZZ
@given(data=st.binary(max_size=2000))
def test_roster_random_bytes(world, data):
    """Do random bytes as .csv or .xlsx give a clean result or InvalidInput, never a crash?"""
    _roster(world, "ds.csv", data)
    _roster(world, "ds.xlsx", data)


@FUZZ
@given(rows=st.lists(st.lists(cell, max_size=9), max_size=12), header=st.lists(st.sampled_from(HEADERS), max_size=9),
       delimiter=st.sampled_from([",", ";", "\t"]))
def test_roster_structured_csv(world, rows, header, delimiter):
    """Do CSVs with real headers and odd cells (types, formulas, bad dates) import or refuse cleanly?"""
    lines = [delimiter.join(header)] + [delimiter.join("" if v is None else str(v) for v in r) for r in rows]
    _roster(world, "ds.csv", "\n".join(lines).encode("utf-8"))


@FUZZ
@given(rows=st.lists(st.lists(cell, max_size=9), max_size=8), header=st.lists(st.sampled_from(HEADERS), max_size=9))
def test_roster_structured_xlsx(world, rows, header):
    """Do real workbooks with odd cell types import or refuse cleanly?"""
    from openpyxl.utils.exceptions import IllegalCharacterError

    wb = Workbook()
    ws = wb.active
    buf = io.BytesIO()
    try:
        ws.append(header)
        for r in rows:
            ws.append(r)
        wb.save(buf)
    except IllegalCharacterError:  # openpyxl refuses control characters: not a workbook anyone can send
        return
    _roster(world, "ds.xlsx", buf.getvalue())


def _bank(text: bytes) -> None:
    try:
        banks.import_bank(text, filename="b.yaml")
    except InvalidInput as exc:
        assert exc.message and all(d.get("message") for d in exc.details or [])
    finally:
        db.session.rollback()


@FUZZ
@given(text=st.text(max_size=600))
def test_bank_random_text(text):
    """Does random text as a bank file give a clean import or InvalidInput with messages?"""
    _bank(text.encode("utf-8", errors="surrogatepass") if "\ud800" not in text else b"x")


convention_line = st.one_of(
    st.sampled_from(["Câu 1: Hỏi?", "Câu 2.", "1. Hỏi", "A. Một", "B) Hai\tC. Ba", "*D. Bốn", "Đáp án: B", "Đáp án: A, C",
                     "Đáp án: Đúng", "Giải thích: vì", "ĐÁP ÁN", "1-B, 2-A", "Phần I", "(Tự luận)", "::t:: Q {=a ~b}",
                     "ANSWER: A", "{####x}", "{=a->b}", "$CATEGORY: x", "<quiz>", "{1:MC:=a~b}", ""]),
    st.text(max_size=30))


@FUZZ
@given(lines=st.lists(convention_line, max_size=25))
def test_any_text_format_reads_cleanly(lines):
    """Does text mixing the Word convention, GIFT, Aiken and XML fragments read into a bank or clear messages?"""
    text = "\n".join(lines)
    if "\ud800" <= max(text or "a") and any("\ud800" <= ch <= "\udfff" for ch in text):
        return
    result = banks.read_file(text.encode("utf-8"), "", source=("Nghị quyết", "Mục 1"), title="Thử")
    assert (result.bank is None) == bool(result.errors)
    assert all(str(e) for e in [*result.errors, *result.skipped, *result.notes])


yaml_scalar = st.one_of(st.text(max_size=20), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())
yaml_value = st.recursive(yaml_scalar, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                               st.dictionaries(st.text(max_size=8), kids, max_size=4)),
                          max_leaves=12)
question = st.fixed_dictionaries({"id": st.one_of(st.from_regex(r"[a-z0-9-]{1,10}", fullmatch=True), yaml_scalar),
                                  "type": st.sampled_from(["single", "multiple", "true_false", "short_text", "essay", "x"]),
                                  "text": yaml_value}, optional={
    "choices": yaml_value, "answer": yaml_value, "answers": yaml_value, "rubric": yaml_value, "points": yaml_value,
    "difficulty": yaml_value, "topic": yaml_value, "source": yaml_value, "match_diacritics": yaml_value})


@FUZZ
@given(doc=st.fixed_dictionaries({"format": st.one_of(st.just(1), yaml_scalar),
                                  "bank": st.one_of(yaml_value, st.fixed_dictionaries(
                                      {"slug": st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True),
                                       "title": yaml_value, "document": yaml_value})),
                                  "questions": st.one_of(st.lists(question, max_size=4), yaml_value)}))
def test_bank_structured_documents(doc):
    """Do bank documents with the right shape but wrong-typed fields import or refuse with messages?"""
    import yaml

    _bank(yaml.safe_dump(doc, allow_unicode=True).encode())


@pytest.mark.parametrize("url", ["/take/attempt/99999999999999999999", "/api/v1/attempts/9223372036854775808",
                                 "/manage/people/99999999999999999999", "/manage/people?org=99999999999999999999",
                                 "/manage/rounds/1/board?org=99999999999999999999",
                                 "/manage/grading?round_id=99999999999999999999"])
def test_huge_numbers_are_not_a_crash(app, world, login_as, url):
    """Does a number too large for the database answer 400/404 (never 500) in a path or a query?"""
    from tests.factories import make_quiz

    make_quiz(world.committee, [world.committee])
    c = login_as(world.staff if "manage" in url else world.member_a, c=app.test_client())
    assert c.get(url).status_code in (200, 400, 404), url
