"""Roster files: read .csv/.xlsx uploads safely into plain rows, and build the template workbook.

Everything is bounded before parsing: byte size, row count, and for .xlsx the zip structure and
the total uncompressed size (a zip bomb is refused before openpyxl sees it).
"""
from __future__ import annotations

import csv
import io
import json
import re
import secrets
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from quizapp.services.exceptions import InvalidInput
from quizapp.vn import nfc, strip_diacritics

MAX_COLUMNS = 40

# field -> (header as written in the template, accepted spellings after normalization)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "full_name": ("Họ và tên", ("ho va ten", "ho ten", "ho va ten dang vien")),
    "member_code": ("Số thẻ đảng viên", ("so the dang vien", "so the", "ma dang nhap", "ma dang vien")),
    "date_of_birth": ("Ngày sinh", ("ngay sinh", "ngay thang nam sinh")),
    "phone": ("Điện thoại", ("dien thoai", "so dien thoai", "sdt")),
    "email": ("Email", ("email", "e-mail", "thu dien tu")),
    "party_status": ("Tình trạng", ("tinh trang", "tinh trang dang vien")),
    "exempt": ("Miễn sinh hoạt", ("mien sinh hoat", "mien cong tac va sinh hoat dang", "mien")),
    "exempt_reason": ("Lý do miễn", ("ly do mien", "ly do mien sinh hoat")),
    "org_code": ("Mã chi bộ", ("ma chi bo", "chi bo")),
    "effective_date": ("Ngày hiệu lực", ("ngay hieu luc", "hieu luc tu ngay", "ngay thay doi")),
}
REQUIRED = ("full_name", "member_code")

_PAREN = re.compile(r"\(.*?\)")


@dataclass
class RawTable:
    """A file's rows as plain values: `columns` maps field -> column index; rows keep file numbers."""

    columns: dict[str, int]
    rows: list[tuple[int, list]]  # (row number in the file, cell values)

    def value(self, row: list, field: str):
        """The cell of `field` in `row`, or None when the column is absent."""
        idx = self.columns.get(field)
        if idx is None or idx >= len(row):
            return None
        return row[idx]


def normalize_header(text) -> str:
    """'  HỌ VÀ TÊN (*) ' -> 'ho va ten': case, spaces, diacritics and notes do not matter."""
    text = _PAREN.sub(" ", nfc(str(text or "")))
    text = strip_diacritics(text).lower().replace("*", " ").replace(":", " ")
    return " ".join(text.split())


def _match_columns(header: list) -> dict[str, int]:
    lookup = {alias: field for field, (_, aliases) in COLUMNS.items() for alias in aliases}
    columns: dict[str, int] = {}
    duplicates = []
    for idx, cell in enumerate(header):
        field = lookup.get(normalize_header(cell))
        if field is None:
            continue
        if field in columns:
            duplicates.append(COLUMNS[field][0])
            continue
        columns[field] = idx
    if duplicates:
        raise InvalidInput("Cột bị lặp lại trong dòng tiêu đề: " + ", ".join(duplicates) + ".")
    missing = [COLUMNS[f][0] for f in REQUIRED if f not in columns]
    if missing:
        raise InvalidInput(
            "Tệp thiếu cột bắt buộc: " + ", ".join(f"“{m}”" for m in missing)
            + ". Dòng đầu tiên phải là dòng tiêu đề như trong tệp mẫu."
        )
    return columns


def _blank(values: list) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _table(numbered_rows, max_rows: int) -> RawTable:
    """First non-empty row is the header; blank rows are skipped but keep their numbers."""
    header, rows = None, []
    for number, values in numbered_rows:
        values = list(values[:MAX_COLUMNS])
        if _blank(values):
            continue
        if header is None:
            header = values
            continue
        if len(rows) >= max_rows:
            raise InvalidInput(
                f"Tệp có hơn {max_rows:,} dòng dữ liệu, vượt giới hạn cho một lần nhập. "
                "Hãy chia thành nhiều tệp nhỏ hơn.".replace(",", ".")
            )
        rows.append((number, values))
    if header is None:
        raise InvalidInput("Tệp trống: không có dòng tiêu đề và dữ liệu.")
    table = RawTable(_match_columns(header), rows)
    if not rows:
        raise InvalidInput("Tệp chỉ có dòng tiêu đề, chưa có đảng viên nào.")
    return table


