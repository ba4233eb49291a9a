"""Who issues, signs and receives a document: the org's settings, or defaults derived from the tree.

Party documents (HD 36) name the receiving *body* ("Ban Thường vụ Tỉnh ủy Đồng Nai"), not the
organization ("Đảng bộ tỉnh Đồng Nai"). State documents (NĐ 30) are issued by the state unit with
its superior body above it, numbered with the unit's abbreviation and signed by its real head.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from quizapp.models import Org
from quizapp.services.exceptions import InvalidInput
from quizapp.vn import nfc

SETTINGS = {"field": "org_settings"}  # the refusal is fixed on the organization page, not in this form

# "Đảng bộ tỉnh X" is the organization; its executive body is "Tỉnh ủy X" (and so on).
_BODY_OF = [
    (re.compile(r"^đảng bộ tỉnh\s+", re.I), "Tỉnh ủy "),
    (re.compile(r"^đảng bộ thành phố\s+", re.I), "Thành ủy "),
    (re.compile(r"^đảng bộ\s+", re.I), "Đảng ủy "),
]


def committee_name(org_name: str) -> str:
    """The executive body of a party organization: 'Đảng bộ tỉnh Đồng Nai' -> 'Tỉnh ủy Đồng Nai'."""
    name = nfc(org_name)
    for pattern, body in _BODY_OF:
        if pattern.match(name):
            return body + pattern.sub("", name, count=1)
    return name


def receiving_body(org: Org, *, standing: bool) -> str:
    """Whom a party report of `org` goes to: the org's own setting, else derived from the parent.

    `standing` (a committee's roll-up) addresses the standing committee of the body above
    ("Ban Thường vụ Tỉnh ủy …"); a cell's sheet goes to the committee above ("Đảng ủy …").
    """
    if nfc(org.report_to):
        return nfc(org.report_to)
    default = default_receiving_body(org, standing=standing)
    if not default:
        raise InvalidInput(
            f"{org.name} chưa có nơi nhận báo cáo. Vào trang Tổ chức đảng, điền ô "
            "“Nơi nhận báo cáo” (ví dụ: Ban Thường vụ Tỉnh ủy) rồi lập lại.", details=SETTINGS
        )
    return default


def default_receiving_body(org: Org, *, standing: bool | None = None) -> str:
    """The receiving body derived from the parent's name ('' for a root); `standing` defaults to
    "not a cell" (committees report to the standing committee above, cells to their committee)."""
    if org.parent is None:
        return ""
    standing = (not org.is_cell) if standing is None else standing
    body = committee_name(org.parent.name)
    return f"Ban Thường vụ {body}" if standing and not body.lower().startswith("ban ") else body


def party_signer(org: Org) -> str:
    """The secretary's full name; a party report without one is refused."""
    if org.secretary is None or not nfc(org.secretary.full_name):
        raise InvalidInput(
            f"{org.name} chưa có bí thư nên báo cáo không có người ký. Vào trang Tổ chức đảng, "
            "chọn bí thư rồi lập lại.", details=SETTINGS
        )
    return nfc(org.secretary.full_name)


def party_problems(org: Org) -> list[str]:
    """What would stop `org` issuing a party document now (no signer, no receiving body), as messages."""
    out = []
    for check in (party_signer, lambda o: receiving_body(o, standing=not o.is_cell)):
        try:
            check(org)
        except InvalidInput as exc:
            out.append(exc.message)
    return out


@dataclass
class StateIdentity:
    """A state unit as NĐ 30 prints it."""

    unit: str            # "Sở Khoa học và Công nghệ"
    superior: str        # "Ủy ban nhân dân tỉnh Đồng Nai" (may be empty)
    abbr: str            # "SKHCN"
    place: str           # "Đồng Nai"
    signer_lines: list[str]   # ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]
    signer_name: str


def split_title(title: str) -> list[str]:
    """'KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC' (or one per line) -> ['KT. GIÁM ĐỐC', 'PHÓ GIÁM ĐỐC'], in capitals."""
    parts = re.split(r"\s*(?:/|\n)\s*", str(title or ""))
    return [nfc(p).upper() for p in parts if nfc(p)]


def state_identity(org: Org) -> StateIdentity:
    """The org's NĐ 30 settings; refuses, naming every missing one, when the document could not be signed."""
    missing = []
    if not nfc(org.state_unit_name):
        missing.append("tên cơ quan nhà nước")
    if not nfc(org.state_abbr):
        missing.append("chữ viết tắt tên cơ quan")
    if not split_title(org.state_signer_title):
        missing.append("chức vụ người ký")
    if not nfc(org.state_signer_name):
        missing.append("họ tên người ký")
    if missing:
        raise InvalidInput(
            "Chưa đủ thông tin để lập văn bản theo Nghị định 30: thiếu " + ", ".join(missing)
            + ". Vào trang Tổ chức đảng, phần “Thể thức văn bản nhà nước”, điền đủ rồi lập lại.", details=SETTINGS
        )
    return StateIdentity(unit=nfc(org.state_unit_name), superior=nfc(org.state_superior),
                         abbr=nfc(org.state_abbr).upper(), place=nfc(org.state_place) or nfc(org.place),
                         signer_lines=split_title(org.state_signer_title), signer_name=nfc(org.state_signer_name))
