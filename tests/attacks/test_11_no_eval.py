"""Checklist item 11: no eval of formulas or templates built from input. The source tree is parsed
(AST, not grep, so comments and strings do not count) for every way Python or the browser can
run text as code; the few allowed uses are listed with the reason they are safe."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import quizapp

ROOT = Path(quizapp.__file__).resolve().parent
FORBIDDEN_CALLS = {"eval", "exec", "compile", "render_template_string", "Template", "from_string",
                   "system", "popen", "Popen", "call", "check_output", "run", "loads", "load", "unsafe_load",
                   "full_load", "literal_eval", "execfile", "__import__"}
FORBIDDEN_MODULES = {"pickle", "marshal", "shelve", "subprocess", "dill", "jsonpickle"}
# (file, call name) -> why it is safe
ALLOWED = {
    ("services/pdf_fonts.py", "__import__"): "imports a font package whose name is a constant in the module",
    ("services/backup.py", "run"): "pg_dump/pg_restore with an argument list (no shell); paths made absolute",
    ("database.py", "compile"): "SQLAlchemy's statement.compile(dialect=...) of the module's own built statements to SQL",
}
# (file, module) -> why importing it is safe
ALLOWED_IMPORTS = {
    ("services/backup.py", "subprocess"): "runs pg_dump/pg_restore for `flask backup` (see ALLOWED)",
}


def _py_files():
    return [p for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts]


def _call_name(node: ast.Call) -> tuple[str, str]:
    f = node.func
    if isinstance(f, ast.Name):
        return "", f.id
    if isinstance(f, ast.Attribute):
        owner = f.value.id if isinstance(f.value, ast.Name) else ""
        return owner, f.attr
    return "", ""


def test_no_python_code_runs_text():
    """Is there no eval/exec/compile/template-from-string/pickle/shell call anywhere in quizapp/?"""
    found = []
    for path in _py_files():
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
                bad = [n for n in names if n.split(".")[0] in FORBIDDEN_MODULES and (rel, n) not in ALLOWED_IMPORTS]
                if bad:
                    found.append((rel, node.lineno, "import", bad))
            if isinstance(node, ast.Call):
                owner, name = _call_name(node)
                if name not in FORBIDDEN_CALLS:
                    continue
                if name in ("loads", "load") and owner in ("json", "orjson", "demo", "form"):
                    continue  # JSON is data; demo.load loads demo data; form.load prefills a form
                if name == "compile" and owner == "re":
                    continue  # regular expressions from constants
                if name == "run" and owner not in ("subprocess", "os"):
                    continue  # app.run, loop.run ... are not shells
                if name == "call" and owner != "subprocess":
                    continue
                if (rel, name) in ALLOWED:
                    continue
                found.append((rel, node.lineno, owner, name))
    assert not found, found


def test_yaml_parsing_uses_only_safe_loaders():
    """Is YAML only ever parsed with SafeLoader (or its C twin), never yaml.load/unsafe_load/full_load?"""
    text = (ROOT / "services/bank_formats/native.py").read_text(encoding="utf-8")
    assert "class _StrictLoader(yaml.SafeLoader)" in text
    assert re.search(r'getattr\(yaml, "CSafeLoader"', text)
    for path in _py_files():
        src = path.read_text(encoding="utf-8")
        assert not re.search(r"yaml\.(load|unsafe_load|full_load|load_all)\(", src), path
        assert "yaml.Loader" not in src and "yaml.UnsafeLoader" not in src and "FullLoader" not in src, path


def test_templates_never_mark_input_safe():
    """Is |safe used only for the server-built QR SVG, and is autoescape never switched off?"""
    uses = []
    for path in (ROOT / "templates").rglob("*.html"):
        src = path.read_text(encoding="utf-8")
        assert "autoescape false" not in src.replace(" ", " ").lower(), path
        for m in re.finditer(r"\{\{[^}]*\|\s*safe[^}]*\}\}", src):
            uses.append((path.relative_to(ROOT).as_posix(), m.group(0)))
    assert uses == [("templates/manage/rounds/qr.html", "{{ svg|safe }}")], uses


def test_qr_svg_is_built_from_an_escaped_url():
    """Does the SVG marked safe come from segno (a generated drawing), whatever the short code holds?"""
    from quizapp.services.round_qr import qr_svg

    svg = qr_svg('https://x/q/"><script>alert(1)</script>')
    assert "<script" not in svg and svg.lstrip().startswith(("<svg", "<?xml"))


def test_javascript_runs_no_text_as_code():
    """Does no static JS call eval, new Function, string timers or document.write?"""
    for path in (ROOT / "static/js").glob("*.js"):
        src = path.read_text(encoding="utf-8")
        assert not re.search(r"\beval\s*\(|new\s+Function\s*\(|document\.write|setTimeout\s*\(\s*[\"']|"
                             r"setInterval\s*\(\s*[\"']|insertAdjacentHTML|outerHTML\s*=", src), path
        # innerHTML only receives a fragment the server rendered with autoescape (the board refresh).
        assert src.count("innerHTML") == (1 if path.name == "app.js" else 0), path