def _read_csv(data: bytes, max_rows: int) -> RawTable:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            "Tệp không phải UTF-8. Hãy lưu lại tệp CSV với mã hóa UTF-8 "
            "(trong Excel: Lưu thành → “CSV UTF-8”), hoặc dùng tệp .xlsx theo mẫu."
        ) from None
    if "\x00" in text:
        raise InvalidInput("Tệp CSV chứa ký tự không hợp lệ (có thể là tệp nhị phân đổi đuôi).")
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table(((reader.line_num, row) for row in reader), max_rows)
    except csv.Error as exc:
        raise InvalidInput(f"Tệp CSV không đúng định dạng (dòng {reader.line_num}).") from exc


def _check_zip(data: bytes, max_uncompressed: int) -> None:
    buffer = io.BytesIO(data)
    if not zipfile.is_zipfile(buffer):
        raise InvalidInput(
            "Tệp .xlsx không hợp lệ (không phải tệp Excel thật, có thể bị hỏng hoặc đổi đuôi). "
            "Hãy mở bằng Excel và lưu lại dạng .xlsx, hoặc lưu thành CSV UTF-8."
        )
    try:
        with zipfile.ZipFile(buffer) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InvalidInput("Tệp .xlsx bị hỏng, không đọc được.") from None
    total = sum(i.file_size for i in infos)
    if len(infos) > 1000 or total > max_uncompressed:
        raise InvalidInput(
            "Tệp .xlsx quá lớn khi giải nén (vượt giới hạn an toàn). "
            "Hãy chỉ giữ danh sách đảng viên trong tệp, hoặc chia nhỏ tệp."
        )


def _read_xlsx(data: bytes, max_rows: int, max_uncompressed: int) -> RawTable:
    _check_zip(data, max_uncompressed)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for broken packages; all mean "unreadable"
        raise InvalidInput("Không đọc được tệp Excel. Hãy mở bằng Excel, lưu lại dạng .xlsx rồi thử lại.") from None
    try:
        sheet = workbook.worksheets[0]
        # The <dimension> a writer stored may be stale (read-only mode would stop at it): read to the end.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        return _table(((n, list(r)) for n, r in enumerate(rows, start=1)), max_rows)
    except InvalidInput:
        raise
    except Exception:
        raise InvalidInput("Không đọc được nội dung tệp Excel. Hãy lưu lại tệp theo mẫu rồi thử lại.") from None
    finally:
        workbook.close()


def read_table(filename: str, data: bytes, *, max_bytes: int, max_rows: int, max_uncompressed: int) -> RawTable:
    """Parse an uploaded roster (.csv or .xlsx) into a RawTable; raises InvalidInput with a clear message."""
    name = (filename or "").lower()
    if not data:
        raise InvalidInput("Chưa chọn tệp, hoặc tệp rỗng.")
    if len(data) > max_bytes:
        raise InvalidInput(f"Tệp quá lớn (tối đa {max_bytes // (1024 * 1024)} MB).")
    if name.endswith(".csv"):
        return _read_csv(data, max_rows)
    if name.endswith(".xlsx"):
        return _read_xlsx(data, max_rows, max_uncompressed)
    raise InvalidInput("Chỉ nhận tệp .xlsx hoặc .csv (UTF-8) theo mẫu.")


TEMPLATE_NOTES = [
    ("Họ và tên", "Bắt buộc. Họ đệm và tên, ví dụ: Nguyễn Thị Ngọc Ánh."),
    ("Số thẻ đảng viên", ("Bắt buộc, không trùng nhau; dùng làm tên đăng nhập. Chữ số, chữ cái không dấu, . - _ /; tối đa 40 ký tự. "
                         "Người đã có trong hệ thống (cùng số thẻ) được cập nhật, không tạo trùng.")),
    ("Ngày sinh", "dd/mm/yyyy (ví dụ 05/02/1975) hoặc ô ngày của Excel. Có thể để trống."),
    ("Điện thoại", "Có thể để trống."),
    ("Email", "Có thể để trống; nếu có phải đúng dạng ten@mien.vn."),
    ("Tình trạng", ("Chính thức / Dự bị / Không phải đảng viên (viết hoa, thường, có dấu hay không dấu đều được). "
                   "Để trống: người mới là Chính thức, người cũ giữ nguyên.")),
    ("Miễn sinh hoạt", "Có / Không. Đảng viên được miễn công tác và sinh hoạt đảng không tính vào số phải tham gia."),
    ("Lý do miễn", "Ví dụ: tuổi cao, sức khỏe yếu. Chỉ dùng khi Miễn sinh hoạt là Có."),
    ("Mã chi bộ", ("Mã chi bộ trong hệ thống (ví dụ CB-A). Bí thư chi bộ có thể bỏ trống: mặc định là chi bộ của mình. "
                  "Đổi mã chi bộ của một người là chuyển sinh hoạt: lịch sử ở chi bộ cũ được giữ.")),
    ("Ngày hiệu lực", ("Ngày thay đổi tình trạng, miễn sinh hoạt hoặc chi bộ có hiệu lực (dd/mm/yyyy), không sau hôm nay. "
                      "Để trống: ngày nhập danh sách. Các đợt học tập trước ngày này vẫn tính theo thông tin cũ; "
                      "không được lùi ngày vào đợt học tập đã kết thúc hoặc đã ban hành báo cáo.")),
    ("Ô để trống", "Với người đã có trong hệ thống, ô để trống nghĩa là giữ nguyên thông tin cũ."),
]


