"""People, their cell memberships over time, and scoped role grants."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Optional

from flask_login import UserMixin
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import db
from quizapp.models.base import TimestampMixin
from quizapp.vn import name_sort_key, nfc

if TYPE_CHECKING:
    from quizapp.models.org import Org



class PartyStatus(StrEnum):
    """Person.party_status and PartyStatusPeriod.party_status."""

    CHINH_THUC = "chinh_thuc"
    DU_BI = "du_bi"
    NGOAI_DANG = "ngoai_dang"


class PersonState(StrEnum):
    """Person.state: only an active person logs in and takes quizzes."""

    ACTIVE = "active"
    TRANSFERRED = "transferred"
    SUSPENDED = "suspended"


PARTY_STATUSES = {
    PartyStatus.CHINH_THUC: "Chính thức",
    PartyStatus.DU_BI: "Dự bị",
    PartyStatus.NGOAI_DANG: "Không phải đảng viên",
}
# Party members: counted in participation (non-members are listed as "Không tính").
PARTY_MEMBER_STATUSES = (PartyStatus.CHINH_THUC, PartyStatus.DU_BI)
PERSON_STATES = {
    PersonState.ACTIVE: "Đang sinh hoạt",
    PersonState.TRANSFERRED: "Đã chuyển sinh hoạt",
    PersonState.SUSPENDED: "Tạm dừng",
}
ROLES = {
    "secretary": "Bí thư",
    "deputy": "Phó bí thư",
    "staff": "Cán bộ văn phòng cấp ủy",
    "admin": "Quản trị hệ thống",
}


class Person(UserMixin, TimestampMixin, db.Model):
    """A person who can log in with their member code; may or may not be a party member."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_code: Mapped[str] = mapped_column(String(40), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[bytes] = mapped_column(LargeBinary(512), index=True, default=b"")
    date_of_birth: Mapped[Optional[date]] = mapped_column(Date)
    phone: Mapped[Optional[str]] = mapped_column(String(30))
    email: Mapped[Optional[str]] = mapped_column(String(120))
    party_status: Mapped[str] = mapped_column(String(20), default=PartyStatus.CHINH_THUC)
    exempt: Mapped[bool] = mapped_column(Boolean, default=False)  # miễn công tác và sinh hoạt đảng
    exempt_reason: Mapped[Optional[str]] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default=PersonState.ACTIVE)
    password_hash: Mapped[Optional[str]] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    locale: Mapped[Optional[str]] = mapped_column(String(5))

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="person", order_by="Membership.start_date"
    )
    roles: Mapped[list["RoleGrant"]] = relationship(back_populates="person")

    def set_name(self, full_name: str) -> None:
        """Set the name (NFC, single spaces) and its Vietnamese sort key."""
        self.full_name = nfc(full_name)
        self.name_key = name_sort_key(self.full_name)

    #: Token of the server-side AuthSession this request runs under (set at login/load).
    auth_token = None  # plain attribute, not a column

    def get_id(self) -> str | None:
        """Flask-Login stores the server-side session token, never the person id."""
        return self.auth_token

    @property
    def is_active(self) -> bool:
        """Transferred or suspended people cannot log in."""
        return self.state == PersonState.ACTIVE

    @property
    def is_party_member(self) -> bool:
        """True for chính thức and dự bị members."""
        return self.party_status in PARTY_MEMBER_STATUSES

    @property
    def party_status_label(self) -> str:
        """Vietnamese label of the party status."""
        return PARTY_STATUSES.get(self.party_status, self.party_status)

    def current_membership(self, on: date | None = None) -> Optional["Membership"]:
        """The membership open on the given date (default: today)."""
        from quizapp.clock import today_local

        on = on or today_local()
        for m in self.memberships:
            if m.start_date <= on and (m.end_date is None or m.end_date >= on):
                return m
        return None

    def __repr__(self) -> str:
        return f"<Person {self.member_code}>"


class Membership(db.Model):
    """A person's membership of a cell from start_date to end_date (inclusive; None = still)."""

    __tablename__ = "membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[Optional[date]] = mapped_column(Date)

    person: Mapped["Person"] = relationship(back_populates="memberships")
    org: Mapped["Org"] = relationship()


class RoleGrant(db.Model):
    """A role held over an organization node (secretary/deputy: a cell; staff: a subtree)."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("person_id", "role", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    org_id: Mapped[Optional[int]] = mapped_column(ForeignKey("org.id"))

    person: Mapped["Person"] = relationship(back_populates="roles")
    org: Mapped[Optional["Org"]] = relationship()

    @property
    def label(self) -> str:
        """Vietnamese role label."""
        return ROLES.get(self.role, self.role)


class PartyStatusPeriod(db.Model):
    """A person's party status from start_date to end_date (inclusive; None = still).

    Reports read the status as of a round's session date from here; Person.party_status is only
    today's value, kept for pages and badges.
    """

    __tablename__ = "party_status_period"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    party_status: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[Optional[date]] = mapped_column(Date)

    @property
    def label(self) -> str:
        """Vietnamese label of the status."""
        return PARTY_STATUSES.get(self.party_status, self.party_status)


class Exemption(db.Model):
    """Miễn công tác và sinh hoạt đảng from start_date to end_date (inclusive; None = still).

    Reports read exemption as of a round's session date from here; Person.exempt is only today's
    value, kept for pages and badges.
    """

    __tablename__ = "exemption"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    reason: Mapped[Optional[str]] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[Optional[date]] = mapped_column(Date)
