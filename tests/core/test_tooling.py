"""Test tooling: markers set by place (so `make test-fast` leaves out every browser and load test)."""
from __future__ import annotations

import tomllib
from pathlib import Path

from tests import conftest

ROOT = Path(__file__).resolve().parents[2]


class _Item:
    def __init__(self, path: Path, fixturenames=("app", "client")):
        self.path = path
        self.fixturenames = list(fixturenames)
        self.marks: list[str] = []

    def add_marker(self, mark) -> None:
        self.marks.append(mark.name)


def test_markers_follow_the_directory_and_the_browser_fixture():
    """Are tests/e2e/ and any test using the browser marked e2e, tests/load/ marked load, the rest neither?"""
    tests = ROOT / "tests"
    items = {
        "e2e": _Item(tests / "e2e" / "test_new_page.py"),
        "browser elsewhere": _Item(tests / "rounds" / "test_new.py", ("app", "page", "browser", "live_server")),
        "load": _Item(tests / "load" / "test_new.py"),
        "plain": _Item(tests / "core" / "test_new.py"),
        "outside tests/": _Item(ROOT / "bench" / "test_x.py"),
    }
    conftest.pytest_collection_modifyitems(None, list(items.values()))
    assert {name: item.marks for name, item in items.items()} == {
        "e2e": ["e2e"], "browser elsewhere": ["e2e"], "load": ["load"], "plain": [], "outside tests/": [],
    }


def test_pytest_settings_turn_warnings_into_errors_and_register_the_markers():
    """Does pyproject.toml fail on any warning and declare the markers that `make test-fast` deselects?"""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert settings["filterwarnings"][0] == "error"
    assert {m.split(":")[0] for m in settings["markers"]} >= {"e2e", "load"}
    assert '-m "not e2e and not load"' in (ROOT / "Makefile").read_text(encoding="utf-8")
