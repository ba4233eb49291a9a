"""Bank pages: who sees and edits what, uploads that write nothing on error, escaping, the editor."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Bank, Question, QuestionVersion
from quizapp.services import banks
from tests.banks.helpers import bank_yaml, show_version_in_attempt


def _bank(slug: str, org=None, questions=None) -> Bank:
    result = banks.import_bank(bank_yaml(slug, questions), owner_org=org)
    return db.session.get(Bank, result.bank_id)


def _upload(client, data: bytes, name: str = "nh.yaml", **extra):
    return client.form("/manage/banks/upload", {"file": (io.BytesIO(data), name), **extra},
                       content_type="multipart/form-data")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _choice_form(text: str, correct: tuple[int, ...] = (0,), **over) -> dict:
    data = {"key": "m-001", "type": "single", "text": text, "topic": "Mục 1", "difficulty": "easy", "points": "1",
            "source_document": "Nghị quyết 04-NQ/TW", "source_section": "Mục II"}
    for i, t in enumerate(["Phương án A", "Phương án B", "Phương án C"]):
        data[f"choices-{i}-text"] = t
        if i in correct:
            data[f"choices-{i}-correct"] = "y"
    data.update(over)
    return data


def test_admin_upload_creates_site_bank(client, world, login_as):
    """Does an admin's valid upload create a site-wide bank and land on its page?"""
    login_as(world.admin)
    resp = _upload(client, bank_yaml("tai-len"), owner="")
    assert resp.status_code == 302
    bank = db.session.scalar(select(Bank).where(Bank.slug == "tai-len"))
    assert bank.org_id is None and len(bank.questions) == 2


def test_upload_with_errors_lists_lines_and_writes_nothing(client, world, login_as):
    """Does an upload with a bad question list line-numbered errors and write nothing?"""
    login_as(world.staff)
    bad = bank_yaml("loi").replace(b"type: single", b"type: ordering", 1).replace(b"id: q-002", b"id: Q 002")
    resp = _upload(client, bad, owner=str(world.committee.id))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Dòng 8, câu &#39;q-001&#39;: loại câu hỏi &#39;ordering&#39; không hợp lệ" in html
    assert "Dòng 17" in html
    assert _count(Bank) == 0 and _count(Question) == 0


def test_upload_check_only_writes_nothing(client, world, login_as):
    """Does 'check only' report a valid file without importing it?"""
    login_as(world.admin)
    resp = _upload(client, bank_yaml("kiem-tra"), owner="", check_only="y")
    assert resp.status_code == 200 and "Tệp hợp lệ" in resp.get_data(as_text=True)
    assert _count(Bank) == 0


def test_secretary_cannot_upload_into_site_or_other_cell(client, world, login_as):
    """Can a secretary of CB-B give a new bank to the site or to CB-A? (no: not a valid owner)"""
    login_as(world.secretary_b)
    for owner in ("", str(world.cell_a.id)):
        resp = _upload(client, bank_yaml("cua-b"), owner=owner)
        assert resp.status_code == 422
    assert _count(Bank) == 0


def test_secretary_b_cannot_see_or_edit_cell_a_bank(client, world, login_as):
    """Is CB-A's bank invisible to CB-B's secretary on every bank route, and absent from the list?"""
    bank = _bank("cua-a", world.cell_a)
    qid = bank.questions[0].id
    login_as(world.secretary_b)
    assert bank.title not in client.get("/manage/banks").get_data(as_text=True)
    for url in (f"/manage/banks/{bank.id}", f"/manage/banks/{bank.id}/questions/{qid}",
                f"/manage/banks/{bank.id}/questions/{qid}/edit", f"/manage/banks/{bank.id}/questions/new",
                f"/manage/banks/{bank.id}/export"):
        assert client.get(url).status_code == 404, url
    resp = client.form(f"/manage/banks/{bank.id}/questions/{qid}/edit", _choice_form("Sửa trộm?"))
    assert resp.status_code == 404
    assert "Sửa trộm?" not in {v.text for v in db.session.scalars(select(QuestionVersion))}
    # A file upload with the same slug cannot overwrite it either.
    resp = _upload(client, bank_yaml("cua-a", {"q-001": "Ghi đè?"}), owner=str(world.cell_b.id))
    assert resp.status_code in (403, 422)
    assert _count(QuestionVersion) == 2


