"""The committee's roll-up (BÁO CÁO tổng hợp), party letterhead or state letterhead (NĐ 30)."""
from __future__ import annotations

from datetime import date

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from quizapp.models import OrgKind
from quizapp.services.reporting.pdf import common
from quizapp.services.reporting.items import PDF_COVERAGE
from quizapp.services.reporting.pdf.common import CLASS_LABELS, esc, num, pct, rate

LOW = colors.HexColor("#fde0e0")
HEAD = ["STT", "Chi bộ", "Phải tham gia", "Đã tham gia", "Tỷ lệ", "Đạt chỉ tiêu", "Điểm TB",
        "Giỏi", "Khá", "TB", "Chưa đạt"]
NAME_COL = 1
PAD = 3               # left and right cell padding (pt), as in common.grid_style
MIN_NAME_WIDTH = 32 * mm
SIZES = (9, 8.5, 8, 7.5, 7)


def _row_values(r: dict, totals: bool = False) -> list[str]:
    d = r["distribution"]
    mean = r["mean_score"] if totals else r["mean"]
    return [num(r["required"]), num(r["took_part"]), rate(r["rate"]), "Đạt" if r["met"] else "Chưa đạt",
            "" if mean is None else num(mean, 2), num(d["gioi"]), num(d["kha"]), num(d["trung_binh"]),
            num(d["chua_dat"])]


def column_widths(head: list[str], body: list[list[str]], family: str, width: float,
                  size: float) -> list[float] | None:
    """Widths that hold every plain cell on one line and every header word unbroken at `size`;
    the name column takes the rest. None if the name column would be narrower than MIN_NAME_WIDTH."""
    widths = []
    for col, title in enumerate(head):
        if col == NAME_COL:
            widths.append(0.0)
            continue
        words = title.split()
        need = max(stringWidth(w, family + "-Bold", size) for w in words)
        for row in body:
            font = family + "-Bold" if row is body[-1] else family
            need = max(need, stringWidth(row[col], font, size))
        widths.append(need + 2 * PAD + 1)
    rest = width - sum(widths)
    if rest < MIN_NAME_WIDTH:
        return None
    widths[NAME_COL] = rest
    return widths


def _table(data, st, width: float) -> Table:
    """One row per cell, then totals; columns sized from the text they hold (shrunk if need be)."""
    body = [[str(i), r["name"], *_row_values(r)] for i, r in enumerate(data.rows, start=1)]
    body.append(["", "Tổng cộng", *_row_values(data.totals, totals=True)])
    for size in SIZES:
        widths = column_widths(HEAD, body, st.family, width, size)
        if widths:
            break
    else:  # absurdly many digits: smallest size, equal share of what is left
        size = SIZES[-1]
        widths = [width / len(HEAD)] * len(HEAD)
    th = ParagraphStyle("rth", parent=st.th_small, fontSize=size, leading=size * 1.2)
    name = ParagraphStyle("rname", parent=st.th_small_left, fontSize=size, leading=size * 1.2)
    rows = [[Paragraph(f"<b>{h}</b>", th) for h in HEAD]]
    low_rows = []
    for i, (r, values) in enumerate(zip(data.rows, body), start=1):
        if not r["met"]:
            low_rows.append(i)
        rows.append([values[0], Paragraph(esc(r["name"]), name), *values[2:]])
    rows.append(["", Paragraph("<b>Tổng cộng</b>", name), *body[-1][2:]])
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = common.grid_style() + [
        ("FONTNAME", (0, 1), (-1, -1), st.family), ("FONTSIZE", (0, 1), (-1, -1), size),
        ("ALIGN", (2, 1), (-1, -1), "RIGHT"), ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("ALIGN", (5, 1), (5, -1), "CENTER"),
        ("FONTNAME", (0, -1), (-1, -1), st.family + "-Bold"),
    ]
    style += [("BACKGROUND", (0, i), (-1, i), LOW) for i in low_rows]
    table.setStyle(TableStyle(style))
    return table


