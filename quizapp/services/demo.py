"""Demo organization: a đảng ủy with five cells, ~80 people, every role, banks and a round."""
from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Membership, Org, Person
from quizapp.services import accounts, orgs

DEMO_PASSWORD = "hoctap2026"
BANKS_DIR = Path(__file__).resolve().parent.parent.parent / "question_banks"

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
          "Hồ", "Ngô", "Dương", "Lý", "Điểu", "Thị"]
MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân", "Ngọc", "Đình"]
MIDDLE_F = ["Thị", "Thị Ngọc", "Thị Thu", "Thị Kim", "Thị Hồng", "Ngọc", "Thanh", "Thùy", "Mỹ", "Bảo"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Quang",
           "Sơn", "Tâm", "Thắng", "Toàn", "Trung", "Tuấn", "Việt", "Vinh", "Ân", "Ấn", "Anh"]
GIVEN_F = ["Ánh", "Anh", "Chi", "Dung", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Lan", "Linh", "Mai",
           "Nga", "Ngân", "Nhung", "Oanh", "Phương", "Quyên", "Thảo", "Trang", "Uyên", "Yến"]

CELLS = [
    ("CB-STTTT", "Chi bộ Sở Thông tin và Truyền thông"),
    ("CB-SNV", "Chi bộ Sở Nội vụ"),
    ("CB-STC", "Chi bộ Sở Tài chính"),
    ("CB-SGDDT", "Chi bộ Sở Giáo dục và Đào tạo"),
    ("CB-VPUB", "Chi bộ Văn phòng Ủy ban nhân dân tỉnh"),
]


def _name(rng: random.Random) -> str:
    female = rng.random() < 0.45
    family = rng.choice(FAMILY[:-1])
    middle = rng.choice(MIDDLE_F if female else MIDDLE_M)
    given = rng.choice(GIVEN_F if female else GIVEN_M)
    return f"{family} {middle} {given}"


def _person(code: str, name: str, cell: Org | None, password_hash: str, **fields) -> Person:
    person = Person(member_code=code, password_hash=password_hash, must_change_password=False, **fields)
    person.set_name(name)
    db.session.add(person)
    db.session.flush()
    if cell is not None:
        db.session.add(Membership(person_id=person.id, org_id=cell.id, start_date=date(2020, 1, 1)))
    return person


def load(force: bool = False) -> str:
    """Create the demo data once (unless force) and return the logins to print."""
    if db.session.scalar(select(func.count(Org.id))) and not force:
        return "Cơ sở dữ liệu đã có dữ liệu — bỏ qua nạp dữ liệu mẫu.\n" + logins_text()
    rng = random.Random(2026)
    pw = accounts.hash_password(DEMO_PASSWORD)
    province = orgs.create_org("DBT-BP", "Đảng bộ tỉnh Bình Phước", "dang_bo_tinh", place="Đồng Xoài")
    committee = orgs.create_org(
        "DU-KCQ", "Đảng ủy các cơ quan Đảng tỉnh", "dang_uy_co_so", province,
        place="Đồng Xoài", term="2025-2030", has_seal=True,
    )
    cells = [orgs.create_org(code, name, "chi_bo", committee, place="Đồng Xoài", term="2025-2027")
             for code, name in CELLS]
    admin = _person("QUANTRI", "Quản trị hệ thống", None, pw, party_status="ngoai_dang")
    orgs.grant_role(admin, "admin", None)
    staff = _person("VANPHONG", "Lê Thị Thu Hà", None, pw)
    orgs.grant_role(staff, "staff", committee)
    number = 1
    for ci, cell in enumerate(cells):
        size = 16
        for i in range(size):
            code = f"BP{ci + 1:02d}{i + 1:03d}"
            fields = {"date_of_birth": date(1960, 1, 1) + timedelta(days=rng.randint(0, 365 * 40))}
            if i == size - 1:
                fields.update(exempt=True, exempt_reason="Tuổi cao, sức khỏe yếu",
                              date_of_birth=date(1948, 5, 19))
            elif i in (size - 2, size - 3):
                fields["party_status"] = "du_bi"
            elif i == size - 4 and ci == 0:
                fields["party_status"] = "ngoai_dang"
            person = _person(code, _name(rng), cell, pw, **fields)
            if i == 0:
                orgs.grant_role(person, "secretary", cell)
            elif i == 1:
                orgs.grant_role(person, "deputy", cell)
            number += 1
    db.session.commit()
    extra = _load_banks_and_round(committee, staff)
    return "Đã nạp dữ liệu mẫu.\n" + extra + logins_text()


def _load_banks_and_round(committee: Org, staff: Person) -> str:
    """Import the shipped banks and open a demo round, when those services are available."""
    lines = []
    try:
        from quizapp.services import banks
    except ImportError:  # pragma: no cover - during development of the banks service
        return ""
    for path in sorted(BANKS_DIR.glob("*.yaml")):
        banks.import_bank(path.read_bytes(), filename=path.name)  # shipped banks are site-wide
        lines.append(f"  Ngân hàng câu hỏi: {path.name}")
    return "\n".join(lines) + "\n" if lines else ""


def logins_text() -> str:
    """The demo logins, one per role, to print after `make run`."""
    rows = [("Quản trị hệ thống", "QUANTRI"), ("Văn phòng Đảng ủy (cán bộ)", "VANPHONG")]
    for ci, (code, name) in enumerate(CELLS[:2]):
        rows.append((f"Bí thư {name}", f"BP{ci + 1:02d}001"))
        rows.append((f"Đảng viên {name}", f"BP{ci + 1:02d}005"))
    width = max(len(r[0]) for r in rows)
    out = ["Tài khoản dùng thử (mật khẩu chung: " + DEMO_PASSWORD + "):"]
    out += [f"  {label.ljust(width)}  {code}" for label, code in rows]
    out.append("Mỗi chi bộ: BPxx001 là bí thư, BPxx002 là phó bí thư, BPxx003…BPxx016 là đảng viên.")
    return "\n".join(out)