def template_workbook() -> bytes:
    """The roster template (.xlsx): a 'Danh sách' sheet with headers and a sample row, and a 'Hướng dẫn' sheet."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = "Danh sách"
    headers = [label for label, _ in COLUMNS.values()]
    sheet.append(headers)
    sheet.append(["Nguyễn Thị Ngọc Ánh", "93012345", "05/02/1975", "0912345678", "anh.ntn@example.vn",
                  "Chính thức", "Không", "", "CB-A", ""])
    bold = Font(bold=True)
    for idx in range(1, len(headers) + 1):
        cell = sheet.cell(row=1, column=idx)
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="FDE7E8")
        sheet.column_dimensions[get_column_letter(idx)].width = max(14, len(headers[idx - 1]) + 6)
        # Text columns stay text, so Excel keeps leading zeros of codes and phones.
        for row in range(2, 1001):
            sheet.cell(row=row, column=idx).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = wb.create_sheet("Hướng dẫn")
    notes.append(["Cột", "Cách điền"])
    for label, text in TEMPLATE_NOTES:
        notes.append([label, text])
    notes["A1"].font = bold
    notes["B1"].font = bold
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 100
    for row in notes.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- Uploads kept between the preview and "Xác nhận nhập": files under instance/, never worker memory.
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
STAGE_TTL_SECONDS = 3600


def _stage_dir(folder: str | Path) -> Path:
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def stage_upload(folder: str | Path, data: bytes, filename: str, owner_id: int, default_org_id: int | None) -> str:
    """Keep an uploaded file in `folder` (ROSTER_STAGING_DIR) for its owner's confirmation; returns a random token."""
    folder = _stage_dir(folder)
    now = time.time()
    for old in folder.glob("*.json"):  # opportunistic clean-up of abandoned previews
        if now - old.stat().st_mtime > STAGE_TTL_SECONDS:
            old.unlink(missing_ok=True)
            old.with_suffix(".bin").unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.bin").write_bytes(data)
    meta = {"owner_id": owner_id, "filename": filename[:200], "default_org_id": default_org_id}
    (folder / f"{token}.json").write_text(json.dumps(meta))
    return token


def load_staged(folder: str | Path, token: str, owner_id: int) -> tuple[bytes, str, int | None]:
    """The staged (data, filename, default org id) if the token is the owner's and fresh; else InvalidInput."""
    expired = InvalidInput("Phiên xem trước đã hết hạn hoặc không hợp lệ. Vui lòng tải tệp lên lại.")
    if not token or not _TOKEN_RE.match(token):
        raise expired
    folder = _stage_dir(folder)
    meta_path, data_path = folder / f"{token}.json", folder / f"{token}.bin"
    try:
        meta = json.loads(meta_path.read_text())
        if meta.get("owner_id") != owner_id or time.time() - meta_path.stat().st_mtime > STAGE_TTL_SECONDS:
            raise expired
        return data_path.read_bytes(), meta["filename"], meta.get("default_org_id")
    except (OSError, ValueError, KeyError):
        raise expired from None


def drop_staged(folder: str | Path, token: str) -> None:
    """Delete a staged upload (after a successful import)."""
    if token and _TOKEN_RE.match(token):
        folder = _stage_dir(folder)
        (folder / f"{token}.json").unlink(missing_ok=True)
        (folder / f"{token}.bin").unlink(missing_ok=True)
