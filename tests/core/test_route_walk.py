"""Permissions: does every route, walked by every role across two cells, answer as it should?

Objects of cell CB-A (a bank, a round with its quiz, member_a's finished attempt with an essay)
are built once per role; every rule in the URL map is filled with their ids. Outsiders (CB-B's
secretary and member) and plain members must never get a 200 on a management route or on
anything of CB-A's, nobody but member_a may open member_a's attempt, list pages shown to
outsiders must not mention CB-A's people or rounds, and no route may answer 500 to anyone.
"""
from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from quizapp.extensions import db
from quizapp.models import Answer, QuestionVersion
from quizapp.services import delivery
from tests.attacks.helpers import take
from tests.factories import make_bank, make_quiz

PUBLIC = {"main.index", "auth.login", "auth.set_language", "main.csrf_token", "ops.healthz",
          "ops.readyz", "ops.metrics",
          "static", "main.verify", "main.short_link", "main.short_link_card", "api.openapi"}
SESSION_ENDERS = {"auth.logout", "auth.change_password"}
ROLES = ["anonymous", "member_a", "member_b", "secretary_a", "deputy_a", "secretary_b", "staff", "admin"]
INSIDERS = {"secretary_a", "deputy_a", "staff", "admin"}
OUTSIDERS = {"secretary_b", "member_b"}
CELL_A_MARKERS = ["Nguyễn Thị Ngọc Ánh", "Đợt học tập riêng của chi bộ A", "Ngân hàng riêng chi bộ A"]


def build_cell_a_objects(world) -> dict:
    """A bank, round+quiz and a finished attempt with an essay, all belonging to cell A."""
    bank = make_bank(world.cell_a)
    bank.title = CELL_A_MARKERS[2]
    quiz = make_quiz(world.cell_a, [world.cell_a], bank=bank)
    quiz.round.title = CELL_A_MARKERS[1]
    db.session.commit()
    attempt = delivery.start_attempt(quiz.id, world.member_a)
    essay_pos = next(i.position for i in attempt.items if i.question_version.type == "essay")
    delivery.save_answer(attempt.id, world.member_a.id, essay_pos, {"text": "Bài thu hoạch"}, 1)
    delivery.submit_attempt(attempt.id, person_id=world.member_a.id)
    answer = db.session.query(Answer).filter_by(attempt_id=attempt.id, position=essay_pos).one()
    version = db.session.query(QuestionVersion).join(QuestionVersion.question).filter_by(bank_id=bank.id).first()
    doc = _issued_document(world, quiz)
    return {
        "org_id": world.cell_a.id, "person_id": world.member_a.id, "bank_id": bank.id,
        "question_id": version.question_id, "round_id": quiz.round_id, "quiz_id": quiz.id,
        "attempt_id": attempt.id, "answer_id": answer.id, "version_id": version.id,
        "fmt": "xlsx", "code": quiz.short_code, "position": essay_pos, "filename": "css/app.css",
        "doc_id": doc.id,
    }


def _issued_document(world, quiz):
    """A stored issued sheet of cell A (the walk's round is still open, so it is not issued through the service)."""
    from datetime import date

    from quizapp.models import IssuedReport

    doc = IssuedReport(round_id=quiz.round_id, org_id=world.cell_a.id, kind="cell_sheet", doc_type="BC",
                       term="", number=1, number_label="01-BC/CB", issued_on=date(2026, 2, 6),
                       verify_code="WALK-WALK-WALK", figures={"org": world.cell_a.name}, pdf=b"%PDF-1.4\n%%EOF\n",
                       sha256="0" * 64)
    db.session.add(doc)
    db.session.commit()
    return doc


def url_for_rule(rule: Rule, values: dict) -> str:
    """The rule's path with every argument filled from `values` (fails on an unknown argument)."""
    missing = rule.arguments - set(values)
    assert not missing, f"route walk does not know how to fill {missing} in {rule.rule}"
    _, path = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)
    return path


def routes(app):
    """Every rule except HEAD/OPTIONS-only ones."""
    return [r for r in app.url_map.iter_rules() if r.methods - {"HEAD", "OPTIONS"}]


