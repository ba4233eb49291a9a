"""Plain factories for tests: an organization tree with two cells and people in every role."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

from quizapp.extensions import db
from quizapp.models import Membership, Org, Person
from quizapp.services import accounts, orgs

PASSWORD = "matkhau-123"
_codes = itertools.count(1)


def make_person(cell: Org | None, name: str = "Nguyễn Văn An", code: str | None = None, *,
                password: str = PASSWORD, start: date = date(2020, 1, 1), **fields) -> Person:
    """A person with a membership of `cell` from `start`; flushed, not committed."""
    person = Person(member_code=code or f"DV{next(_codes):05d}", **fields)
    person.set_name(name)
    person.password_hash = accounts.hash_password(password)
    person.must_change_password = False
    db.session.add(person)
    db.session.flush()
    if cell is not None:
        db.session.add(Membership(person_id=person.id, org_id=cell.id, start_date=start))
    return person


@dataclass
class World:
    """Two cells under one grassroots committee, under a province; a person in every role."""

    province: Org
    committee: Org
    cell_a: Org
    cell_b: Org
    admin: Person
    staff: Person
    secretary_a: Person
    deputy_a: Person
    secretary_b: Person
    member_a: Person
    member_b: Person
    others: dict = field(default_factory=dict)

    def people(self) -> dict[str, Person]:
        """Role name -> person, for parametrized route walks."""
        return {
            "admin": self.admin, "staff": self.staff, "secretary_a": self.secretary_a,
            "deputy_a": self.deputy_a, "secretary_b": self.secretary_b,
            "member_a": self.member_a, "member_b": self.member_b,
        }


def make_world() -> World:
    """Build and commit the two-cell world."""
    province = orgs.create_org("DBT", "Đảng bộ tỉnh Bình Phước", "dang_bo_tinh", place="Đồng Xoài")
    committee = orgs.create_org("DUCQ", "Đảng ủy Khối các cơ quan tỉnh", "dang_uy_co_so", province, place="Đồng Xoài", term="2025-2030")
    cell_a = orgs.create_org("CB-A", "Chi bộ Sở Thông tin và Truyền thông", "chi_bo", committee, place="Đồng Xoài", term="2025-2027")
    cell_b = orgs.create_org("CB-B", "Chi bộ Sở Nội vụ", "chi_bo", committee, place="Đồng Xoài", term="2025-2027")
    admin = make_person(None, "Quản Trị Viên", "ADMIN")
    staff = make_person(None, "Lê Thị Hồng", "STAFF1")
    secretary_a = make_person(cell_a, "Trần Văn Bình", "SECA")
    deputy_a = make_person(cell_a, "Phạm Thị Cúc", "DEPA")
    secretary_b = make_person(cell_b, "Hoàng Văn Dũng", "SECB")
    member_a = make_person(cell_a, "Nguyễn Thị Ngọc Ánh", "MEMA")
    member_b = make_person(cell_b, "Võ Văn Em", "MEMB")
    orgs.grant_role(admin, "admin", None)
    orgs.grant_role(staff, "staff", committee)
    orgs.grant_role(secretary_a, "secretary", cell_a)
    orgs.grant_role(deputy_a, "deputy", cell_a)
    orgs.grant_role(secretary_b, "secretary", cell_b)
    db.session.commit()
    return World(province, committee, cell_a, cell_b, admin, staff, secretary_a, deputy_a,
                 secretary_b, member_a, member_b)
