"""The tree of party organizations."""
from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import db
from quizapp.models.base import TimestampMixin

if TYPE_CHECKING:
    from quizapp.models.person import Person



class OrgKind(StrEnum):
    """Org.kind, stored as its value."""

    DANG_BO_TINH = "dang_bo_tinh"
    DANG_BO = "dang_bo"
    DANG_UY_CO_SO = "dang_uy_co_so"
    CHI_BO = "chi_bo"
    TO_DANG = "to_dang"
    CO_QUAN = "co_quan"


ORG_KINDS = {
    OrgKind.DANG_BO_TINH: "Đảng bộ tỉnh",
    OrgKind.DANG_BO: "Đảng bộ",
    OrgKind.DANG_UY_CO_SO: "Đảng ủy cơ sở",
    OrgKind.CHI_BO: "Chi bộ",
    OrgKind.TO_DANG: "Tổ đảng",
    OrgKind.CO_QUAN: "Cơ quan nhà nước",
}


class Org(TimestampMixin, db.Model):
    """A node of the organization tree; `path` ("/1/4/9/") makes subtree queries one LIKE."""

    __tablename__ = "org"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("org.id"), index=True)
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30), default=OrgKind.CHI_BO)
    place: Mapped[Optional[str]] = mapped_column(String(100))  # địa danh on the date line
    has_seal: Mapped[bool] = mapped_column(Boolean, default=False)
    term: Mapped[Optional[str]] = mapped_column(String(40))  # nhiệm kỳ, e.g. "2025-2030"
    secretary_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("person.id", use_alter=True, name="fk_org_secretary_id")
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Documents: whom the party reports go to, and the state (NĐ 30) identity of a unit that
    # also reports through state channels. Empty means "derive a default" (see reporting.letters).
    report_to: Mapped[Optional[str]] = mapped_column(String(200))  # "Ban Thường vụ Tỉnh ủy Đồng Nai"
    state_unit_name: Mapped[Optional[str]] = mapped_column(String(200))  # "Sở Khoa học và Công nghệ"
    state_superior: Mapped[Optional[str]] = mapped_column(String(200))  # "Ủy ban nhân dân tỉnh Đồng Nai"
    state_abbr: Mapped[Optional[str]] = mapped_column(String(20))  # "SKHCN" -> "12/BC-SKHCN"
    state_place: Mapped[Optional[str]] = mapped_column(String(100))  # province: "Đồng Nai"
    state_signer_title: Mapped[Optional[str]] = mapped_column(String(120))  # "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"
    state_signer_name: Mapped[Optional[str]] = mapped_column(String(120))

    parent: Mapped[Optional["Org"]] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Org"]] = relationship(back_populates="parent", order_by="Org.code")
    secretary: Mapped[Optional["Person"]] = relationship(foreign_keys=[secretary_id])

    @property
    def kind_label(self) -> str:
        """Vietnamese label of the organization kind."""
        return ORG_KINDS.get(self.kind, self.kind)

    @property
    def is_cell(self) -> bool:
        """True for a chi bộ: the unit people belong to (their membership), take part with, are counted
        in and get a result sheet from. A tổ đảng is a group inside its chi bộ, not a cell of its own:
        nobody is placed in one, and its chi bộ's secretary and deputy manage it (permissions)."""
        return self.kind == OrgKind.CHI_BO

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this node, inclusive."""
        return [int(p) for p in self.path.strip("/").split("/") if p]

    def __repr__(self) -> str:
        return f"<Org {self.code}>"