@pytest.mark.parametrize("role,view,edit", [
    ("admin", 200, 200), ("staff", 200, 200), ("secretary_a", 200, 200), ("deputy_a", 200, 200),
    ("secretary_b", 404, 404), ("member_a", 403, 403),
])
def test_cell_bank_access_by_role(client, world, login_as, role, view, edit):
    """Who may view and edit a bank owned by CB-A?"""
    bank = _bank("cua-a", world.cell_a)
    login_as(world.people()[role])
    assert client.get(f"/manage/banks/{bank.id}").status_code == view
    assert client.get(f"/manage/banks/{bank.id}/questions/new").status_code == edit


@pytest.mark.parametrize("role,edit", [("admin", 200), ("staff", 403), ("secretary_a", 403)])
def test_site_bank_is_viewable_but_only_admin_edits(client, world, login_as, role, edit):
    """Do managers see a site-wide bank while only the admin may edit it?"""
    bank = _bank("chung")
    login_as(world.people()[role])
    assert client.get(f"/manage/banks/{bank.id}").status_code == 200
    assert client.get(f"/manage/banks/{bank.id}/questions/new").status_code == edit


def test_committee_bank_is_visible_to_cells_below(client, world, login_as):
    """Does CB-A's secretary see (not edit) a bank owned by the committee above?"""
    bank = _bank("dang-uy", world.committee)
    login_as(world.secretary_a)
    assert bank.title in client.get("/manage/banks").get_data(as_text=True)
    assert client.get(f"/manage/banks/{bank.id}/questions/new").status_code == 403


