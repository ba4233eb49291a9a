"""Read the native YAML bank format (format: 1) into a ParsedBank, with line-numbered errors.

Bounded before parsing (size, encoding), then bounded before building anything: a streaming scan
of the parser's events counts values and nesting depth and stops at a budget, so a small file of
millions of tiny values (`questions: [[],[],...]`) is refused in a fraction of a second instead of
growing a node tree of gigabytes. Anchors/aliases are refused outright, so an alias bomb never
expands. libyaml (C) parses and composes when available; every node keeps its line.
"""
from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from quizapp.services.bank_formats.schema import (
    BankError, LDict, LList, ParsedBank, line_of, parse_bank_header, parse_question,
)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_QUESTIONS = 20000
# Each YAML value (scalar, list, table) costs about 1 KB while the tree is built; a real bank uses
# about 32 per question, so 100 000 values is some 3 000 questions in well under 100 MB.
DEFAULT_MAX_NODES = 100_000
DEFAULT_MAX_DEPTH = 20
TOP_KEYS = {"format", "bank", "questions"}


class _Refused(Exception):
    """Raised while composing: something the format forbids (aliases, anchors)."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message, self.line = message, line


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases (no YAML bombs, no shared nodes)."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(_ALIAS_MESSAGE, event.start_mark.line + 1)
        if getattr(event, "anchor", None):
            raise _Refused(_ALIAS_MESSAGE, event.start_mark.line + 1)
        return super().compose_node(parent, index)


_FAST_LOADER = getattr(yaml, "CSafeLoader", None)
_ALIAS_MESSAGE = "không được dùng neo/bí danh YAML (&neo, *bí danh)"


def decode(data: bytes, filename: str, max_bytes: int) -> tuple[str | None, list[BankError]]:
    """Bytes to text: bounded, UTF-8 only (a UTF-8 BOM is allowed), no NUL bytes."""
    if len(data) > max_bytes:
        mib = max_bytes / (1024 * 1024)
        return None, [BankError(f"tệp quá lớn ({len(data):,} byte); tối đa {mib:g} MB".replace(",", "."), None, None, filename)]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(data) > 1 and b"\x00" in data[:200]):
        return None, [BankError("tệp đang ở mã UTF-16; hãy lưu lại dưới dạng UTF-8", 1, None, filename)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [BankError(
            "tệp không phải mã UTF-8 (có thể là Windows-1258 hoặc Latin-1); hãy lưu lại dưới dạng UTF-8",
            line, None, filename)]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [BankError("tệp chứa ký tự NUL, không phải tệp văn bản", line, None, filename)]
    return text, []


def _to_python(node, loader, errors: list[BankError], filename: str, seen: set[int]) -> Any:
    """Node tree to values; mappings and lists remember their lines; duplicate keys reported.

    A node met twice is an alias (the C composer shares aliased nodes): refused before expanding.
    """
    if id(node) in seen:
        raise _Refused(_ALIAS_MESSAGE, node.start_mark.line + 1)
    seen.add(id(node))
    if isinstance(node, MappingNode):
        out = LDict()
        out.line, out.lines = node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            kline = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                errors.append(BankError("khóa phải là một chữ đơn giản", kline, None, filename))
                continue
            if id(key_node) in seen:
                raise _Refused(_ALIAS_MESSAGE, kline)
            seen.add(id(key_node))
            key = loader.construct_object(key_node)
            if not isinstance(key, str):
                key = str(key_node.value)
            if key in out:
                errors.append(BankError(f"khóa '{key}' bị lặp (đã có ở dòng {out.lines[key]})", kline, None, filename))
                continue
            out[key] = _to_python(value_node, loader, errors, filename, seen)
            out.lines[key] = kline
        return out
    if isinstance(node, SequenceNode):
        out = LList(_to_python(n, loader, errors, filename, seen) for n in node.value)
        out.line, out.item_lines = node.start_mark.line + 1, [n.start_mark.line + 1 for n in node.value]
        return out
    return loader.construct_object(node)


def scan(text: str, filename: str, max_nodes: int = DEFAULT_MAX_NODES,
         max_depth: int = DEFAULT_MAX_DEPTH) -> list[BankError]:
    """Count values and depth from the parser's event stream (constant memory); errors if over budget.

    Anchors and aliases are refused here too. A syntax error is left for load_tree to report.
    """
    nodes = depth = 0
    loader = (_FAST_LOADER or yaml.SafeLoader)(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.NodeEvent):
                line = event.start_mark.line + 1
                if isinstance(event, yaml.AliasEvent) or event.anchor:
                    return [BankError(_ALIAS_MESSAGE, line, None, filename)]
                nodes += 1
                if nodes > max_nodes:
                    most, questions = (f"{v:,}".replace(",", ".") for v in (max_nodes, max_nodes // 32))
                    return [BankError(f"tệp có quá nhiều giá trị YAML (hơn {most}, khoảng {questions} câu hỏi); "
                                      "hãy chia thành nhiều tệp nhỏ hơn", line, None, filename)]
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
                    if depth > max_depth:
                        return [BankError(f"tệp YAML lồng nhau quá sâu (quá {max_depth} cấp)", line, None, filename)]
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" in (exc.problem or ""):  # libyaml stops at 1 000 levels by itself
            mark = exc.problem_mark
            return [BankError(f"tệp YAML lồng nhau quá sâu (quá {max_depth} cấp)", mark.line + 1 if mark else None,
                              None, filename)]
        return []
    except yaml.YAMLError:
        return []
    finally:
        loader.dispose()
    return []


def load_tree(text: str, filename: str) -> tuple[Any, list[BankError]]:
    """Parse YAML text into line-aware values, refusing aliases; errors instead of exceptions."""
    loader = _FAST_LOADER(text) if _FAST_LOADER else _StrictLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, [BankError("tệp rỗng", 1, None, filename)]
        errors: list[BankError] = []
        return _to_python(root, loader, errors, filename, set()), errors
    except _Refused as exc:
        return None, [BankError(exc.message, exc.line, None, filename)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "cú pháp sai"
        return None, [BankError(f"tệp không đúng cú pháp YAML ({problem})", line, None, filename)]
    except yaml.YAMLError as exc:
        return None, [BankError(f"tệp không đúng cú pháp YAML ({exc})", None, None, filename)]
    except RecursionError:
        return None, [BankError("tệp YAML lồng nhau quá sâu", None, None, filename)]
    finally:
        loader.dispose()


def parse(data: bytes, filename: str = "", *, max_bytes: int = DEFAULT_MAX_BYTES,
          max_questions: int = DEFAULT_MAX_QUESTIONS,
          max_nodes: int = DEFAULT_MAX_NODES) -> tuple[ParsedBank | None, list[BankError]]:
    """Bytes of a native bank file -> (ParsedBank, []) or (None, every error found)."""
    text, errors = decode(data, filename, max_bytes)
    if text is None:
        return None, errors
    errors = scan(text, filename, max_nodes)
    if errors:
        return None, errors
    tree, errors = load_tree(text, filename)
    if errors:
        return None, errors
    if not isinstance(tree, dict):  # also a lone "null" / "~" (YAML's empty value)
        return None, [BankError("tệp phải là một bảng gồm format, bank và questions", 1, None, filename)]

    for k in tree:
        if k not in TOP_KEYS:
            errors.append(BankError(f"khóa '{k}' không được hỗ trợ ở cấp ngoài cùng (chỉ nhận format, bank, questions)", line_of(tree, k), None, filename))
    if tree.get("format") != 1 or isinstance(tree.get("format"), bool):
        errors.append(BankError("thiếu 'format: 1' hoặc phiên bản định dạng không được hỗ trợ", line_of(tree, "format") if "format" in tree else 1, None, filename))
    header = parse_bank_header(tree.get("bank"), errors, filename, line_of(tree, "bank") if "bank" in tree else 1)

    raw_questions = tree.get("questions")
    questions = []
    if not isinstance(raw_questions, list) or not raw_questions:
        errors.append(BankError("thiếu danh sách câu hỏi 'questions'", line_of(tree, "questions") if "questions" in tree else 1, None, filename))
    elif len(raw_questions) > max_questions:
        errors.append(BankError(f"quá nhiều câu hỏi ({len(raw_questions)}); tối đa {max_questions}", line_of(tree, "questions"), None, filename))
    else:
        seen: dict[str, int | None] = {}
        for i, raw in enumerate(raw_questions):
            q = parse_question(raw, errors, filename=filename, line=line_of(raw_questions, i), seen=seen)
            if q is not None:
                questions.append(q)
    if errors:
        return None, sorted(errors, key=lambda e: e.line or 0)
    return ParsedBank(questions=questions, filename=filename, **header), []
