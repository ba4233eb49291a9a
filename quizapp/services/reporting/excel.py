"""Spreadsheet exports (.xlsx via openpyxl write-only mode, .csv UTF-8 with BOM) -> bytes.

Text cells beginning with = + - @ (or tab / carriage return) get a leading apostrophe so a
spreadsheet never runs them as formulas.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from quizapp.clock import to_local, today_local
from quizapp.permissions import PAPER_SCORE_HIDDEN, PAPER_SCORES_HIDDEN_NOTE
from quizapp.models import (
    ABSENCE_REASONS,
    CLASSIFICATIONS,
    MODES,
    PARTY_STATUSES,
    AttemptMode,
    Org,
    StudyRound,
)
from quizapp.services.reporting import queries, xlsx_rows
from quizapp.vn import format_date, format_number, nfc, truncate_rate

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
MEMBER_HEADERS = ["STT", "Mã đảng viên", "Họ và tên", "Chi bộ", "Tình trạng", "Miễn sinh hoạt", "Tham gia",
                  "Học bù", "Điểm", "Xếp loại", "Thời điểm nộp bài", "Lý do vắng", "Có lý do", "Hình thức"]
MEMBER_WIDTHS = [6, 14, 30, 34, 14, 10, 16, 8, 8, 12, 18, 30, 9, 11]
ROLLUP_HEADERS = ["STT", "Mã", "Chi bộ", "Tổng số đảng viên", "Miễn", "Phải tham gia", "Đã tham gia",
                  "Học bù", "Tỷ lệ trước học bù (%)", "Tỷ lệ sau học bù (%)", "Đạt chỉ tiêu", "Điểm trung bình",
                  "Giỏi", "Khá", "Trung bình", "Chưa đạt"]
ROLLUP_WIDTHS = [6, 12, 40, 10, 8, 10, 10, 8, 11, 11, 10, 10, 8, 8, 10, 9]
CSV_SEPARATORS = {"semicolon": ";", "comma": ","}  # ';' is what Vietnamese Excel splits on
HEAD_FONT = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="EEEEEE")
LOW_FILL = PatternFill("solid", fgColor="FDE7E8")


def safe_text(value) -> str:
    """NFC text, neutralized if a spreadsheet could read it as a formula."""
    if (type(value) is str and value.isascii() and value.isprintable() and "  " not in value
            and value[:1] != " " and value[-1:] != " "):
        # Printable ASCII with single inner spaces and none at the ends: nfc() would return it as is.
        return "'" + value if value[:1] in DANGEROUS else value
    text = nfc(value) if value is not None else ""
    raw = "" if value is None else str(value)
    # nfc() strips a leading tab/CR, so check the raw value too.
    return "'" + text if raw[:1] in DANGEROUS or text[:1] in DANGEROUS else text


def _state_text(took_part: bool, open_attempt: bool) -> str:
    if took_part:
        return "Đã tham gia"
    return "Đang làm bài" if open_attempt else "Chưa tham gia"


def member_records(rnd: StudyRound, org: Org, hide_paper: bool = False):
    """Plain per-member records (dict per row) shared by the xlsx and csv writers.

    `hide_paper`: the reader still sits the quiz (permissions.paper_scores_hidden), so the score and
    classification of a paper attempt read "Ẩn" (the record's "hidden" is True)."""
    # The rows stream through a server-side cursor (PostgreSQL): close it even when the reader stops early.
    result = queries.member_result_rows(rnd, org)
    try:
        for i, r in enumerate(result, start=1):
            (code, name, cell, status, exempt, took, open_, makeup, score, cls, pending, finished_at,
             reason_code, reason_text, excused, mode) = r
            absent = not took
            reason = ""
            if absent and reason_code:
                reason = ABSENCE_REASONS.get(reason_code, reason_code)
                if reason_text:
                    reason = reason_text if reason_code == "khac" else f"{reason}: {reason_text}"
            hidden = bool(hide_paper and took and mode == AttemptMode.PAPER)
            classification = ("Chờ chấm" if pending else CLASSIFICATIONS.get(cls or "", "")) if took else ""
            yield {
                "stt": i, "code": code, "name": name, "cell": cell,
                "status": PARTY_STATUSES.get(status, status), "exempt": "Có" if exempt else "",
                "state": _state_text(bool(took), bool(open_)), "makeup": "Có" if took and makeup else "",
                # None while an essay waits for a mark (chưa chấm); "Ẩn" for a hidden paper score.
                "score": PAPER_SCORE_HIDDEN if hidden else (score if took else None),
                "classification": PAPER_SCORE_HIDDEN if hidden else classification, "hidden": hidden,
                "finished_at": to_local(finished_at).replace(tzinfo=None) if took and finished_at else None,
                "reason": reason, "excused": ("Có" if excused else "Không") if absent and reason_code else "",
                "mode": MODES.get(mode or AttemptMode.ONLINE, "") if took else "",
            }
    finally:
        result.close()


def _head_cells(ws, headers):
    cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=h)
        c.font, c.fill = HEAD_FONT, HEAD_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")
        cells.append(c)
    return cells


