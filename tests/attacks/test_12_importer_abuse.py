"""Checklist item 12: import parsers against XML entities (billion laughs in an .xlsx's
sharedStrings), zip bombs (declared and lying sizes), huge files, wrong encodings and YAML alias
bombs — every one refused quickly with a clear Vietnamese message, nothing written."""
from __future__ import annotations

import io
import os
import re
import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from quizapp.extensions import db
from quizapp.models import Bank, Person
from quizapp.services import banks, roster
from quizapp.services.bank_formats import native
from quizapp.services.exceptions import InvalidInput

LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
          + ']>')
EXTERNAL = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _roster_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["Họ và tên", "Số thẻ đảng viên"])
    ws.append(["Nguyễn Văn Mới", "NEW001"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CLEAN_SST = (f'<?xml version="1.0"?><sst {NS} count="4" uniqueCount="4"><si><t>Họ và tên</t></si>'
             '<si><t>Số thẻ đảng viên</t></si><si><t>Nguyễn Văn Chung</t></si><si><t>SST001</t></si></sst>')


def _shared_strings_xlsx(sst: str) -> bytes:
    """A minimal hand-built workbook whose cells all point into xl/sharedStrings.xml (as Excel writes)."""
    ct = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
          '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
          '</Types>')
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    wb = (f'<?xml version="1.0"?><workbook {NS} xmlns:r="{REL}"><sheets>'
          '<sheet name="DS" sheetId="1" r:id="rId1"/></sheets></workbook>')
    wb_rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
               f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    sheet = (f'<?xml version="1.0"?><worksheet {NS}><sheetData>'
             '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
             '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row></sheetData></worksheet>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in (("[Content_Types].xml", ct), ("_rels/.rels", rels), ("xl/workbook.xml", wb),
                           ("xl/_rels/workbook.xml.rels", wb_rels), ("xl/worksheets/sheet1.xml", sheet),
                           ("xl/sharedStrings.xml", sst)):
            z.writestr(name, body.encode())
    return out.getvalue()


def _replace_member(data: bytes, name: str, content: bytes) -> bytes:
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = content if info.filename == name else src.read(info.filename)
            dst.writestr(info.filename, body)
        if name not in src.namelist():
            dst.writestr(name, content)
    return out.getvalue()


def _import(data: bytes, filename: str, world):
    return roster.import_roster(filename, data, scope=None, default_org=world.cell_a, actor=world.admin, dry_run=False)


def _refused(world, data: bytes, filename: str) -> str:
    before = db.session.query(Person).count()
    with pytest.raises(InvalidInput) as info:
        _import(data, filename, world)
    db.session.rollback()
    assert db.session.query(Person).count() == before
    return info.value.message


def test_control_the_clean_workbook_imports(world):
    """Control: does the untouched workbook import its one row (so the refusals below mean something)?"""
    _import(_roster_xlsx(), "ds.xlsx", world)
    assert db.session.query(Person).filter_by(member_code="NEW001").count() == 1


def test_control_shared_strings_workbook_imports(world):
    """Control: does the hand-built shared-strings workbook import when its strings are clean?"""
    _import(_shared_strings_xlsx(CLEAN_SST), "ds.xlsx", world)
    assert db.session.query(Person).filter_by(member_code="SST001").one().full_name == "Nguyễn Văn Chung"


@pytest.mark.parametrize("entity", ["&lol9;", "&xxe;"])
def test_billion_laughs_in_shared_strings_is_refused(world, entity):
    """Is a workbook whose sharedStrings.xml declares entities (billion laughs / external) refused?"""
    dtd = LAUGHS if entity == "&lol9;" else EXTERNAL
    sst = CLEAN_SST.replace('<?xml version="1.0"?>', dtd).replace("Nguyễn Văn Chung", entity)
    msg = _refused(world, _shared_strings_xlsx(sst), "ds.xlsx")
    assert "Excel" in msg and "root:" not in msg


@pytest.mark.parametrize("member", [ "xl/worksheets/sheet1.xml", "xl/workbook.xml"])
@pytest.mark.parametrize("dtd", [LAUGHS, EXTERNAL])
def test_entity_declarations_inside_the_xlsx_are_refused(world, member, dtd):
    """Is an .xlsx whose XML declares entities (billion laughs, external file) refused with a message?"""
    body = {
        "xl/sharedStrings.xml": dtd + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
                                      'uniqueCount="1"><si><t>&lol9;&xxe;</t></si></sst>',
        "xl/worksheets/sheet1.xml": dtd + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                          '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
                                          '</sheetData></worksheet>',
        "xl/workbook.xml": dtd + '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
    }[member].replace("&lol9;&xxe;", "&lol9;" if dtd == LAUGHS else "&xxe;").replace(
        "&lol9;", "&lol9;" if dtd == LAUGHS else "&xxe;")
    msg = _refused(world, _replace_member(_roster_xlsx(), member, body.encode()), "ds.xlsx")
    assert "Excel" in msg or "xlsx" in msg
    assert "root:" not in msg


def test_zip_bomb_by_declared_size(app, world):
    """Is an .xlsx that would inflate past XLSX_MAX_UNCOMPRESSED refused before it is inflated?"""
    limit = app.config["XLSX_MAX_UNCOMPRESSED"]
    bomb = _replace_member(_roster_xlsx(), "xl/media/zeros.bin", b"\0" * (limit + 1))
    assert len(bomb) < 1024 * 1024
    assert "giải nén" in _refused(world, bomb, "ds.xlsx")


def test_zip_bomb_lying_about_its_size(world):
    """If the central directory claims a tiny size for a huge sheet, is the file still refused cleanly?"""
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             + '<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 200000 + "</sheetData></worksheet>").encode()
    data = bytearray(_replace_member(_roster_xlsx(), "xl/worksheets/sheet1.xml", sheet))
    target = b"xl/worksheets/sheet1.xml"
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) != -1:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46: pos + 46 + name_len]) == target:
            struct.pack_into("<I", data, pos + 24, 1000)  # uncompressed size: a lie
        pos += 4
    msg = _refused(world, bytes(data), "ds.xlsx")
    assert "Excel" in msg or "xlsx" in msg


