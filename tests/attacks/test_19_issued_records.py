"""Checklist item 19: a record changed after it was issued (re-issue under the same number or code,
changes to absences and exemptions after the sheet went out)."""
from __future__ import annotations

import hashlib
import io
from datetime import timedelta

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Absence, IssuedReport
from quizapp.services import history
from tests.factories import make_questions, make_report_attempt, make_report_round


def _upload(c, code: str, data: bytes):
    token = c.get("/csrf-token").get_json()["csrf_token"]
    return c.post(f"/verify/{code}", data={"csrf_token": token, "file": (io.BytesIO(data), "bao-cao.pdf")},
                  content_type="multipart/form-data")


def test_19_records_changed_after_issue(app, world, login_as, client):
    """After a sheet is issued and the records behind it change, does the printed code still verify to the
    figures and file issued; can nobody re-issue under that number or code; does a correction take a new
    number and code that the old one names?"""
    rnd = make_report_round([world.committee], world.committee)
    qs = make_questions(2)
    make_report_attempt(rnd, world.secretary_a, 9.0, versions=qs, picks=["a", "a"])
    make_report_attempt(rnd, world.deputy_a, 5.0, versions=qs, picks=["a", "b"])
    db.session.add(Absence(round_id=rnd.id, person_id=world.member_a.id, reason_code="khac",
                           reason_text="Không báo", excused=False))
    db.session.commit()
    login_as(world.secretary_a)
    url = f"/reports/rounds/{rnd.id}/orgs/{world.cell_a.id}/sheet"
    assert client.form(url, {"number": "1", "issued_on": "2026-02-06", "confirm": "1"}).status_code == 303
    issued = db.session.scalar(select(IssuedReport))
    code, sha = issued.verify_code, issued.sha256
    printed = client.get(f"/reports/documents/{issued.id}/file").data
    assert hashlib.sha256(printed).hexdigest() == sha

    # The records change after issue: the absence becomes excused, the deputy is declared exempt.
    absence = db.session.scalar(select(Absence))
    absence.reason_code, absence.excused = "om", True
    # Dated from before the session, as a staff override would record it (services.history).
    history.set_exemption(world.deputy_a, True, "Ốm dài ngày", rnd.session_date - timedelta(days=30))
    db.session.commit()

    # Re-issue under the same number: refused, and the issued record is untouched.
    again = client.form(url, {"number": "1", "issued_on": "2026-02-06", "confirm": "1", "reason": "Sửa"})
    assert again.status_code == 422 and "không dùng lại" in again.get_data(as_text=True)
    db.session.expire_all()
    same = db.session.get(IssuedReport, issued.id)
    assert (same.verify_code, same.sha256, same.pdf) == (code, sha, printed)

    anon = app.test_client()
    page = anon.get(f"/verify/{code}").get_data(as_text=True)
    assert "2/3 đảng viên, đạt" in page and "66,66%" in page and "0 / 1" in page and sha in page
    assert client.get(f"/reports/documents/{issued.id}/file").data == printed
    assert "trùng khớp từng byte" in _upload(anon, code, printed).get_data(as_text=True)
    forged = printed + "\n% sửa sau khi ban hành\n".encode()
    assert "KHÔNG phải bản đã cấp" in _upload(anon, code, forged).get_data(as_text=True)

    # A correction: new number, new code, names the old one; the old code says it was replaced.
    assert client.form(url, {"number": "2", "issued_on": "2026-02-07", "confirm": "1",
                             "reason": "Cập nhật lý do vắng và miễn sinh hoạt"}).status_code == 303
    new = db.session.scalars(select(IssuedReport).order_by(IssuedReport.id.desc())).first()
    assert new.replaces_id == issued.id and new.verify_code != code and new.number_label == "02-BC/CB"
    old = anon.get(f"/verify/{code}").get_data(as_text=True)
    assert "đã được thay thế bởi Số 02-BC/CB" in old and "66,66%" in old
    # The old file is still the one that verifies against the old code; the new file does not.
    assert "trùng khớp từng byte" in _upload(anon, code, printed).get_data(as_text=True)
    wrong = _upload(anon, code, new.pdf).get_data(as_text=True)
    assert "KHÔNG phải bản đã cấp" in wrong and "bản đã cấp của một văn bản khác" in wrong and "Số 02-BC/CB" in wrong
    # A second correction of the same (already replaced) document is impossible: the chain has one head.
    assert client.form(url, {"number": "3", "issued_on": "2026-02-08", "confirm": "1",
                             "reason": "Lần nữa"}).status_code == 303
    third = db.session.scalars(select(IssuedReport).order_by(IssuedReport.id.desc())).first()
    assert third.replaces_id == new.id
