"""The bank editor without files: create, copy, automatic codes, field errors, list pages, order,
retire/restore, member preview and quality help on the form and the bank report."""
from __future__ import annotations

import re

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import AuditLog, Bank, Question
from quizapp.services import banks
from tests.banks.helpers import bank_yaml


def _bank(slug: str, org=None, questions=None) -> Bank:
    if questions == {}:
        bank = Bank(slug=slug, title="Ngân hàng trống", document="Nghị quyết 04-NQ/TW", org_id=org.id if org else None)
        db.session.add(bank)
        db.session.commit()
        return bank
    result = banks.import_bank(bank_yaml(slug, questions), owner_org=org)
    return db.session.get(Bank, result.bank_id)


def _question(**over) -> dict:
    data = {"key": "", "type": "single", "text": "Nghị quyết ban hành năm nào?", "topic": "Mục 1",
            "difficulty": "easy", "points": "1", "source_document": "Nghị quyết 04-NQ/TW", "source_section": "Mục II",
            "choices-0-text": "Năm 2016", "choices-0-correct": "y", "choices-1-text": "Năm 2011", "choices-2-text": "Năm 2021"}
    data.update(over)
    return data


def _keys(bank: Bank) -> list[str]:
    return list(db.session.scalars(select(Question.key).where(Question.bank_id == bank.id).order_by(Question.position)))


def test_secretary_creates_a_bank_for_their_cell(client, world, login_as):
    """Does the create form make an empty bank owned by the chosen cell, with a slug from the title, audited?"""
    login_as(world.secretary_a)
    page = client.get("/manage/banks/new").get_data(as_text=True)
    assert "Tạo ngân hàng câu hỏi" in page and world.cell_b.name not in page
    resp = client.form("/manage/banks/new", {"title": "Học tập Nghị quyết Trung ương 4", "document": "Nghị quyết 04-NQ/TW",
                                              "document_date": "2016-10-30", "owner": str(world.cell_a.id)})
    assert resp.status_code == 302
    bank = db.session.scalar(select(Bank).where(Bank.title == "Học tập Nghị quyết Trung ương 4"))
    assert bank.slug == "hoc-tap-nghi-quyet-trung-uong-4" and bank.org_id == world.cell_a.id
    assert str(bank.document_date) == "2016-10-30"
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "bank.create", AuditLog.target_id == bank.id))


def test_create_errors_sit_at_the_fields(client, world, login_as):
    """Does a missing title and a bad date answer 422 with Vietnamese messages under those fields?"""
    login_as(world.secretary_a)
    resp = client.form("/manage/banks/new", {"title": "", "document": "NQ", "document_date": "30/13/2016",
                                              "owner": str(world.cell_a.id)})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'id="title-err">Vui lòng nhập tên ngân hàng.' in html
    assert 'id="document_date-err">Ngày không hợp lệ' in html
    assert db.session.scalar(select(Bank)) is None


def test_secretary_cannot_create_for_another_cell(client, world, login_as):
    """Is another cell refused as owner (not a choice), writing nothing?"""
    login_as(world.secretary_b)
    resp = client.form("/manage/banks/new", {"title": "Lấn sân", "document": "NQ", "owner": str(world.cell_a.id)})
    assert resp.status_code == 422
    assert 'id="owner-err">Vui lòng chọn một đơn vị trong phạm vi bạn quản lý.' in resp.get_data(as_text=True)
    resp = client.form(f"/manage/banks/{_bank('chung-2').id}/copy", {"owner": str(world.cell_a.id)})
    assert resp.status_code == 422 and "Vui lòng chọn một đơn vị trong phạm vi bạn quản lý." in resp.get_data(as_text=True)
    assert db.session.scalar(select(Bank).where(Bank.org_id.is_not(None))) is None