def test_too_many_rows_and_too_many_bytes(app, world):
    """Are a CSV over IMPORT_MAX_ROWS and a file over MAX_CONTENT_LENGTH refused with their limits named?"""
    rows = "Họ và tên,Số thẻ đảng viên\n" + "".join(f"Người {i},R{i:06d}\n" for i in range(app.config["IMPORT_MAX_ROWS"] + 5))
    assert _refused(world, rows.encode(), "ds.csv")
    huge = b"a" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    assert "quá lớn" in _refused(world, huge, "ds.csv")


def test_web_upload_over_the_limit_is_413_with_a_message(app, world, login_as):
    """Is a roster upload larger than MAX_CONTENT_LENGTH answered 413 with a Vietnamese page?"""
    c = login_as(world.secretary_a, c=app.test_client())
    big = io.BytesIO(b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10))
    resp = c.form("/manage/people/import", {"file": (big, "ds.csv")}, content_type="multipart/form-data")
    assert resp.status_code == 413 and "quá lớn" in resp.get_data(as_text=True)


@pytest.mark.parametrize("encoding", ["utf-16", "cp1258", "latin-1"])
def test_wrong_encodings_are_refused_with_advice(world, encoding):
    """Is a roster CSV saved as UTF-16 / Windows-1258 / Latin-1 refused, telling how to save UTF-8?"""
    text = "Họ và tên,Số thẻ đảng viên\nNguyễn Văn Ánh,ENC1\n" if encoding != "latin-1" else "Ho va ten,So the\nJosé Ñ,ENC1\n"
    data = text.encode(encoding, errors="replace")  # à, ê, é, Ñ are single non-UTF-8 bytes in cp1258/latin-1
    assert data != text.encode("utf-8")
    msg = _refused(world, data, "ds.csv")
    assert "UTF-8" in msg or "không hợp lệ" in msg