def members_xlsx(rnd: StudyRound, org: Org, hide_paper: bool = False) -> bytes:
    """Per-member results of a cell or subtree as .xlsx (frozen header, filter, number/date formats).
    `hide_paper`: paper scores read "Ẩn" and a "Ghi chú" sheet says why (member_records).

    The header goes through openpyxl; the data rows through xlsx_rows (the same sheet XML, written
    without a Cell object per value)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Kết quả")
    for i, w in enumerate(MEMBER_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    ws.append(_head_cells(ws, MEMBER_HEADERS))
    rows = xlsx_rows.FastRows(ws, first_row=2)
    try:
        score_style = when_style = text_style = None
        seen_time = False
        cell_text = _memo(safe_text)  # a cell's name repeats on each of its members' rows
        n = hidden = 0
        for rec in member_records(rnd, org, hide_paper):
            n += 1
            hidden += rec["hidden"]
            # Register the styles when and in the order openpyxl's own cells did, so styles.xml is the
            # same: the 0.0 format, the default date-time format a datetime value first gets, ours.
            if score_style is None:
                score_style = rows.style("0.0")
            if not seen_time and rec["finished_at"] is not None:
                WriteOnlyCell(ws, value=rec["finished_at"])
                seen_time = True
            if when_style is None:
                when_style = rows.style("dd/mm/yyyy hh:mm")
            if rec["hidden"] and text_style is None:
                text_style = rows.style("@")
            rows.append([rec["stt"], safe_text(rec["code"]), safe_text(rec["name"]), cell_text(rec["cell"]),
                         rec["status"], rec["exempt"], rec["state"], rec["makeup"],
                         xlsx_rows.Styled(rec["score"], text_style if rec["hidden"] else score_style), rec["classification"],
                         xlsx_rows.Styled(rec["finished_at"], when_style), safe_text(rec["reason"]), rec["excused"],
                         rec["mode"]])
        ws.auto_filter.ref = f"A1:{get_column_letter(len(MEMBER_HEADERS))}{n + 1}"
        if hidden:
            note = wb.create_sheet("Ghi chú")
            note.append([f"{PAPER_SCORE_HIDDEN}: {PAPER_SCORES_HIDDEN_NOTE}"])
        return xlsx_rows.save(wb, [rows])
    except BaseException:
        rows.close()  # the temporary file of the rows
        raise


def _memo(fn):
    """fn with its results kept for repeated arguments (for the few distinct values of a column)."""
    seen: dict = {}

    def call(value):
        try:
            return seen[value]
        except KeyError:
            seen[value] = out = fn(value)
            return out
    return call


def members_csv(rnd: StudyRound, org: Org, separator: str = ";", hide_paper: bool = False) -> bytes:
    """Per-member results as CSV, UTF-8 with BOM so Excel shows the diacritics.

    `hide_paper`: paper scores read "Ẩn" and a last line (after an empty one) says why.

    `;` by default: Excel set to Vietnamese (decimal comma) splits on `;` and would show a
    comma file in one column; `,` stays available for other tools.
    """
    if separator not in CSV_SEPARATORS.values():
        raise ValueError(f"unsupported CSV separator {separator!r}")
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=separator, lineterminator="\r\n")
    w.writerow(MEMBER_HEADERS)
    hidden = False
    cell_text = _memo(safe_text)  # a cell's name repeats on each of its members' rows
    for rec in member_records(rnd, org, hide_paper):
        hidden = hidden or rec["hidden"]
        when: datetime | None = rec["finished_at"]
        w.writerow([rec["stt"], safe_text(rec["code"]), safe_text(rec["name"]), cell_text(rec["cell"]),
                    rec["status"], rec["exempt"], rec["state"], rec["makeup"],
                    _csv_score(rec), rec["classification"],
                    when.strftime("%d/%m/%Y %H:%M") if when else "", safe_text(rec["reason"]), rec["excused"],
                    rec["mode"]])
    if hidden:
        w.writerow([])
        w.writerow([f"{PAPER_SCORE_HIDDEN}: {PAPER_SCORES_HIDDEN_NOTE}"])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _csv_score(rec: dict) -> str:
    if rec["hidden"]:
        return rec["score"]
    return "" if rec["score"] is None else format_number(rec["score"], 1)


def rollup_xlsx(data, issued_on: date | None = None, number_label: str = "") -> bytes:
    """The roll-up table: title rows (organization, round, date, number), one row per cell with
    make-up columns, totals; cells below threshold highlighted and first."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Tổng hợp")
    for i, w in enumerate(ROLLUP_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    title_rows = [
        safe_text(nfc(data.org_name).upper()),
        "BẢNG TỔNG HỢP KẾT QUẢ KIỂM TRA NHẬN THỨC",
        safe_text(f"Đợt học tập: {nfc(data.round_title)}; ngày học tập: {format_date(data.session_date)}"),
        f"Ngày lập: {format_date(issued_on or today_local())}",
        f"Số văn bản: {number_label}" if number_label else "Số văn bản: chưa ban hành (bản làm việc)",
    ]
    for n, text in enumerate(title_rows):
        cell = WriteOnlyCell(ws, value=text)
        if n < 2:
            cell.font = HEAD_FONT
        ws.append([cell])
    ws.append([])
    head_row = len(title_rows) + 2
    ws.freeze_panes = f"A{head_row + 1}"
    ws.append(_head_cells(ws, ROLLUP_HEADERS))

    # The cell rows and the totals through xlsx_rows; each style registered in the order openpyxl's
    # own cells registered it (cell by cell, row by row), so styles.xml stays the same.
    rows = xlsx_rows.FastRows(ws, first_row=head_row + 1)
    try:
        style_ids: dict = {}

        def numcell(value, fmt="0", fill=None, font=None):
            key = (fmt, fill is not None, font is not None)
            sid = style_ids.get(key)
            if sid is None:
                sid = style_ids[key] = rows.style(fmt, fill=fill, font=font)
            return xlsx_rows.Styled(value, sid)

        for i, r in enumerate(data.rows, start=1):
            low = not r["met"]
            fill = LOW_FILL if low else None
            vals = [numcell(i, fill=fill), numcell(safe_text(r["code"]), "@", fill), numcell(safe_text(r["name"]), "@", fill)]
            vals += [numcell(r[k], fill=fill) for k in ("total", "exempt", "required", "took_part", "made_up")]
            vals += [numcell(truncate_rate(r["rate_before_makeup"]), "0.00", fill),
                     numcell(truncate_rate(r["rate"]), "0.00", fill), numcell("Đạt" if r["met"] else "Chưa đạt", "@", fill),
                     numcell(None if r["mean"] is None else round(r["mean"], 2), "0.00", fill)]
            vals += [numcell(r["distribution"][k], fill=fill) for k in queries.CLASS_KEYS]
            rows.append(vals)
        t = data.totals

        def total(value, fmt="0"):
            return numcell(value, fmt, font=HEAD_FONT)

        total_row = [total(None), total(""), total("Tổng cộng")]
        total_row += [total(t[k]) for k in ("total", "exempt", "required", "took_part", "made_up")]
        total_row += [total(truncate_rate(t["rate_before_makeup"]), "0.00"), total(truncate_rate(t["rate"]), "0.00"),
                      total("Đạt" if t["met"] else "Chưa đạt"), total(t["mean_score"], "0.00")]
        total_row += [total(t["distribution"][k]) for k in queries.CLASS_KEYS]
        rows.append(total_row)
        ws.auto_filter.ref = f"A{head_row}:{get_column_letter(len(ROLLUP_HEADERS))}{head_row + len(data.rows)}"
        people = wb.create_sheet("Cá nhân xuất sắc")
        people.append(_head_cells(people, ["STT", "Họ và tên", "Chi bộ", "Điểm"]))
        for i, p in enumerate(data.outstanding_people, start=1):
            sc = WriteOnlyCell(people, value=p["score"])
            sc.number_format = "0.0"
            people.append([i, safe_text(p["name"]), safe_text(p["cell"]), sc])
        return xlsx_rows.save(wb, [rows])
    except BaseException:
        rows.close()
        raise
