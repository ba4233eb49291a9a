"""Issued documents stay true: stored bytes, corrections as new documents, preview, provisional, verify."""
from __future__ import annotations

import hashlib
import io
import re
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from quizapp.clock import utcnow
from quizapp.extensions import db
from quizapp.models import Absence, AuditLog, IssuedReport
from quizapp.services import history
from quizapp.services.reporting import documents
from tests.factories import make_questions, make_report_attempt, make_report_round


def pages(data: bytes) -> list[str]:
    """Text of each page, whitespace collapsed."""
    return [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture
def rnd(world):
    """Cell A: secretary and deputy took part, member_a did not (no reason recorded yet); closed round."""
    r = make_report_round([world.committee], world.committee)
    qs = make_questions(2)
    make_report_attempt(r, world.secretary_a, 9.0, versions=qs, picks=["a", "a"])
    make_report_attempt(r, world.deputy_a, 7.0, versions=qs, picks=["a", "b"])
    db.session.commit()
    return r


def _sheet_url(r, org) -> str:
    return f"/reports/rounds/{r.id}/orgs/{org.id}/sheet"


def _issue(client, r, org, **data):
    fields = {"number": "", "issued_on": "2026-02-06", "confirm": "1", **data}
    resp = client.form(_sheet_url(r, org), fields)
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    return db.session.scalars(select(IssuedReport).order_by(IssuedReport.id.desc())).first()


def test_issued_sheet_keeps_its_figures_and_file(world, rnd, login_as, client):
    """After issue, do absence and exemption changes leave the printed code, its figures and the file as issued,
    and does a correction get a new number and code that the old code points to?"""
    login_as(world.secretary_a)
    # Record member_a's absence as unexcused first, so the sheet is final (not provisional).
    db.session.add(Absence(round_id=rnd.id, person_id=world.member_a.id, reason_code="khac", reason_text="Không báo",
                           excused=False))
    db.session.commit()
    first = _issue(client, rnd, world.cell_a, number="1")
    assert (first.number_label, first.provisional) == ("01-BC/CB", False)
    code, sha = first.verify_code, first.sha256

    one = client.get(f"/reports/documents/{first.id}/file")
    two = client.get(f"/reports/documents/{first.id}/file")
    assert one.status_code == two.status_code == 200
    assert one.data == two.data and hashlib.sha256(one.data).hexdigest() == sha
    assert "2/3 đảng viên, đạt 66,66%" in pages(one.data)[0] and code in " ".join(pages(one.data))

    note = client.get(f"/reports/rounds/{rnd.id}/orgs/{world.cell_a.id}/absences").get_data(as_text=True)
    assert "Báo cáo Số 01-BC/CB đã cấp giữ nguyên số liệu đã in" in note
    # Afterwards: the absence becomes excused and a member is declared exempt.
    absence = db.session.scalar(select(Absence))
    absence.reason_code, absence.excused = "om", True
    # Dated from before the session, as a staff override would record it (services.history).
    history.set_exemption(world.deputy_a, True, "Ốm dài ngày", rnd.session_date - timedelta(days=30))
    db.session.commit()

    anon = client.application.test_client()
    page = anon.get(f"/verify/{code}").get_data(as_text=True)
    assert "2/3 đảng viên, đạt" in page and "66,66%" in page and sha in page
    assert "đã được thay thế" not in page
    # Still the identical file, byte for byte.
    assert client.get(f"/reports/documents/{first.id}/file").data == one.data

    token = anon.get("/csrf-token").get_json()["csrf_token"]
    ok = anon.post(f"/verify/{code}", data={"csrf_token": token, "file": (io.BytesIO(one.data), "bao-cao.pdf")},
                   content_type="multipart/form-data")
    assert ok.status_code == 200 and "Tệp trùng khớp từng byte" in ok.get_data(as_text=True)
    tampered = one.data.replace(b"66,66", b"99,99") if b"66,66" in one.data else one.data[:-10] + b"%%EOF\n    "
    assert tampered != one.data
    bad = anon.post(f"/verify/{code}", data={"csrf_token": token, "file": (io.BytesIO(tampered), "bao-cao.pdf")},
                    content_type="multipart/form-data")
    assert bad.status_code == 200 and "KHÔNG phải bản đã cấp" in bad.get_data(as_text=True)

    # A correction without a reason is stopped at the first step; with one, it is a new document.
    resp = client.form(_sheet_url(rnd, world.cell_a), {"number": "2", "issued_on": "2026-02-07"})
    assert resp.status_code == 422 and "lý do thay thế" in resp.get_data(as_text=True)
    second = _issue(client, rnd, world.cell_a, number="2", issued_on="2026-02-07", reason="Cập nhật lý do vắng")
    assert second.id != first.id and second.replaces_id == first.id
    assert second.verify_code != code and second.number_label == "02-BC/CB"
    assert "đảng viên phải tham gia: 2" in pages(client.get(f"/reports/documents/{second.id}/file").data)[0]

    old = anon.get(f"/verify/{code}").get_data(as_text=True)
    assert "đã được thay thế bởi Số 02-BC/CB" in old and "66,66%" in old
    new = anon.get(f"/verify/{second.verify_code}").get_data(as_text=True)
    assert "Số 01-BC/CB" in new and "Cập nhật lý do vắng" in new
    assert client.get(f"/reports/documents/{first.id}/file").data == one.data

    actions = [a.action for a in db.session.scalars(select(AuditLog).where(AuditLog.target_type == "issued_report")
                                                     .order_by(AuditLog.id))]
    assert actions == ["report.issue", "report.correct"]


def test_preview_is_default_and_issues_nothing(world, rnd, login_as, client):
    """Is the preview the primary action, numberless, marked DỰ THẢO on every page, and nothing recorded?"""
    login_as(world.secretary_a)
    results = client.get(f"/reports/rounds/{rnd.id}").get_data(as_text=True)
    assert re.search(r'class="btn btn-primary" href="[^"]*/sheet/preview"', results)
    resp = client.get(f"/reports/rounds/{rnd.id}/orgs/{world.cell_a.id}/sheet/preview")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    texts = pages(resp.data)
    assert len(texts) >= 2 and all("DỰ THẢO" in t for t in texts)
    assert "Số …-BC/CB" in texts[0] and "Mã xác thực" not in " ".join(texts)
    assert db.session.query(IssuedReport).count() == 0


def test_open_round_is_refused_but_previewable(world, rnd, login_as, client, runner, tmp_path):
    """While the quiz is open, is issuing refused (page, POST, CLI) with the reason, while preview still works?"""
    rnd.quiz.closes_at = utcnow() + timedelta(hours=2)
    db.session.commit()
    login_as(world.secretary_a)
    page = client.get(_sheet_url(rnd, world.cell_a)).get_data(as_text=True)
    assert "Bài kiểm tra còn mở đến" in page and "Tiếp tục cấp số" not in page
    resp = client.form(_sheet_url(rnd, world.cell_a), {"number": "1", "issued_on": "2026-02-06", "confirm": "1"})
    assert resp.status_code == 422 and "Chưa cấp số được" in resp.get_data(as_text=True)
    assert client.get(f"/reports/rounds/{rnd.id}/orgs/{world.cell_a.id}/sheet/preview").status_code == 200
    res = runner.invoke(args=["reports", "cell-sheet", "--round", str(rnd.id), "--org", "CB-A", "--issue",
                              "-o", str(tmp_path / "x.pdf")])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert res.output.strip().count("\n") == 0 and res.output.startswith("Lỗi: Chưa cấp số được")
    assert db.session.query(IssuedReport).count() == 0


def test_member_mid_quiz_after_close_blocks_issue(world, rnd):
    """Does someone mid-quiz (a make-up after the close) block issuing, so they are not printed as absent?"""
    attempt = make_report_attempt(rnd, world.member_a, None, status="in_progress", makeup=True)
    attempt.started_at, attempt.deadline = utcnow() - timedelta(minutes=5), utcnow() + timedelta(minutes=25)
    db.session.commit()
    ready = documents.readiness(rnd, world.cell_a)
    assert ready.blocking and "1 đồng chí đang làm bài" in ready.blocking[0]
    assert documents.readiness(rnd, world.cell_b).issuable
    attempt.status, attempt.finished_at, attempt.score = "finished", utcnow(), 8.0
    db.session.commit()
    assert documents.readiness(rnd, world.cell_a).issuable


def test_pending_essays_and_unrecorded_absences_make_it_provisional(world, login_as, client):
    """With an essay ungraded and an absence without reason, does the page say so and the sheet say TẠM THỜI?"""
    r = make_report_round([world.committee], world.committee)
    qs = make_questions(2, essay=True)
    make_report_attempt(r, world.secretary_a, 6.0, versions=qs, picks=["a", "a"], pending=1)
    make_report_attempt(r, world.deputy_a, 7.0, versions=qs, picks=["a", "b"], essay_awarded=1.0)
    db.session.commit()
    login_as(world.secretary_a)
    page = client.get(_sheet_url(r, world.cell_a)).get_data(as_text=True)
    assert "1 bài kiểm tra còn phần tự luận chưa chấm." in page
    assert "1 đồng chí vắng chưa được ghi lý do." in page
    confirm = client.form(_sheet_url(r, world.cell_a), {"number": "1", "issued_on": "2026-02-06"})
    assert "TẠM THỜI" in confirm.get_data(as_text=True)
    report = _issue(client, r, world.cell_a, number="1")
    assert report.provisional is True
    first = pages(client.get(f"/reports/documents/{report.id}/file").data)[0]
    assert "(TẠM THỜI)" in first and "DỰ THẢO" not in first
    verify = client.application.test_client().get(f"/verify/{report.verify_code}").get_data(as_text=True)
    assert "TẠM THỜI" in verify and "chưa được ghi lý do" in verify

    # Once the essay is graded and the absence recorded, the page suggests a final replacement, which is not provisional.
    from quizapp.models import Attempt

    pending = db.session.scalar(select(Attempt).where(Attempt.person_id == world.secretary_a.id))
    pending.pending_essays, pending.classification = 0, "kha"
    db.session.add(Absence(round_id=r.id, person_id=world.member_a.id, reason_code="om", excused=True))
    db.session.commit()
    page = client.get(_sheet_url(r, world.cell_a)).get_data(as_text=True)
    assert "số liệu nay đã đầy đủ" in page and "sẽ ghi" not in page
    final = _issue(client, r, world.cell_a, number="2", reason="Bản chính thức")
    assert final.provisional is False and final.replaces_id == report.id
    assert "(TẠM THỜI)" not in pages(final.pdf)[0]


def test_issue_date_before_session_refused(world, rnd):
    """Is an issue date before the study session refused with a clear message?"""
    from datetime import date

    from quizapp.services.exceptions import InvalidInput

    with pytest.raises(InvalidInput, match="trước ngày học tập 05/02/2026"):
        documents.issue(rnd, world.cell_a, "cell_sheet", world.secretary_a, issued_on=date(2026, 2, 1))
    assert db.session.query(IssuedReport).count() == 0


def test_cli_refuses_a_non_cell(world, rnd, runner, tmp_path):
    """Does `flask reports cell-sheet` refuse a committee with one Vietnamese line (preview and --issue)?"""
    for extra in ([], ["--issue"]):
        res = runner.invoke(args=["reports", "cell-sheet", "--round", str(rnd.id), "--org", "DUCQ", *extra,
                                  "-o", str(tmp_path / "x.pdf")])
        assert res.exit_code == 1 and "không phải chi bộ" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "x.pdf").exists()
    for extra, message in ((["--date", "31/02/2026"], "Ngày ban hành “31/02/2026” không hợp lệ"),
                           (["--number", "năm"], "Số văn bản phải là số nguyên"),
                           (["--date", "2026-02-01"], "trước ngày học tập 05/02/2026")):
        res = runner.invoke(args=["reports", "cell-sheet", "--round", str(rnd.id), "--org", "CB-A", "--issue",
                                  *extra, "-o", str(tmp_path / "x.pdf")])
        assert res.exit_code == 1 and res.output.startswith("Lỗi: ")
        assert message in res.output and "\n" not in res.output.strip(), res.output
    c = world.committee  # a state-format roll-up needs the unit's NĐ 30 settings
    c.state_unit_name, c.state_abbr = "Sở Khoa học và Công nghệ", "SKHCN"
    c.state_signer_title, c.state_signer_name = "GIÁM ĐỐC", "Trần Văn Bình"
    db.session.commit()
    res = runner.invoke(args=["reports", "rollup", "--round", str(rnd.id), "--org", "DUCQ", "--issue",
                              "--date", "06/02/2026", "--state-letterhead", "-o", str(tmp_path / "r.pdf")])
    assert res.exit_code == 0, res.output
    report = db.session.scalar(select(IssuedReport))
    assert report.kind == "rollup" and report.state_format and (tmp_path / "r.pdf").read_bytes() == report.pdf


