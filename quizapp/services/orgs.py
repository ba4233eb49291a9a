"""The organization tree: create nodes, keep materialized paths, list subtrees."""
from __future__ import annotations

from sqlalchemy import select

from quizapp import permissions
from quizapp.extensions import db
from quizapp.models import Org, OrgKind, Person, RoleGrant
from quizapp.services.exceptions import InvalidInput
from quizapp.vn import nfc


def create_org(code: str, name: str, kind: str = OrgKind.CHI_BO, parent: Org | None = None, **fields) -> Org:
    """Add a node under `parent` (flushes to get its id and path); the caller commits."""
    code = nfc(code).upper()
    if not code or not nfc(name):
        raise InvalidInput("Tổ chức đảng cần có mã và tên.")
    if db.session.scalar(select(Org.id).where(Org.code == code)):
        raise InvalidInput(f"Mã tổ chức '{code}' đã tồn tại.")
    org = Org(code=code, name=nfc(name), kind=kind, parent=parent, **fields)
    db.session.add(org)
    db.session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    return org


def subtree(org: Org) -> list[Org]:
    """The node and every node below it, in tree order."""
    return list(db.session.scalars(select(Org).where(permissions.within_clause([org.path])).order_by(Org.path)))


def grant_role(person: Person, role: str, org: Org | None) -> RoleGrant:
    """Give a role over a node (idempotent); the caller commits."""
    existing = db.session.scalar(
        select(RoleGrant).where(
            RoleGrant.person_id == person.id, RoleGrant.role == role,
            RoleGrant.org_id == (org.id if org else None),
        )
    )
    grant = existing or RoleGrant(person_id=person.id, role=role, org_id=org.id if org else None)
    if existing is None:
        db.session.add(grant)
    if role == "secretary" and org is not None:
        end_other_secretaries(org, person)
        org.secretary_id = person.id
    return grant


DOCUMENT_SETTINGS = {"report_to": 200, "state_unit_name": 200, "state_superior": 200, "state_abbr": 20,
                     "state_place": 100, "state_signer_title": 120, "state_signer_name": 120}


def end_other_secretaries(org: Org, keep: Person) -> list[int]:
    """A cell has one secretary: setting a new one ends every other secretary grant over the node
    (the former secretary keeps no secretary rights). Returns the ids of the people whose grant
    ended; the caller audits and commits."""
    former = list(db.session.scalars(select(RoleGrant).where(
        RoleGrant.role == "secretary", RoleGrant.org_id == org.id, RoleGrant.person_id != keep.id)))
    for old in former:
        db.session.delete(old)
    if former:
        db.session.flush()
    return [g.person_id for g in former]


def update_org(org: Org, *, name: str, place: str | None, term: str | None, has_seal: bool,
               secretary: Person | None, actor: Person, documents: dict | None = None) -> Org:
    """Edit a node's name, place, term, seal, secretary and document settings (audited); commits.

    `documents` maps DOCUMENT_SETTINGS keys to text ('' clears a setting back to its default).
    """
    from quizapp.database import begin_write
    from quizapp.models import AuditLog

    begin_write()
    if not nfc(name):
        raise InvalidInput("Tên tổ chức đảng không được để trống.")
    org.name, org.place, org.term, org.has_seal = nfc(name), nfc(place) or None, nfc(term) or None, has_seal
    for key, value in (documents or {}).items():
        if key not in DOCUMENT_SETTINGS:
            raise InvalidInput("Thông tin văn bản không hợp lệ.")
        text = nfc(value)
        if len(text) > DOCUMENT_SETTINGS[key]:
            raise InvalidInput(f"Mỗi thông tin văn bản tối đa {DOCUMENT_SETTINGS[key]} ký tự.")
        setattr(org, key, (text.upper() if key == "state_abbr" else text) or None)
    former_id = org.secretary_id
    if secretary is not None and secretary.id != org.secretary_id:
        grant_role(secretary, "secretary", org)  # ends the former secretary's grant
        org.secretary_id = secretary.id
    db.session.add(AuditLog(actor_id=actor.id, action="org.update", target_type="org", target_id=org.id,
                            details={"name": org.name, "secretary_id": org.secretary_id,
                                     "former_secretary_id": former_id if former_id != org.secretary_id else None}))
    db.session.commit()
    return org


def add_child(parent: Org, *, code: str, name: str, kind: str, place: str | None, term: str | None,
              has_seal: bool, actor: Person) -> Org:
    """Create a node under `parent` (audited); commits."""
    from quizapp.database import begin_write
    from quizapp.models import ORG_KINDS, AuditLog

    begin_write()
    if kind not in ORG_KINDS:
        raise InvalidInput("Loại tổ chức không hợp lệ.")
    org = create_org(code, name, kind, parent, place=nfc(place) or parent.place, term=nfc(term) or None,
                     has_seal=has_seal)
    db.session.add(AuditLog(actor_id=actor.id, action="org.create", target_type="org", target_id=org.id,
                            details={"code": org.code, "parent": parent.code}))
    db.session.commit()
    return org


def set_role(org: Org, person: Person, role: str, grant: bool, actor: Person) -> None:
    """Grant or withdraw a role over a node (audited); commits."""
    from quizapp.database import begin_write
    from quizapp.models import ROLES, AuditLog

    if role not in ROLES or role == "admin":
        raise InvalidInput("Vai trò không hợp lệ.")
    begin_write()
    if grant:
        grant_role(person, role, org)
    else:
        existing = db.session.scalar(select(RoleGrant).where(
            RoleGrant.person_id == person.id, RoleGrant.role == role, RoleGrant.org_id == org.id))
        if existing:
            db.session.delete(existing)
        if role == "secretary" and org.secretary_id == person.id:
            org.secretary_id = None
    db.session.add(AuditLog(actor_id=actor.id, action="role.grant" if grant else "role.revoke",
                            target_type="person", target_id=person.id, details={"role": role, "org": org.code}))
    db.session.commit()


def role_holders(org: Org) -> list[RoleGrant]:
    """Role grants held over exactly this node."""
    return list(db.session.scalars(select(RoleGrant).where(RoleGrant.org_id == org.id)))
