"""Every who-may rule has one home, quizapp/permissions.py (docs/architecture.md, "Rules of a round")."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from quizapp import permissions

ROOT = Path(__file__).resolve().parents[2]
RULE_NAME = re.compile(r"^(can|require|may|check_may)_")


def rule_defs(source: str) -> list[str]:
    """Names of functions and methods (at any depth) that are named like a who-may rule."""
    return [node.name for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and RULE_NAME.match(node.name)]


def test_the_finder_sees_rules_at_any_depth():
    """Does the finder see a module function, a method and a nested function, and leave other names alone?"""
    source = (
        "def can_edit(a, b):\n    pass\n"
        "class X:\n    @property\n    def require_admin(self):\n        def may_x():\n            pass\n"
        "def check_may_grade():\n    pass\n"
        "def scan_rows():\n    pass\ndef canonical():\n    pass\ndef required_clause():\n    pass\n"
    )
    assert sorted(rule_defs(source)) == ["can_edit", "check_may_grade", "may_x", "require_admin"]


def test_no_who_may_rule_is_defined_in_the_services():
    """Is no can_/require_/may_/check_may_ function defined anywhere under quizapp/services/?"""
    found = []
    for path in sorted((ROOT / "quizapp" / "services").rglob("*.py")):
        found += [f"{path.relative_to(ROOT)}: def {name}" for name in rule_defs(path.read_text(encoding="utf-8"))]
    assert not found, "who-may rules belong in quizapp/permissions.py: " + "; ".join(found)


def test_the_moved_rules_live_in_permissions():
    """Are the person-account and closed-round rules defined in permissions.py itself?"""
    for name in ("can_administer", "require_admin_of", "may_override_closed_round", "role_rank", "role_ranks"):
        assert getattr(permissions, name).__module__ == "quizapp.permissions", name
