"""Organization tree: can staff shape the tree and roles, and only inside their subtree?"""
from quizapp.extensions import db
from quizapp.models import AuditLog, Org, RoleGrant


def test_staff_adds_a_cell_under_the_committee(client, world, login_as):
    """Does a new chi bộ added by staff get its path under the committee and an audit entry?"""
    login_as(world.staff)
    resp = client.form(f"/manage/orgs/{world.committee.id}/children",
                       {"new-code": "CB-C", "new-name": "Chi bộ Sở Tài chính", "new-kind": "chi_bo"})
    assert resp.status_code == 302
    cell = db.session.query(Org).filter_by(code="CB-C").one()
    assert cell.path.startswith(world.committee.path) and cell.parent_id == world.committee.id
    assert db.session.query(AuditLog).filter_by(action="org.create").count() == 1


def test_duplicate_code_gives_a_clear_message(client, world, login_as):
    """Is a duplicate org code refused with a Vietnamese message and nothing written?"""
    login_as(world.staff)
    resp = client.form(f"/manage/orgs/{world.committee.id}/children",
                       {"new-code": "CB-A", "new-name": "Trùng", "new-kind": "chi_bo"}, follow_redirects=True)
    assert "đã tồn tại" in resp.get_data(as_text=True)
    assert db.session.query(Org).filter_by(name="Trùng").count() == 0


def test_secretary_cannot_edit_or_see_other_cell(client, world, login_as):
    """Does a secretary get 404 for another cell and no edit rights on their own?"""
    login_as(world.secretary_b)
    assert client.get(f"/manage/orgs/{world.cell_a.id}").status_code == 404
    assert client.get(f"/manage/orgs/{world.cell_b.id}").status_code == 200
    resp = client.form(f"/manage/orgs/{world.cell_b.id}/children", {"new-code": "TD1", "new-name": "Tổ 1", "new-kind": "to_dang"})
    assert resp.status_code == 403


def test_staff_grants_deputy_role_in_scope_only(client, world, login_as):
    """Can staff make a member deputy of their cell, and is an out-of-scope code refused?"""
    login_as(world.staff)
    client.form(f"/manage/orgs/{world.cell_b.id}/roles", {"role-member_code": "MEMB", "role-role": "deputy"})
    assert db.session.query(RoleGrant).filter_by(person_id=world.member_b.id, role="deputy").count() == 1
    resp = client.form(f"/manage/orgs/{world.cell_b.id}/roles", {"role-member_code": "ADMIN", "role-role": "staff"},
                       follow_redirects=True)
    assert "Không tìm thấy" in resp.get_data(as_text=True)


def test_org_list_is_scoped(client, world, login_as):
    """Does the org list show a secretary only their cell?"""
    login_as(world.secretary_a)
    html = client.get("/manage/orgs").get_data(as_text=True)
    assert "Chi bộ Sở Thông tin và Truyền thông" in html and "Chi bộ Sở Nội vụ" not in html


def test_who_keeps_orgs_and_whom_they_may_give_a_role(world):
    """Do only staff and admins keep orgs, and may staff give roles only to people in their scope?"""
    from quizapp import permissions

    assert permissions.can_keep_orgs(world.staff) and permissions.can_keep_orgs(world.admin)
    assert not permissions.can_keep_orgs(world.secretary_a) and not permissions.can_keep_orgs(world.member_a)
    assert permissions.can_be_given_role(world.member_b, world.staff)
    assert not permissions.can_be_given_role(world.admin, world.staff)  # no cell: outside every subtree
    assert permissions.can_be_given_role(world.staff, world.admin)
    assert not permissions.can_be_given_role(world.member_b, world.secretary_a)
