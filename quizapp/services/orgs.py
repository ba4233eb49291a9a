"""The organization tree: create nodes, keep materialized paths, list subtrees."""
from __future__ import annotations

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Org, Person, RoleGrant
from quizapp.services.exceptions import InvalidInput
from quizapp.vn import nfc


def create_org(code: str, name: str, kind: str = "chi_bo", parent: Org | None = None, **fields) -> Org:
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
    return list(db.session.scalars(select(Org).where(Org.path.like(org.path + "%")).order_by(Org.path)))


def cells_under(org: Org) -> list[Org]:
    """The chi bộ at or below the node."""
    return [o for o in subtree(org) if o.kind == "chi_bo"]


def grant_role(person: Person, role: str, org: Org | None) -> RoleGrant:
    """Give a role over a node (idempotent); the caller commits."""
    existing = db.session.scalar(
        select(RoleGrant).where(
            RoleGrant.person_id == person.id, RoleGrant.role == role,
            RoleGrant.org_id == (org.id if org else None),
        )
    )
    if existing:
        return existing
    grant = RoleGrant(person_id=person.id, role=role, org_id=org.id if org else None)
    db.session.add(grant)
    if role == "secretary" and org is not None:
        org.secretary_id = person.id
    return grant
