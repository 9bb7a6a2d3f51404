"""YAML in, plain data out, with the line of every key and item kept for `file:line` messages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from pmrules.errors import InputError, Location

MAX_YAML_BYTES = 5_000_000
MAX_YAML_NODES = 500_000
MAX_YAML_DEPTH = 64

Path_ = tuple[str | int, ...]


@dataclass
class LineIndex:
    """Maps a path of keys/indexes inside one YAML document to the line it starts on."""

    file: str
    lines: dict[Path_, int] = field(default_factory=dict)

    def locate(self, *path: str | int) -> Location:
        """The location of the deepest known prefix of `path`."""
        key: Path_ = tuple(path)
        while key:
            if key in self.lines:
                return Location(self.file, self.lines[key])
            key = key[:-1]
        return Location(self.file, self.lines.get((), 1))


def load_yaml(path: Path, display: str | None = None) -> tuple[Any, LineIndex]:
    """Parse a YAML file into plain dicts/lists plus a LineIndex; every failure is an InputError."""
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", location=Location(name)) from exc
    if len(raw) > MAX_YAML_BYTES:
        raise InputError(
            f"file is {len(raw):,} bytes, more than the limit of {MAX_YAML_BYTES:,}",
            location=Location(name),
            hint="split it, or move tabular data to CSV",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start})", location=Location(name), hint="save the file as UTF-8"
        ) from exc
    yaml = YAML(typ="rt")
    try:
        document = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(
            f"YAML syntax error: {problem}", location=Location(name, line), hint="check indentation, colons and quotes"
        ) from exc
    except (YAMLError, RecursionError) as exc:
        raise InputError(f"YAML error: {exc}", location=Location(name)) from exc
    index = LineIndex(name, {(): 1})
    counter = [0]
    return _plain(document, (), index, counter, 0), index


def _plain(node: Any, path: Path_, index: LineIndex, counter: list[int], depth: int) -> Any:
    counter[0] += 1
    if counter[0] > MAX_YAML_NODES or depth > MAX_YAML_DEPTH:
        what = "nested too deeply" if depth > MAX_YAML_DEPTH else "too large once aliases are expanded"
        raise InputError(
            f"YAML document is {what}", location=index.locate(*path), hint="remove anchors/aliases and deep nesting"
        )
    if isinstance(node, CommentedMap):
        out: dict[Any, Any] = {}
        for key in node:
            line = node.lc.key(key)[0] + 1
            child = (*path, key)
            index.lines.setdefault(child, line)
            out[key] = _plain(node[key], child, index, counter, depth + 1)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for i, value in enumerate(node):
            child = (*path, i)
            index.lines.setdefault(child, node.lc.item(i)[0] + 1)
            items.append(_plain(value, child, index, counter, depth + 1))
        return items
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def pydantic_errors(exc: Any, index: LineIndex, prefix: Iterable[str | int] = ()) -> list[InputError]:
    """Turn a pydantic ValidationError into located InputErrors, one per problem."""
    found: list[InputError] = []
    for error in exc.errors(include_url=False):
        loc = (*prefix, *error["loc"])
        where = ".".join(str(part) for part in loc) or "(document)"
        kind = error["type"]
        message = error["msg"]
        hint = None
        if kind == "extra_forbidden":
            message = f"unknown key '{loc[-1]}'"
            hint = "remove it or check its spelling against `pmrules schema`"
        elif kind == "missing":
            message = f"missing required key '{loc[-1]}'"
        found.append(InputError(f"{where}: {message}", location=index.locate(*loc), hint=hint))
    return found