def test_copy_a_site_bank_to_own_cell(client, world, login_as):
    """Does copying a site bank give the cell its own bank with a new slug and every active question's
    current version, leaving retired questions and the original untouched?"""
    site = _bank("chung", questions={"q-001": "Một?", "q-002": "Hai?", "q-003": "Ba?"})
    q3 = db.session.scalar(select(Question).where(Question.bank_id == site.id, Question.key == "q-003"))
    q3.active = False
    db.session.commit()
    login_as(world.secretary_a)
    assert "Sao chép để chỉnh sửa" in client.get(f"/manage/banks/{site.id}").get_data(as_text=True)
    resp = client.form(f"/manage/banks/{site.id}/copy", {"owner": str(world.cell_a.id)})
    assert resp.status_code == 302
    copy = db.session.scalar(select(Bank).where(Bank.org_id == world.cell_a.id))
    assert copy.slug == "chung-cb-a" and _keys(copy) == ["q-001", "q-002"]
    assert all(q.current_version.version == 1 and q.current_version.text in ("Một?", "Hai?") for q in copy.questions)
    assert len(site.questions) == 3
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "bank.copy"))
    assert log.details["from_bank_id"] == site.id and log.details["questions"] == 2
    # the copy is editable by the cell: a new question goes into it
    assert client.form(f"/manage/banks/{copy.id}/questions/new", _question()).status_code == 302


def test_automatic_codes_follow_the_bank_prefix(client, world, login_as):
    """Does an empty code field give the next free '<prefix>-NNN' of the bank, and a typed code stay?"""
    bank = _bank("tu-dong", org=world.cell_a, questions={"kh-001": "Một?", "kh-007": "Bảy?"})
    login_as(world.secretary_a)
    assert 'placeholder="kh-008"' in client.get(f"/manage/banks/{bank.id}/questions/new").get_data(as_text=True)
    assert client.form(f"/manage/banks/{bank.id}/questions/new", _question()).status_code == 302
    assert client.form(f"/manage/banks/{bank.id}/questions/new", _question(text="Câu khác?")).status_code == 302
    assert client.form(f"/manage/banks/{bank.id}/questions/new", _question(key="rieng-1", text="Câu ba?")).status_code == 302
    assert _keys(bank) == ["kh-001", "kh-007", "kh-008", "kh-009", "rieng-1"]


def test_automatic_code_of_an_empty_bank_uses_the_slug_initials(app, world):
    """Does an empty bank 'nghi-quyet-04' number its first question 'nq-001'?"""
    bank = Bank(slug="nghi-quyet-04", title="NQ", document="NQ", org_id=world.cell_a.id)
    db.session.add(bank)
    db.session.commit()
    assert banks.next_question_key(bank) == "nq-001"


def test_errors_are_shown_at_their_fields_in_the_forms_words(client, world, login_as):
    """Are text, duplicate choices, the correct mark, points and source errors placed at their fields,
    not as raw schema messages at the top?"""
    bank = _bank("loi-o", org=world.cell_a)
    login_as(world.secretary_a)
    resp = client.form(f"/manage/banks/{bank.id}/questions/new", _question(
        text="", points="-2", source_document="", **{"choices-0-correct": "", "choices-2-text": "Năm 2016"}))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'id="text-err">Vui lòng nhập nội dung câu hỏi.' in html
    assert 'id="points-err">Điểm phải là số dương' in html
    assert 'id="source_document-err">Vui lòng nhập văn bản nguồn' in html
    assert "thiếu &#39;text&#39;" not in html and "&#39;points&#39;" not in html  # no raw schema words
    # the choices fail on the correct mark first; fix it and the duplicate is marked at its row
    resp = client.form(f"/manage/banks/{bank.id}/questions/new", _question(**{"choices-2-text": "Năm 2016"}))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'id="choices-2-text-err">Phương án này trùng với một phương án ở trên.' in html
    resp = client.form(f"/manage/banks/{bank.id}/questions/new", _question(**{"choices-0-correct": ""}))
    assert "cần đánh dấu “Đúng” cho đúng một phương án" in resp.get_data(as_text=True)


