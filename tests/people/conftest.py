"""Helpers for the people tests: build roster files in memory."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import Workbook

from quizapp import permissions

HEADERS = ["Họ và tên", "Số thẻ đảng viên", "Ngày sinh", "Điện thoại", "Email", "Tình trạng",
           "Miễn sinh hoạt", "Lý do miễn", "Mã chi bộ"]
TODAY = date(2026, 3, 10)


def csv_bytes(rows: list[list], headers: list[str] = HEADERS, *, bom: bool = False, encoding: str = "utf-8") -> bytes:
    """A CSV file with a header row, optionally with a UTF-8 BOM or in another encoding."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: list[list], headers: list[str] = HEADERS) -> bytes:
    """An .xlsx workbook with a header row on its first sheet."""
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def do_import(world):
    """do_import(data, filename, actor=world.admin, default_org=None, dry_run=False) through the service."""
    from quizapp.services import roster

    def _run(data: bytes, filename: str = "ds.csv", actor=None, default_org=None, dry_run=False, today=TODAY):
        actor = actor or world.admin
        return roster.import_roster(filename, data, scope=permissions.managed_paths(actor), default_org=default_org,
                                    actor=actor, dry_run=dry_run, today=today)

    return _run