def test_downloads_are_scoped(world, rnd, login_as, client, app):
    """Can only managers of the issuing org download a document (404 for another cell, login for anonymous)?"""
    report = documents.issue(rnd, world.cell_a, "cell_sheet", world.secretary_a, reason="")
    url = f"/reports/documents/{report.id}/file"
    assert app.test_client().get(url).status_code in (302, 401)
    login_as(world.secretary_b)
    assert client.get(url).status_code == 404
    assert client.get("/reports/documents/999999/file").status_code == 404
    assert client.get(f"/reports/rounds/{rnd.id}/orgs/{world.cell_a.id}/sheet/preview").status_code == 404
    staff = login_as(world.staff, c=app.test_client())
    assert staff.get(url).data == report.pdf
    html = staff.get(f"/reports/rounds/{rnd.id}").get_data(as_text=True)
    assert url in html and report.verify_code in html


def test_verify_upload_needs_csrf_and_is_bounded(world, rnd, app, monkeypatch):
    """Is an upload without CSRF refused, an oversized one refused clearly, and no file a 422 with a message?"""
    report = documents.issue(rnd, world.cell_a, "cell_sheet", world.secretary_a)
    anon = app.test_client()
    url = f"/verify/{report.verify_code}"
    no_token = anon.post(url, data={"file": (io.BytesIO(report.pdf), "a.pdf")}, content_type="multipart/form-data")
    assert no_token.status_code == 400
    token = anon.get("/csrf-token").get_json()["csrf_token"]
    monkeypatch.setitem(app.config, "VERIFY_UPLOAD_MAX_BYTES", 1000)
    big = anon.post(url, data={"csrf_token": token, "file": (io.BytesIO(b"%PDF" + b"x" * 5000), "a.pdf")},
                    content_type="multipart/form-data")
    assert big.status_code == 413 and "Tệp quá lớn" in big.get_data(as_text=True)
    empty = anon.post(url, data={"csrf_token": token}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "Vui lòng chọn tệp PDF" in empty.get_data(as_text=True)


def test_document_issued_before_files_were_kept(world, rnd, login_as, client):
    """A record without stored bytes: is its download a clear 404 and its verify page honest about it?"""
    from datetime import date

    legacy = IssuedReport(round_id=rnd.id, org_id=world.cell_a.id, kind="cell_sheet", doc_type="BC", term="2025-2027",
                          number=9, number_label="09-BC/CB", issued_on=date(2026, 2, 6), verify_code="AAAA-BBBB-CCCC",
                          figures={"org": world.cell_a.name, "round": rnd.title}, created_at=datetime(2026, 2, 6))
    db.session.add(legacy)
    db.session.commit()
    login_as(world.secretary_a)
    resp = client.get(f"/reports/documents/{legacy.id}/file")
    assert resp.status_code == 404 and "trước khi hệ thống lưu tệp gốc" in resp.get_data(as_text=True)
    page = client.application.test_client().get("/verify/AAAA-BBBB-CCCC").get_data(as_text=True)
    assert "Không lưu" in page and "Đối chiếu tệp PDF" not in page


def test_rollup_correction_and_state_format(world, rnd):
    """Are roll-ups immutable too, with party and state letterheads as separate documents?"""
    from quizapp.services.reporting.rollup import issue_rollup

    c = world.committee
    c.state_unit_name, c.state_abbr = "Sở Khoa học và Công nghệ", "SKHCN"
    c.state_signer_title, c.state_signer_name = "GIÁM ĐỐC", "Trần Văn Bình"
    db.session.commit()
    r1, pdf1 = issue_rollup(rnd, world.committee, world.staff)
    r2, _ = issue_rollup(rnd, world.committee, world.staff, state=True)
    assert r2.replaces_id is None and r2.state_format is True
    assert r2.number_label.startswith("01/BC-SKHCN")  # the state register is the unit's own, by year
    r3, _ = issue_rollup(rnd, world.committee, world.staff, reason="Bổ sung chi bộ B")
    assert r3.replaces_id == r1.id and r3.number == r1.number + 1
    db.session.expire_all()
    assert db.session.get(IssuedReport, r1.id).pdf == pdf1


def test_racing_issuers_leave_one_current_document(app, world, rnd):
    """Do four secretaries issuing the same round's first sheet at once end with one chain: one first
    issue and the others refused (reason required) or recorded as corrections of it, numbers all distinct?"""
    import threading

    from quizapp.models import Org, StudyRound
    from quizapp.services.exceptions import InvalidInput

    round_id, org_id = rnd.id, world.cell_a.id
    barrier = threading.Barrier(4)
    outcomes, errors = [], []

    def issuer(i: int):
        with app.app_context():
            try:
                barrier.wait()
                r, o = db.session.get(StudyRound, round_id), db.session.get(Org, org_id)
                rep = documents.issue(r, o, "cell_sheet", None, reason="" if i % 2 else f"Lần {i}")
                outcomes.append(("issued", rep.number))
            except InvalidInput as exc:
                outcomes.append(("refused", exc.message))
            except Exception as exc:  # noqa: BLE001 - the assertion below reports it
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issuer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [], errors
    db.session.rollback()  # end the test's own read snapshot
    docs = db.session.scalars(select(IssuedReport).order_by(IssuedReport.id)).all()
    assert docs and len({d.number for d in docs}) == len(docs), outcomes
    assert [d.replaces_id for d in docs] == [None] + [d.id for d in docs[:-1]]
    assert len([o for o in outcomes if o[0] == "issued"]) == len(docs)