def test_question_text_is_escaped(client, world, login_as):
    """Is a question text with a script tag shown escaped on the bank and question pages?"""
    bank = _bank("xss", world.cell_a, {"q-001": "<script>alert(1)</script>"})
    login_as(world.secretary_a)
    for url in (f"/manage/banks/{bank.id}", f"/manage/banks/{bank.id}/questions/{bank.questions[0].id}"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_search_param_is_escaped_and_filters(client, world, login_as):
    """Is a reflected search parameter escaped, and does accent-free search find accented text?"""
    bank = _bank("tim", world.cell_a, {"q-001": "Nghị quyết Trung ương bốn?", "q-002": "Chỉ thị năm?"})
    login_as(world.secretary_a)
    html = client.get(f"/manage/banks/{bank.id}?q=\"><script>alert(2)</script>").get_data(as_text=True)
    assert "<script>alert(2)</script>" not in html and "&lt;script&gt;" in html
    html = client.get(f"/manage/banks/{bank.id}?q=nghi+quyet&type=single&difficulty=easy").get_data(as_text=True)
    assert "Nghị quyết Trung ương bốn?" in html and "Chỉ thị năm?" not in html


def test_add_question_bad_then_good(client, world, login_as):
    """Does a single-choice form with two correct answers keep the typed text and write nothing, then save once fixed?"""
    bank = _bank("sua", world.cell_a)
    login_as(world.deputy_a)
    url = f"/manage/banks/{bank.id}/questions/new"
    resp = client.form(url, _choice_form("Câu hỏi mới từ web?", correct=(0, 1)))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Câu một lựa chọn cần đánh dấu “Đúng” cho đúng một phương án." in html
    assert "Câu hỏi mới từ web?" in html and "Phương án C" in html
    assert _count(Question) == 2
    resp = client.form(url, _choice_form("Câu hỏi mới từ web?"))
    assert resp.status_code == 302
    q = db.session.scalar(select(Question).where(Question.key == "m-001"))
    assert q.current_version.spec["choices"][0] == {"id": "a", "text": "Phương án A", "correct": True}


@pytest.mark.parametrize("extra,check", [
    ({"type": "true_false", "tf_answer": "false"}, lambda s: s == {"answer": False}),
    ({"type": "short_text", "answers": "98\n98%\n", "match_diacritics": ""},
     lambda s: s == {"answers": ["98", "98%"], "match_diacritics": False}),
    ({"type": "essay", "rubric-0-criterion": "Nêu đúng nội dung", "rubric-0-points": "1,5", "points": "1,5"},
     lambda s: s == {"rubric": [{"criterion": "Nêu đúng nội dung", "points": 1.5}]}),
    ({"type": "multiple", "choices-2-correct": "y"}, lambda s: [c["correct"] for c in s["choices"]] == [True, False, True]),
])
def test_editor_saves_every_type(client, world, login_as, extra, check):
    """Does the web editor save each question type with the right spec?"""
    bank = _bank("loai", world.cell_a)
    login_as(world.secretary_a)
    resp = client.form(f"/manage/banks/{bank.id}/questions/new", _choice_form("Câu hỏi?", **extra))
    assert resp.status_code == 302, resp.get_data(as_text=True)[-3000:]
    q = db.session.scalar(select(Question).where(Question.key == "m-001"))
    assert check(q.current_version.spec)


def test_editing_answered_question_on_web_makes_new_version(client, world, login_as):
    """Does editing an answered question on the web keep v1 and make v2 current, shown on its page?"""
    bank = _bank("phien-ban", world.cell_a)
    q = bank.questions[0]
    show_version_in_attempt(q.current_version_id, world.member_a, world.cell_a)
    login_as(world.secretary_a)
    edit = client.get(f"/manage/banks/{bank.id}/questions/{q.id}/edit").get_data(as_text=True)
    assert "Đúng là A" in edit  # the form is prefilled with the current version
    data = _choice_form("Câu hỏi đã sửa?", key="khong-doi")
    resp = client.form(f"/manage/banks/{bank.id}/questions/{q.id}/edit", data)
    assert resp.status_code == 302
    db.session.expire_all()
    q = db.session.get(Question, q.id)
    assert q.key == "q-001" and [v.version for v in q.versions] == [1, 2]
    page = client.get(f"/manage/banks/{bank.id}/questions/{q.id}").get_data(as_text=True)
    assert "Đã có bài làm" in page and "Câu hỏi đã sửa?" in page


def test_export_download(client, world, login_as):
    """Does the export download a YAML attachment that validates?"""
    bank = _bank("xuat", world.cell_a)
    login_as(world.staff)
    resp = client.get(f"/manage/banks/{bank.id}/export")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"] == 'attachment; filename="xuat.yaml"'
    assert banks.validate_file(resp.data, "xuat.yaml") == []


def test_upload_over_size_limit_is_refused_cleanly(client, app, world, login_as):
    """Is an upload over MAX_CONTENT_LENGTH answered 413 with a Vietnamese message, writing nothing?"""
    login_as(world.admin)
    resp = _upload(client, b"#" * (app.config["MAX_CONTENT_LENGTH"] + 10), owner="")
    assert resp.status_code == 413 and "Tệp tải lên quá lớn." in resp.get_data(as_text=True)
    assert _count(Bank) == 0


def test_upload_of_latin1_file_lists_encoding_error(client, world, login_as):
    """Does a Latin-1 upload say it is not UTF-8, with its line, and write nothing?"""
    login_as(world.admin)
    resp = _upload(client, 'format: 1\nbank:\n  title: "Café"\n'.encode("latin-1"), owner="")
    assert resp.status_code == 422 and "Dòng 3" in resp.get_data(as_text=True) and "UTF-8" in resp.get_data(as_text=True)
    assert _count(Bank) == 0


def test_essay_rubric_must_add_up_to_the_points(client, world, login_as):
    """Is an essay whose rubric totals more than its points refused with a clear message?"""
    bank = _bank("rubric", world.cell_a)
    login_as(world.secretary_a)
    resp = client.form(f"/manage/banks/{bank.id}/questions/new",
                       _choice_form("Bài thu hoạch?", type="essay", points="1", **{
                           "rubric-0-criterion": "Nội dung", "rubric-0-points": "2"}))
    assert "phải bằng điểm của câu hỏi" in resp.get_data(as_text=True)
    assert all(q.key != "m-001" for q in bank.questions)