def client_for(app, role, world, login_as):
    """A client logged in as the role (or anonymous)."""
    c = app.test_client()
    if role != "anonymous":
        login_as(getattr(world, role), c=c)
    return c


@pytest.mark.parametrize("role", ROLES)
def test_every_get_route_for_every_role(app, world, login_as, role):
    """Does each GET route answer this role with an allowed status (and never a 500)?"""
    values = build_cell_a_objects(world)
    if role in ("secretary_a", "deputy_a"):  # they sit cell A's quiz too; its keys (and the pages showing them) open once finished
        take(values["quiz_id"], getattr(world, role))
    c = client_for(app, role, world, login_as)
    problems = []
    for rule in routes(app):
        if "GET" not in rule.methods or rule.endpoint in SESSION_ENDERS:
            continue
        path = url_for_rule(rule, values)
        resp = c.get(path)
        status, ep = resp.status_code, rule.endpoint
        if status >= 500:
            problems.append(f"{ep} {path}: {status}")
            continue
        if ep in PUBLIC:
            continue
        if role == "anonymous":
            ok = status == 401 or (status == 302 and "/auth/login" in resp.headers.get("Location", ""))
        elif "attempt_id" in rule.arguments:
            ok = status in (200, 302) if role == "member_a" else status in (403, 404)
        elif ep.startswith(("manage.", "reports.")):
            if role in ("member_a", "member_b"):
                ok = status in (403, 404)
            elif role in OUTSIDERS and rule.arguments & {"org_id", "person_id", "bank_id", "question_id",
                                                          "round_id", "answer_id", "version_id"}:
                ok = status in (403, 404)
            elif role in INSIDERS:
                ok = status in (200, 302)
            else:
                ok = status in (200, 302, 403, 404)
        elif ep.startswith(("take.", "api.")) and "quiz_id" in rule.arguments:
            ok = status in (200, 302) if role in ("member_a", "secretary_a", "deputy_a") else status in (403, 404, 405)
        else:
            ok = status in (200, 302)
        if ok and role in OUTSIDERS and status == 200 and resp.mimetype in ("text/html", "application/json"):
            body = resp.get_data(as_text=True)
            leaked = [m for m in CELL_A_MARKERS if m in body]
            if leaked:
                problems.append(f"{ep} {path}: shows cell A's {leaked}")
        if not ok:
            problems.append(f"{ep} {path}: {status}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ["anonymous", "member_b", "secretary_b", "member_a"])
def test_state_changing_routes_refuse_outsiders(app, world, login_as, role):
    """Is every POST on cell A's objects refused to outsiders, with CSRF present, and never a 500?"""
    values = build_cell_a_objects(world)
    c = client_for(app, role, world, login_as)
    problems = []
    for rule in routes(app):
        if not rule.methods & {"POST", "PUT"} or rule.endpoint in PUBLIC | SESSION_ENDERS:
            continue
        path = url_for_rule(rule, values)
        method = "POST" if "POST" in rule.methods else "PUT"
        token = c.csrf()
        resp = c.open(path, method=method, data={"csrf_token": token}, headers={"X-CSRFToken": token})
        status, ep = resp.status_code, rule.endpoint
        if status >= 500:
            problems.append(f"{ep} {path}: {status}")
            continue
        if role == "anonymous":
            ok = status == 401 or (status == 302 and "/auth/login" in resp.headers.get("Location", ""))
        elif role == "member_a" and ("attempt_id" in rule.arguments or "quiz_id" in rule.arguments):
            ok = status < 500  # their own attempt: any clear answer
        elif role == "member_a":
            ok = status in (403, 404)
        elif rule.arguments or ep.startswith(("manage.", "reports.")):
            ok = status in (400, 403, 404, 422) or (ep in {"manage.round_new", "manage.bank_upload",
                                                             "manage.roster_import", "manage.roster_import_confirm",
                                                             "manage.login_slips"} and status in (200, 302, 400, 403))
        else:
            ok = status < 500
        if not ok:
            problems.append(f"{ep} {path}: {status}")
    assert not problems, "\n".join(problems)