def test_rubric_and_short_text_errors_at_their_rows(client, world, login_as):
    """Does a rubric row without a criterion, a wrong total and an empty answer list land at those fields?"""
    bank = _bank("loi-tl", org=world.cell_a)
    login_as(world.secretary_a)
    resp = client.form(f"/manage/banks/{bank.id}/questions/new", _question(
        type="essay", points="3", **{"rubric-0-criterion": "Nêu đúng", "rubric-0-points": "1", "rubric-1-points": "1"}))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Vui lòng nhập nội dung tiêu chí" in html
    resp = client.form(f"/manage/banks/{bank.id}/questions/new", _question(
        type="essay", points="3", **{"rubric-0-criterion": "Nêu đúng", "rubric-0-points": "1"}))
    assert "Tổng điểm các tiêu chí phải bằng điểm của câu hỏi." in resp.get_data(as_text=True)
    resp = client.form(f"/manage/banks/{bank.id}/questions/new", _question(type="short_text", answers=""))
    assert 'id="answers-err">Nhập ít nhất một đáp án' in resp.get_data(as_text=True)


def test_bank_page_pages_by_fifty_and_keeps_filters(client, world, login_as):
    """Are 120 questions shown 50 a page, with page links that carry the search and filters?"""
    bank = _bank("nhieu", org=world.cell_a, questions={f"p-{i:03d}": f"Câu số {i}?" for i in range(1, 121)})
    login_as(world.secretary_a)
    html = client.get(f"/manage/banks/{bank.id}").get_data(as_text=True)
    assert html.count('class="card question-item') == 50 and "Trang 1/3" in html
    html = client.get(f"/manage/banks/{bank.id}?page=3").get_data(as_text=True)
    assert html.count('class="card question-item') == 20 and "p-120" in html and "p-050" not in html
    html = client.get(f"/manage/banks/{bank.id}?q=cau+so&type=single&page=2").get_data(as_text=True)
    nxt = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "q=cau+so" in nxt and "type=single" in nxt and "page=3" in nxt
    assert client.get(f"/manage/banks/{bank.id}?page=abc").status_code == 200
    assert client.get(f"/manage/banks/{bank.id}?page=999").status_code == 200


def test_reorder_without_javascript(client, world, login_as):
    """Do the up/down forms swap neighbours, refuse past either end, and return to the same page?"""
    bank = _bank("thu-tu", org=world.cell_a, questions={"a-1": "Một?", "a-2": "Hai?", "a-3": "Ba?"})
    login_as(world.secretary_a)
    ids = {q.key: q.id for q in bank.questions}
    resp = client.form(f"/manage/banks/{bank.id}/questions/{ids['a-3']}/move",
                       {"direction": "up", "next": f"/manage/banks/{bank.id}?q=a"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/manage/banks/{bank.id}?q=a#qi-{ids['a-3']}")
    assert _keys(bank) == ["a-1", "a-3", "a-2"]
    client.form(f"/manage/banks/{bank.id}/questions/{ids['a-1']}/move", {"direction": "up"})
    assert _keys(bank) == ["a-1", "a-3", "a-2"]
    client.form(f"/manage/banks/{bank.id}/questions/{ids['a-1']}/move", {"direction": "down"})
    assert _keys(bank) == ["a-3", "a-1", "a-2"]
    resp = client.form(f"/manage/banks/{bank.id}/questions/{ids['a-1']}/move", {"direction": "up", "next": "https://evil.example/"})
    assert resp.headers["Location"].endswith(f"/manage/banks/{bank.id}#qi-{ids['a-1']}")
    assert client.form(f"/manage/banks/{bank.id}/questions/{ids['a-1']}/move", {"direction": "sideways"}).status_code == 302
    assert _keys(bank) == ["a-1", "a-3", "a-2"]


def test_retire_and_restore(client, world, login_as):
    """Is a retired question hidden from the list, out of the export and never drawn, and back once restored?"""
    bank = _bank("ngung", org=world.cell_a, questions={"r-1": "Câu giữ?", "r-2": "Câu bỏ?"})
    login_as(world.secretary_a)
    q2 = next(q for q in bank.questions if q.key == "r-2")
    client.form(f"/manage/banks/{bank.id}/questions/{q2.id}/active", {"active": "0"})
    db.session.refresh(q2)
    assert q2.active is False
    assert "Câu bỏ?" not in client.get(f"/manage/banks/{bank.id}").get_data(as_text=True)
    assert "Câu bỏ?" in client.get(f"/manage/banks/{bank.id}?inactive=1").get_data(as_text=True)
    assert "Câu bỏ?" not in banks.export_bank(bank)
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "question.retire"))
    client.form(f"/manage/banks/{bank.id}/questions/{q2.id}/active", {"active": "1"})
    db.session.refresh(q2)
    assert q2.active is True and "Câu bỏ?" in banks.export_bank(bank)