def test_binary_renamed_to_csv_or_xlsx(world):
    """Is a PNG renamed .xlsx or .csv refused with a message, not a crash?"""
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    assert _refused(world, png, "ds.xlsx")
    assert _refused(world, png, "ds.csv")
    assert _refused(world, _roster_xlsx(), "ds.exe")


# ------------------------------------------------------------------ bank YAML


def _bank_errors(text: bytes) -> list[str]:
    before = db.session.query(Bank).count()
    with pytest.raises(InvalidInput) as info:
        banks.import_bank(text, filename="b.yaml")
    db.session.rollback()
    assert db.session.query(Bank).count() == before
    return [d["message"] if isinstance(d, dict) else str(d) for d in info.value.details or []] + [info.value.message]


def test_yaml_alias_bomb_is_refused_before_expansion():
    """Is a 'billion laughs' YAML (anchors and aliases) refused with a line-numbered message?"""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = name
    bomb = ("format: 1\n" + "\n".join(lines) + "\nbank: {slug: bom, title: x, document: y}\nquestions: []\n").encode()
    msgs = " ".join(_bank_errors(bomb))
    assert "bí danh" in msgs or "neo" in msgs


@pytest.mark.parametrize("payload", [
    "format: 1\nbank: !!python/object/apply:os.system ['echo pwned']\n",
    "format: 1\nbank: {slug: x, title: !!python/name:os.system , document: y}\nquestions: []\n",
])
def test_yaml_python_tags_are_refused(payload):
    """Are YAML tags that would build Python objects refused as errors?"""
    assert _bank_errors(payload.encode())


@pytest.mark.parametrize("encoding", ["utf-16", "cp1258", "latin-1"])
def test_bank_in_wrong_encoding(encoding):
    """Is a bank file not in UTF-8 refused with the line of the first bad byte?"""
    text = "format: 1\nbank: {slug: enc, title: \"Ngân hàng\", document: \"Nghị quyết\"}\nquestions: []\n"
    msgs = " ".join(_bank_errors(text.encode(encoding, errors="replace")))
    assert "UTF-8" in msgs or "dòng" in msgs.lower()


# ------------------------------------------------------------------ stale xlsx dimension


