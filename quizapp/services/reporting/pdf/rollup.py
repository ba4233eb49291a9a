"""The committee's roll-up (BÁO CÁO tổng hợp), party letterhead or state letterhead (NĐ 30)."""
from __future__ import annotations

from datetime import date

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from quizapp.services.reporting.pdf import common
from quizapp.services.reporting.pdf.common import CLASS_LABELS, esc, num, pct

LOW = colors.HexColor("#fde0e0")


def _table(data, st, width: float) -> Table:
    head = ["STT", "Chi bộ", "Phải tham gia", "Đã tham gia", "Tỷ lệ", "Đạt chỉ tiêu", "Điểm TB",
            "Giỏi", "Khá", "TB", "Chưa đạt"]
    rows = [[Paragraph(f"<b>{h}</b>", st.th_small) for h in head]]
    low_rows = []
    for i, r in enumerate(data.rows, start=1):
        if not r["met"]:
            low_rows.append(i)
        d = r["distribution"]
        rows.append([str(i), Paragraph(esc(r["name"]), st.th_small_left), num(r["required"]), num(r["took_part"]),
                     pct(r["rate"]), "Đạt" if r["met"] else "Chưa đạt",
                     "" if r["mean"] is None else num(r["mean"], 2),
                     num(d["gioi"]), num(d["kha"]), num(d["trung_binh"]), num(d["chua_dat"])])
    t = data.totals
    d = t["distribution"]
    rows.append(["", Paragraph("<b>Tổng cộng</b>", st.th_small_left), num(t["required"]), num(t["took_part"]), pct(t["rate"]),
                 "Đạt" if t["met"] else "Chưa đạt", "" if t["mean_score"] is None else num(t["mean_score"], 2),
                 num(d["gioi"]), num(d["kha"]), num(d["trung_binh"]), num(d["chua_dat"])])
    widths = [9 * mm, None, 13 * mm, 13 * mm, 16 * mm, 14 * mm, 12 * mm, 10 * mm, 10 * mm, 10 * mm, 12 * mm]
    widths[1] = width - sum(w for w in widths if w)
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = common.grid_style() + [
        ("FONTNAME", (0, 1), (-1, -1), st.family), ("FONTSIZE", (0, 1), (-1, -1), 9),
        ("ALIGN", (2, 1), (-1, -1), "RIGHT"), ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("FONTNAME", (0, -1), (-1, -1), st.family + "-Bold"),
    ]
    style += [("BACKGROUND", (0, i), (-1, i), LOW) for i in low_rows]
    table.setStyle(TableStyle(style))
    return table


def build_rollup(data, number_label: str, issued_on: date, *, state: bool = False, verify_url: str = "",
                 verify_code: str = "", margins_mm: tuple | None = None) -> bytes:
    """Render the roll-up to PDF bytes."""
    family, st, width, margins = common.setup(margins_mm)
    docs = ", ".join(data.documents)
    lh = common.Letterhead(superior=data.superior_name, issuer=data.org_name, number_label=number_label,
                           place=data.place, issued_on=issued_on, state=state)
    t = data.totals
    story = common.letterhead(lh, st, width)
    story += common.title_block("BÁO CÁO", f"Tổng hợp kết quả kiểm tra nhận thức sau học tập, quán triệt {docs}",
                                st, width)
    story += [
        Paragraph("<b>1. Kết quả chung</b>", st.head),
        Paragraph(f"Đợt học tập: {esc(data.round_title)}, ngày {data.session_date.strftime('%d/%m/%Y')}. "
                  f"Toàn {esc(data.org_name)} có {num(t['total'])} đảng viên, miễn sinh hoạt {num(t['exempt'])}, "
                  f"phải tham gia {num(t['required'])}; tham gia kiểm tra {num(t['took_part'])}/{num(t['required'])} "
                  f"đảng viên, đạt {pct(t['rate'])} (chỉ tiêu {num(data.threshold, 0)}%: "
                  f"<b>{'đạt' if t['met'] else 'chưa đạt'}</b>); trước học bù đạt {pct(t['rate_before_makeup'])}.",
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
    story.append(Paragraph("<b>4. Nội dung đảng viên nắm chưa vững</b>", st.head))
    for w in data.weakest or [{"topic": "Chưa có dữ liệu", "facility": None}]:
        tail = "" if w["facility"] is None else f": tỷ lệ trả lời đúng {pct(w['facility'])}"
        story.append(Paragraph(f"- {esc(w['topic'])}{tail}.", st.body))
    recipients = [f"- {data.superior_name} (báo cáo)," if data.superior_name else "- Cấp trên (báo cáo),",
                  "- Các chi bộ trực thuộc,", "- Lưu Văn phòng."]
    if state:
        sign_for, title = f"TM. {common.upper(data.org_name)}", "THỦ TRƯỞNG"
    else:
        sign_for, title = "T/M ĐẢNG ỦY" if data.org_kind != "chi_bo" else "T/M CHI BỘ", "BÍ THƯ"
    story += [Spacer(1, 8), KeepTogether([common.recipients_and_signature(
        recipients, sign_for, title, data.secretary_name, st, width, data.has_seal)])]
    if verify_code:
        story += [Spacer(1, 8), common.qr_block(verify_url, verify_code, st)]
    return common.build(story, margins, family, f"Báo cáo tổng hợp {number_label}")