def test_member_preview_shows_no_key(client, world, login_as):
    """Does the preview render the take partial (choices as radios) and no correct mark or answers?"""
    bank = _bank("xem", org=world.cell_a)
    login_as(world.secretary_a)
    q = bank.questions[0]
    html = client.get(f"/manage/banks/{bank.id}/questions/{q.id}/preview").get_data(as_text=True)
    assert 'type="radio"' in html and "Đúng là A" in html and "Phương án B" in html
    assert "badge-ok" not in html and "correct" not in html
    # a short-text question's accepted answer never reaches the preview
    client.form(f"/manage/banks/{bank.id}/questions/new", _question(type="short_text", key="st-1", answers="tự diễn biến"))
    st = db.session.scalar(select(Question).where(Question.bank_id == bank.id, Question.key == "st-1"))
    html = client.get(f"/manage/banks/{bank.id}/questions/{st.id}/preview").get_data(as_text=True)
    assert "tự diễn biến" not in html and 'type="text"' in html


def test_preview_from_the_form_saves_nothing(client, world, login_as):
    """Does the form's preview button show the member view and warnings without saving?"""
    bank = _bank("xem-form", org=world.cell_a, questions={})
    login_as(world.secretary_a)
    long = "Xây dựng, chỉnh đốn Đảng và hệ thống chính trị trong sạch, vững mạnh toàn diện"
    resp = client.form(f"/manage/banks/{bank.id}/questions/new",
                       _question(preview="1", **{"choices-0-text": long}))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Người làm bài sẽ thấy" in html and 'data-rule="long_key"' in html
    assert _keys(bank) == []


def test_saving_a_weak_question_returns_to_the_form_with_warnings(client, world, login_as):
    """Is a saved question with a quality warning sent back to its form, which lists the warning?"""
    bank = _bank("canh-bao", org=world.cell_a, questions={})
    login_as(world.secretary_a)
    resp = client.form(f"/manage/banks/{bank.id}/questions/new",
                       _question(**{"choices-0-text": "Dân chủ", "choices-1-text": "Dân chủ hình thức"}))
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/edit")
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert 'data-rule="nested"' in html and "Gợi ý về chất lượng" in html


def test_bank_quality_report_page(client, world, login_as):
    """Does the bank report list the question whose answer another question gives away?"""
    bank = _bank("bao-cao", org=world.cell_a, questions={})
    login_as(world.secretary_a)
    client.form(f"/manage/banks/{bank.id}/questions/new", _question(
        key="k-1", **{"choices-0-text": "Phai nhạt lý tưởng cách mạng", "choices-1-text": "Chăm chỉ học tập rèn luyện",
                      "choices-2-text": "Giữ gìn đoàn kết nội bộ"}))
    client.form(f"/manage/banks/{bank.id}/questions/new", _question(
        key="k-2", type="short_text", text="Vì sao phai nhat ly tuong cach mang là nguy cơ?", answers="suy thoái"))
    html = client.get(f"/manage/banks/{bank.id}/quality").get_data(as_text=True)
    assert "Câu k-1" in html and "Câu k-2" in html and 'data-rule="give_away"' in html
    assert "2/2 câu đang dùng có gợi ý" in html


