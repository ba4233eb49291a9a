"""The per-cell result sheet (BÁO CÁO kết quả kiểm tra nhận thức), party format per HD 36."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

from quizapp.services.reporting.pdf import common
from quizapp.services.reporting.items import PDF_COVERAGE
from quizapp.services.reporting.pdf.common import CLASS_LABELS, esc, num, pct, rate

FORMS = {"truc_tiep": "trực tiếp", "truc_tuyen": "trực tuyến", "ket_hop": "kết hợp trực tiếp và trực tuyến"}


@dataclass
class MemberLine:
    """One row of the appendix table."""

    name: str
    status: str          # Chính thức / Dự bị
    participation: str   # Đã tham gia / Học bù / the absence reason
    score: float | None
    classification: str


@dataclass
class SheetData:
    """Everything a cell sheet prints; plain values only (built by reporting.sheets)."""

    letterhead: common.Letterhead
    cell_name: str
    superior_name: str
    round_title: str
    documents: list[str]
    session_date: date
    form: str
    place: str
    figures: dict
    excused: list[tuple[str, str]] = field(default_factory=list)     # (name, reason)
    unexcused: list[tuple[str, str]] = field(default_factory=list)
    made_up: list[str] = field(default_factory=list)
    weakest: list[dict] = field(default_factory=list)
    members: list[MemberLine] = field(default_factory=list)
    secretary_name: str = ""
    recipient: str = ""          # the receiving body, e.g. "Đảng ủy Khối các cơ quan tỉnh"
    has_seal: bool = False
    verify_url: str = ""
    verify_code: str = ""


def _names(items: list[tuple[str, str]]) -> str:
    return "; ".join(f"{esc(n)} ({esc(r)})" for n, r in items)


def _participation(d: SheetData, st) -> list:
    f = d.figures
    out = [Paragraph("<b>II. KẾT QUẢ THAM GIA</b>", st.head),
           Paragraph(f"- Tổng số đảng viên: {num(f['total'])}; miễn công tác và sinh hoạt đảng: {num(f['exempt'])}; "
                     f"số đảng viên phải tham gia: {num(f['required'])}.", st.body),
           Paragraph(f"- Tham gia kiểm tra: {num(f['took_part'])}/{num(f['required'])} đảng viên, "
                     f"đạt {rate(f['rate'])} (chỉ tiêu {num(f['threshold'], 0)}%: "
                     f"<b>{'đạt' if f['met'] else 'chưa đạt'}</b>).", st.body)]
    if f["made_up"]:
        out.append(Paragraph(
            f"- Trước học bù: {num(f['took_part_on_time'])}/{num(f['required'])} đảng viên, đạt "
            f"{rate(f['rate_before_makeup'])}; học bù: {num(f['made_up'])} đảng viên "
            f"({esc(', '.join(d.made_up))}); sau học bù đạt {rate(f['rate'])}.", st.body))
    absent = f["required"] - f["took_part"]
    text = f"- Vắng: {num(absent)} đồng chí"
    if absent:
        text += f"; có lý do: {num(len(d.excused))}"
        if d.excused:
            text += f" ({_names(d.excused)})"
        text += f"; không lý do: {num(len(d.unexcused))}"
        if d.unexcused:
            text += f" ({_names(d.unexcused)})"
    out.append(Paragraph(text + ".", st.body))
    return out


def _results(d: SheetData, st) -> list:
    f = d.figures
    tested = f["tested"]
    mean = "—" if f["mean_score"] is None else num(f["mean_score"], 2)
    out = [Paragraph("<b>III. KẾT QUẢ KIỂM TRA</b>", st.head),
           Paragraph(f"- Số đảng viên có kết quả: {num(tested)}; điểm trung bình: {mean}/10.", st.body)]
    parts = []
    for k, label in CLASS_LABELS.items():
        n = f["distribution"].get(k, 0)
        share = 100.0 * n / tested if tested else 0.0
        parts.append(f"{label} {num(n)}/{num(tested)} ({pct(share)})")
    out.append(Paragraph("- Xếp loại: " + "; ".join(parts) + ".", st.body))
    if tested:
        out.append(common.distribution_chart(f["distribution"], st.family))
    essay = f"- Bài thu hoạch: đã nộp {num(f['essays_submitted'])}, đã chấm {num(f['essays_graded'])}"
    if f.get("pending"):
        essay += f"; {num(f['pending'])} bài kiểm tra đang chờ chấm phần tự luận"
    out.append(Paragraph(essay + ".", st.body))
    return out


def _weakest(d: SheetData, st) -> list:
    out = [Paragraph("<b>IV. NỘI DUNG ĐẢNG VIÊN NẮM CHƯA VỮNG</b>", st.head)]
    if not d.weakest:
        out.append(Paragraph("- Chưa có dữ liệu.", st.body))
    for w in d.weakest:
        out.append(Paragraph(f"- {esc(w['topic'])}: tỷ lệ trả lời đúng {pct(w['facility'])}.", st.body))
    if d.weakest:
        out.append(Paragraph(f"<i>{esc(PDF_COVERAGE)}</i>", st.body))
    out.append(Paragraph("Đề nghị tiếp tục quán triệt, làm rõ các nội dung trên trong buổi sinh hoạt chi bộ tới.", st.body))
    return out


def _appendix(d: SheetData, st, width: float) -> list:
    head = ["STT", "Họ và tên", "Tình trạng", "Tham gia / lý do", "Điểm", "Xếp loại"]
    rows = [[Paragraph(f"<b>{h}</b>", st.cell_c) for h in head]]
    # Short cells are plain strings (drawn literally, no markup parsing: a third of the time);
    # only the cells that may wrap (name, reason) are Paragraphs, escaped.
    for i, m in enumerate(d.members, start=1):
        rows.append([str(i), Paragraph(esc(m.name), st.cell), m.status, Paragraph(esc(m.participation), st.cell),
                     "" if m.score is None else num(m.score, 1), m.classification])
    widths = [11 * mm, 48 * mm, 25 * mm, 40 * mm, 14 * mm]
    widths.append(width - sum(widths))
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(common.grid_style() + [
        ("FONTNAME", (0, 1), (-1, -1), st.cell.fontName), ("FONTSIZE", (0, 1), (-1, -1), st.cell.fontSize),
        ("ALIGN", (0, 1), (0, -1), "CENTER"), ("ALIGN", (4, 1), (4, -1), "CENTER"),
    ]))
    title = Paragraph("<b>PHỤ LỤC: DANH SÁCH ĐẢNG VIÊN VÀ KẾT QUẢ KIỂM TRA</b>", st.center)
    sub = Paragraph(f"(Kèm theo Báo cáo số {esc(d.letterhead.number_label)} ngày "
                    f"{d.letterhead.issued_on.strftime('%d/%m/%Y')} của {esc(d.cell_name)})", st.center)
    return [PageBreak(), title, sub, Spacer(1, 6), table]


def build_cell_sheet(d: SheetData, margins_mm: tuple | None = None) -> bytes:
    """Render the sheet to PDF bytes."""
    family, st, width, margins = common.setup(margins_mm)
    docs = ", ".join(d.documents)
    story = common.letterhead(d.letterhead, st, width)
    story += common.title_block("BÁO CÁO", f"kết quả kiểm tra nhận thức sau học tập, quán triệt {docs}", st, width)
    story += [
        Paragraph("<b>I. TÌNH HÌNH TỔ CHỨC HỌC TẬP</b>", st.head),
        Paragraph(f"Ngày {esc(d.session_date.strftime('%d/%m/%Y'))}, {esc(d.cell_name)} tổ chức học tập, quán triệt "
                  f"{esc(docs)} ({esc(d.round_title)}) theo hình thức {esc(FORMS.get(d.form, d.form))}"
                  + (f" tại {esc(d.place)}" if d.place else "")
                  + "; ngay sau buổi học, đảng viên làm bài kiểm tra nhận thức.", st.body),
    ]
    story += _participation(d, st)
    story += _results(d, st)
    story += _weakest(d, st)
    last = Paragraph(f"Trên đây là báo cáo kết quả kiểm tra nhận thức sau học tập của {esc(d.cell_name)}.", st.body)
    bottom = common.recipients_and_signature(
        [f"- {d.recipient or d.superior_name} (báo cáo),", "- Lưu Chi bộ."], "T/M CHI BỘ", "BÍ THƯ", d.secretary_name,
        st, width, d.has_seal)
    story.append(common.closing([last], bottom))
    if d.verify_code:
        story += [Spacer(1, 8), common.qr_block(d.verify_url, d.verify_code, st)]
    story += _appendix(d, st, width)
    return common.build(story, margins, family, f"Báo cáo {d.letterhead.number_label}")