def _stale_dimension_xlsx(rows: int) -> bytes:
    """A workbook of `rows` members whose sheet claims <dimension ref="A1:B2"/> (as some exporters leave it)."""
    wb = Workbook()
    ws = wb.active
    ws.append(["Họ và tên", "Số thẻ đảng viên"])
    for i in range(rows):
        ws.append([f"Nguyễn Văn Dòng {i + 1}", f"DIM{i + 1:03d}"])
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    stale, count = re.subn(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:B2"/>', sheet)
    assert count == 1
    return _replace_member(data, "xl/worksheets/sheet1.xml", stale.encode())


def test_stale_xlsx_dimension_still_reads_every_row(world):
    """Does an .xlsx whose <dimension> says A1:B2 but which holds 50 members import all 50, not one?"""
    data = _stale_dimension_xlsx(50)
    from openpyxl import load_workbook
    assert load_workbook(io.BytesIO(data), read_only=True).worksheets[0].max_row == 2  # the trap is set
    _import(data, "ds.xlsx", world)
    codes = {c for (c,) in db.session.query(Person.member_code).filter(Person.member_code.like("DIM%"))}
    assert codes == {f"DIM{i:03d}" for i in range(1, 51)}


def test_yaml_bomb_by_size_is_refused_before_the_tree_is_built():
    """A 4,8 MB bank of 1,6 million empty lists (`questions: [[],[],…]`), under the byte limit: is it
    refused with a clear, line-numbered message while the import's memory peak stays under 100 MB
    (building its tree took 1,6 GB)?"""
    n = 1_600_000
    bomb = ("format: 1\nbank: {slug: bom, title: x, document: y}\nquestions: [" + ",".join(["[]"] * n) + "]\n").encode()
    assert 4_500_000 < len(bomb) < native.DEFAULT_MAX_BYTES
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        msgs = " ".join(_bank_errors(bomb))
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert "quá nhiều giá trị YAML (hơn 100.000, khoảng" in msgs and "dòng 3" in msgs.lower(), msgs
    assert peak < 100 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


def test_yaml_nested_too_deep_is_refused():
    """Is a bank nested 10,000 lists deep refused as too deep (not a crash or a recursion error)?"""
    deep = ("format: 1\nbank: {slug: sau, title: x, document: y}\nquestions: " + "[" * 10_000 + "]" * 10_000 + "\n").encode()
    msgs = " ".join(_bank_errors(deep))
    assert "quá sâu" in msgs


def test_a_real_bank_is_within_the_yaml_budget():
    """Control: do the shipped banks pass the value/depth scan with room to spare (budget > 20x their size)?"""
    for path in sorted(Path(__file__).resolve().parents[2].joinpath("question_banks").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert native.scan(text, path.name) == []
        assert native.scan(text, path.name, max_nodes=native.DEFAULT_MAX_NODES // 20) == []
        assert native.scan(text, path.name, max_nodes=500), path.name  # the budget does bite


def test_yaml_nested_past_the_depth_budget_is_refused():
    """Is a bank nested 30 levels (under libyaml's own limit, over ours) refused as too deep, with its line?"""
    deep = ("format: 1\nbank: {slug: sau, title: x, document: y}\nquestions:\n  - " + "[" * 30 + "]" * 30 + "\n").encode()
    msgs = " ".join(_bank_errors(deep))
    assert "quá sâu (quá 20 cấp)" in msgs and "dòng 4" in msgs.lower(), msgs


# ------------------------------------------------------------------ bank Word, Excel and Moodle XML files
BANK_SOURCE = ("Nghị quyết 04-NQ/TW", "Toàn văn")


def _bank_docx() -> bytes:
    from docx import Document

    doc = Document()
    for line in ("Câu 1: Một?", "A. x", "B. y", "Đáp án: B"):
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _bank_refused(data: bytes, filename: str) -> str:
    before = db.session.query(Bank).count()
    with pytest.raises(InvalidInput) as info:
        banks.import_bank((filename, data), source=BANK_SOURCE)
    db.session.rollback()
    assert db.session.query(Bank).count() == before
    return " ".join(d["message"] for d in info.value.details or [])


def test_control_the_clean_bank_docx_imports(world):
    """Control: the clean Word file used below imports."""
    assert banks.import_bank(("de.docx", _bank_docx()), source=BANK_SOURCE).added == 1


def test_bank_docx_zip_bomb_by_declared_size(world):
    """Is a .docx that would inflate past the safe limit refused before python-docx opens it?"""
    from quizapp.services.bank_formats.common import MAX_UNPACKED

    bomb = _replace_member(_bank_docx(), "word/media/zeros.bin", b"\0" * (MAX_UNPACKED + 1))
    assert len(bomb) < 1024 * 1024
    assert "giải nén" in _bank_refused(bomb, "de.docx")


def test_bank_docx_lying_about_its_size(world):
    """If the central directory claims a tiny size for a huge document.xml, is the file refused cleanly?"""
    body = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            + "<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 200000 + "</w:body></w:document>").encode()
    data = bytearray(_replace_member(_bank_docx(), "word/document.xml", body))
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) != -1:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46: pos + 46 + name_len]) == b"word/document.xml":
            struct.pack_into("<I", data, pos + 24, 1000)
        pos += 4
    assert "Word" in _bank_refused(bytes(data), "de.docx")