def test_other_cell_cannot_reorder_retire_or_edit(client, world, login_as):
    """Is cell B's secretary refused on cell A's bank for every editing action, changing nothing?"""
    bank = _bank("cua-a", org=world.cell_a, questions={"x-1": "Một?", "x-2": "Hai?"})
    q = bank.questions[1]
    login_as(world.secretary_b)
    for url, data in [(f"/manage/banks/{bank.id}/questions/{q.id}/move", {"direction": "up"}),
                      (f"/manage/banks/{bank.id}/questions/{q.id}/active", {"active": "0"}),
                      (f"/manage/banks/{bank.id}/questions/new", _question())]:
        assert client.form(url, data).status_code in (403, 404), url
    assert _keys(bank) == ["x-1", "x-2"] and all(q.active for q in bank.questions)
    assert client.get(f"/manage/banks/{bank.id}/quality").status_code in (403, 404)
    assert client.get(f"/manage/banks/{bank.id}/questions/{q.id}/preview").status_code in (403, 404)


def test_retired_question_is_never_drawn_and_drawn_rounds_keep_it(client, world, login_as):
    """After retiring a question through the page, does a random draw over the bank never pick it,
    while an attempt that already holds its version keeps it?"""
    import random

    from quizapp.models import AttemptItem
    from quizapp.services import delivery
    from tests.factories import make_quiz

    bank = _bank("rut-de", org=world.cell_a, questions={f"d-{i}": f"Câu rút {i}?" for i in range(1, 5)})
    retired = next(q for q in bank.questions if q.key == "d-2")
    quiz = make_quiz(world.cell_a, [world.cell_a], draw_rule={"mode": "random", "rules": [{"bank_id": bank.id, "count": 4}]})
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    held = {i.question_version_id for i in db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id))}
    assert retired.current_version_id in held
    login_as(world.secretary_a)
    client.form(f"/manage/banks/{bank.id}/questions/{retired.id}/active", {"active": "0"})
    db.session.expire_all()
    for seed in range(20):
        drawn = {it["question_version_id"] for it in delivery._draw(
            quiz.__class__(draw_rule={"mode": "random", "rules": [{"bank_id": bank.id, "count": 3}]}), random.Random(seed))}
        assert retired.current_version_id not in drawn
    again = {i.question_version_id for i in db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id))}
    assert again == held


def test_auto_code_taken_meanwhile_is_a_message_at_the_code_field(client, world, login_as, monkeypatch):
    """If the automatic code is taken by the time of writing, is the answer a 422 under the code field
    with everything typed kept (never a 500)?"""
    bank = _bank("dua-nhau", org=world.cell_a, questions={"kh-001": "Một?"})
    monkeypatch.setattr(banks, "next_question_key", lambda b: "kh-001")
    login_as(world.secretary_a)
    resp = client.form(f"/manage/banks/{bank.id}/questions/new", _question(text="Câu đang gõ dở?"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="key-err">Mã này đã có trong ngân hàng' in html
    assert "Câu đang gõ dở?" in html and _keys(bank) == ["kh-001"]


def test_too_long_fields_are_told_in_vietnamese(client, world, login_as):
    """Are a too-long code, a too-long choice and an unknown type answered in Vietnamese at their fields?"""
    bank = _bank("dai-qua", org=world.cell_a)
    login_as(world.secretary_a)
    resp = client.form(f"/manage/banks/{bank.id}/questions/new",
                       _question(key="k" * 41, type="ordering", **{"choices-1-text": "x" * 1001}))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'id="key-err">Dài quá 40 ký tự; hãy rút gọn.' in html
    assert 'id="type-err">Vui lòng chọn một mục trong danh sách.' in html
    assert "Dài quá 1000 ký tự; hãy rút gọn." in html
    assert "Field cannot be longer" not in html and "Not a valid choice" not in html
    resp = client.form("/manage/banks/new", {"title": "t" * 301, "document": "NQ", "owner": str(world.cell_a.id)})
    assert 'id="title-err">Dài quá 300 ký tự; hãy rút gọn.' in resp.get_data(as_text=True)