def build_rollup(data, number_label: str, issued_on: date, *, state: bool = False, verify_url: str = "",
                 verify_code: str = "", margins_mm: tuple | None = None) -> bytes:
    """Render the roll-up to PDF bytes (`data.state_identity` is required for the state letterhead)."""
    family, st, width, margins = common.setup(margins_mm)
    docs = ", ".join(data.documents)
    sid = data.state_identity if state else None
    if sid is not None:
        lh = common.Letterhead(superior=sid.superior, issuer=sid.unit, number_label=number_label,
                               place=sid.place, issued_on=issued_on, state=True)
    else:
        lh = common.Letterhead(superior=data.superior_name, issuer=data.org_name, number_label=number_label,
                               place=data.place, issued_on=issued_on, state=False)
    t = data.totals
    story = common.letterhead(lh, st, width)
    story += common.title_block("BÁO CÁO", f"tổng hợp kết quả kiểm tra nhận thức sau học tập, quán triệt {docs}",
                                st, width, state=state)
    story += [
        Paragraph("<b>1. Kết quả chung</b>", st.head),
        Paragraph(f"Đợt học tập: {esc(data.round_title)}, ngày {data.session_date.strftime('%d/%m/%Y')}. "
                  f"Toàn {esc(data.org_name)} có {num(t['total'])} đảng viên, miễn sinh hoạt {num(t['exempt'])}, "
                  f"phải tham gia {num(t['required'])}; tham gia kiểm tra {num(t['took_part'])}/{num(t['required'])} "
                  f"đảng viên, đạt {rate(t['rate'])} (chỉ tiêu {num(data.threshold, 0)}%: "
                  f"<b>{'đạt' if t['met'] else 'chưa đạt'}</b>); trước học bù đạt {rate(t['rate_before_makeup'])}"
                  f"; học bù {num(t['made_up'])} đảng viên.",
                  st.body),
    ]
    tested = t["tested"]
    dist = "; ".join(f"{label} {num(t['distribution'][k])}/{num(tested)} "
                     f"({pct(100.0 * t['distribution'][k] / tested if tested else 0)})"
                     for k, label in CLASS_LABELS.items())
    mean = "—" if t["mean_score"] is None else num(t["mean_score"], 2)
    story.append(Paragraph(f"Số đảng viên có kết quả: {num(tested)}; điểm trung bình {mean}; xếp loại: {dist}. "
                           f"Bài thu hoạch: đã nộp {num(t['essays_submitted'])}, đã chấm {num(t['essays_graded'])}.",
                           st.body))
    story.append(Paragraph(f"<b>2. Chi bộ chưa đạt chỉ tiêu {num(data.threshold, 0)}%</b>: "
                           f"{num(len(data.below))}/{num(len(data.rows))} chi bộ (tô màu, xếp đầu bảng).", st.plain))
    story += [Spacer(1, 4), _table(data, st, width), Spacer(1, 6)]
    story.append(Paragraph("<b>3. Tập thể, cá nhân có kết quả xuất sắc</b>", st.head))
    if data.outstanding_units:
        story.append(Paragraph("- Tập thể (100% đảng viên tham gia, điểm trung bình cao): " + "; ".join(
            f"{esc(u['name'])} ({num(u['mean'], 2)})" for u in data.outstanding_units[:30]) + ".", st.body))
    if data.outstanding_people:
        story.append(Paragraph("- Cá nhân: " + "; ".join(
            f"{esc(p['name'])} – {esc(p['cell'])} ({num(p['score'], 1)})" for p in data.outstanding_people[:60])
            + ".", st.body))
    if not data.outstanding_units and not data.outstanding_people:
        story.append(Paragraph("- Chưa có.", st.body))
    # Section 4 (at most a handful of lines) goes with the signature: a heading or the
    # signature never stands alone (keepWithNext does not reach into a KeepTogether).
    weak = [Paragraph("<b>4. Nội dung đảng viên nắm chưa vững</b>", st.head)]
    weak += [Paragraph(f"- {esc(w['topic'])}"
                      + ("" if w["facility"] is None else f": tỷ lệ trả lời đúng {pct(w['facility'])}") + ".", st.body)
            for w in data.weakest or [{"topic": "Chưa có dữ liệu", "facility": None}]]
    if data.weakest:
        weak.append(Paragraph(f"<i>{esc(PDF_COVERAGE)}</i>", st.body))
    if sid is not None:
        recipients = [f"- {sid.superior} (báo cáo)," if sid.superior else f"- {data.recipient} (báo cáo),",
                      "- Các chi bộ trực thuộc;", "- Lưu: VT."]
        bottom = common.recipients_and_signature(recipients, "", "\n".join(sid.signer_lines), sid.signer_name,
                                                 st, width, data.has_seal, state=True)
    else:
        recipients = [f"- {data.recipient} (báo cáo),", "- Các chi bộ trực thuộc,", "- Lưu Văn phòng."]
        sign_for = "T/M ĐẢNG ỦY" if data.org_kind != OrgKind.CHI_BO else "T/M CHI BỘ"
        bottom = common.recipients_and_signature(recipients, sign_for, "BÍ THƯ", data.secretary_name,
                                                 st, width, data.has_seal)
    story.append(common.closing(weak, bottom))
    if verify_code:
        story += [Spacer(1, 8), common.qr_block(verify_url, verify_code, st)]
    return common.build(story, margins, family, f"Báo cáo tổng hợp {number_label}")