@pytest.mark.parametrize("dtd", [LAUGHS, EXTERNAL])
def test_bank_docx_with_entities_is_refused(world, dtd):
    """Is a .docx whose document.xml declares entities (billion laughs, external file) refused?"""
    ref = "&lol9;" if dtd == LAUGHS else "&xxe;"
    body = (dtd + '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            f"<w:p><w:r><w:t>Câu 1: {ref}</w:t></w:r></w:p></w:body></w:document>").encode()
    msg = _bank_refused(_replace_member(_bank_docx(), "word/document.xml", body), "de.docx")
    assert "DOCTYPE" in msg and "root:" not in msg


@pytest.mark.parametrize("dtd", [LAUGHS, EXTERNAL])
def test_bank_moodle_xml_with_entities_is_refused(world, dtd):
    """Is a Moodle XML file declaring entities refused before any expansion?"""
    ref = "&lol9;" if dtd == LAUGHS else "&xxe;"
    data = (dtd.replace("lolz", "quiz").replace("DOCTYPE x", "DOCTYPE quiz")
            + f'<quiz><question type="essay"><name><text>{ref}</text></name>'
            '<questiontext><text>Câu?</text></questiontext></question></quiz>').encode()
    msg = _bank_refused(data, "moodle.xml")
    assert "DOCTYPE/ENTITY" in msg and "root:" not in msg


def test_bank_xlsx_with_entities_and_huge_bank_files_are_refused(app, world):
    """Is a bank .xlsx with entities refused, and a bank file over MAX_CONTENT_LENGTH named too large?"""
    sst = CLEAN_SST.replace('<?xml version="1.0"?>', LAUGHS).replace("Nguyễn Văn Chung", "&lol9;")
    assert "DOCTYPE" in _bank_refused(_shared_strings_xlsx(sst), "cau-hoi.xlsx")
    huge = _replace_member(_bank_docx(), "word/pad.bin", os.urandom(app.config["MAX_CONTENT_LENGTH"] + 1))
    assert "quá lớn" in _bank_refused(huge, "de.docx")
    many = b"<quiz>" + b'<question type="essay"><questiontext><text>x</text></questiontext></question>' * 10 + b"</quiz>"
    app.config["IMPORT_MAX_ROWS"], old = 5, app.config["IMPORT_MAX_ROWS"]
    try:
        assert "quá nhiều câu hỏi" in _bank_refused(many, "m.xml")
    finally:
        app.config["IMPORT_MAX_ROWS"] = old


def test_stale_xlsx_dimension_in_a_bank_template_still_reads_every_question():
    """Does a bank workbook whose <dimension> says A1:B2 but which holds 30 questions give 30, not one?"""
    from openpyxl import load_workbook

    from quizapp.services.bank_formats import spreadsheet
    from quizapp.services.bank_formats.common import ReadOptions

    wb = Workbook()
    ws = wb.active
    ws.append(spreadsheet.HEADERS)
    col = spreadsheet.HEADERS.index("Câu hỏi")
    for i in range(30):
        row = [""] * len(spreadsheet.HEADERS)
        row[col] = f"Câu hỏi tự luận số {i + 1}: trình bày suy nghĩ của đồng chí."
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    stale, count = re.subn(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:B2"/>', sheet)
    assert count == 1
    data = _replace_member(data, "xl/worksheets/sheet1.xml", stale.encode())
    assert load_workbook(io.BytesIO(data), read_only=True).worksheets[0].max_row == 2  # the trap is set
    result = spreadsheet.read(data, "ngan-hang.xlsx", ReadOptions(source_document="Tài liệu thử", title="Thử"))
    seen = len(result.bank.questions if result.bank else []) + len(result.skipped)
    assert seen == 30, (result.errors if hasattr(result, "errors") else result)
