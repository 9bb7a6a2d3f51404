"""YAML in, plain data out, with the line of every key and item kept for `file:line` messages."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pmrules.errors import InputError, Location
from pmrules.safetext import excerpt

MAX_YAML_BYTES = 64_000_000
MAX_YAML_NODES = 5_000_000
MAX_YAML_DEPTH = 64

Path_ = tuple[str | int, ...]


@dataclass
class LineIndex:
    """The line every mapping key and sequence item of one YAML document starts on.

    Kept beside the document itself: each container's lines sit in a table of its own (keyed by
    the container's id; the document is held, so ids stay unique), filled as the parser goes, with
    no path tuple per key. `locate` walks the document along a path.
    """

    file: str
    root: Any = None
    tables: dict[int, Any] = field(default_factory=dict, repr=False)

    def locate(self, *path: str | int) -> Location:
        """The location of the deepest known prefix of `path` (line 1 for the document itself)."""
        line = 1
        node = self.root
        tables = self.tables
        for part in path:
            if isinstance(node, dict):
                try:
                    if part not in node:
                        break
                except TypeError:  # an unhashable part names no key
                    break
                line = tables[id(node)][part]
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                line = tables[id(node)][part]
                node = node[part]
            else:
                break
        return Location(self.file, line)


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
    index = LineIndex(name)
    _check_flow_depth(text, name)
    try:
        index.root = _compose(_PARSER(text), index)
        return index.root, index
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        if "nesting" in problem or "depth" in problem:  # a parser's own limit, in whatever words it uses
            raise _too_deep(name, line) from exc
        if exc.problem and exc.context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
            problem += f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
        raise InputError(
            f"YAML syntax error: {problem}", location=Location(name, line), hint="check indentation, colons and quotes"
        ) from exc
    except RecursionError as exc:
        raise _too_deep(name, None) from exc
    except yaml.YAMLError as exc:
        raise InputError(f"YAML error: {exc}", location=Location(name)) from exc


_PARSER = yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader

# YAML 1.2 core schema for plain scalars: `no`, `on`, `010` and `1:20` stay what they look like.
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_STR_TAGS = ("tag:yaml.org,2002:str", "!")
_COLLECTION_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "!")


# A plain scalar starting with anything else is a string: most keys and ids skip every pattern below.
_MAY_RESOLVE = frozenset("0123456789+-.~nNtTfF")


def _scalar(event: yaml.ScalarEvent, file: str, line: int) -> Any:
    value = event.value
    tag = event.tag
    if tag is None:
        if not event.implicit[0] or (value and value[0] not in _MAY_RESOLVE):
            return value  # quoted, or plain text that cannot be a number, date, bool or null
        return _resolve(value, Location(file, line)) if value else None
    if tag not in _STR_TAGS:
        raise InputError(f"YAML tag {excerpt(tag)} is not allowed", location=Location(file, line), hint="write plain values")
    return value


def _resolve(value: str, where: Location) -> Any:
    if _NULL.match(value):
        return None
    if value in _BOOL:
        return _BOOL[value]
    if _INT.match(value):
        if len(value) > 40:
            raise InputError("number has too many digits", location=where)
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    if _DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise InputError(f"{excerpt(value)} is not a valid date", location=where, hint="write YYYY-MM-DD") from exc
    return value


_NO_KEY = object()


def _compose(loader: Any, index: LineIndex) -> Any:
    """Plain data straight from parser events (libyaml's composer resolves every scalar in slow Python).

    Scalars are most of the events, so they take the shortest path; the line of every mapping key
    and sequence item goes to its container's table, which is what `LineIndex.locate` needs. The
    innermost container's state lives in locals (the enclosing ones on a stack): at 437k events,
    attribute lookups on a frame object were a third of the time.
    """
    get_event = loader.get_event
    stack: list[tuple[Any, bool, Any, Any]] = []
    container: Any = None  # the innermost open mapping or sequence; None at the top
    is_map = False
    key: Any = _NO_KEY  # a mapping's key waiting for its value
    table: Any = None  # the innermost container's lines: key -> line, or one line per item
    tables = index.tables
    root: Any = None
    documents = 0
    nodes = 0
    file = index.file
    scalar_event, mapping_start = yaml.ScalarEvent, yaml.MappingStartEvent
    mapping_end, sequence_end, stream_end = yaml.MappingEndEvent, yaml.SequenceEndEvent, yaml.StreamEndEvent
    skipped = (yaml.StreamStartEvent, yaml.DocumentEndEvent)
    # Plain scalars repeat (0.5, 1.0, a date...): each distinct text is resolved once. Errors are raised, never cached.
    resolved: dict[str, Any] = {}
    may_resolve = _MAY_RESOLVE
    try:
        while True:
            event = get_event()
            kind = type(event)
            if kind is scalar_event:
                nodes += 1
                if event.anchor is not None:
                    _refuse_anchor(file, event)
                text = event.value
                if event.tag is not None:
                    value = _scalar(event, file, event.start_mark.line + 1)
                elif not event.implicit[0] or (text and text[0] not in may_resolve):
                    value = text  # quoted, or plain text that cannot be a number, date, bool or null
                elif text in resolved:
                    value = resolved[text]
                else:
                    value = resolved[text] = _scalar(event, file, event.start_mark.line + 1)
                if is_map:
                    if key is _NO_KEY:
                        if value in container:
                            raise InputError(f"duplicate key {excerpt(value)}",
                                             location=Location(file, event.start_mark.line + 1),
                                             hint="each key may appear once in a mapping")
                        key = value
                        table[value] = event.start_mark.line + 1
                    else:
                        container[key] = value
                        key = _NO_KEY
                elif container is not None:
                    table.append(event.start_mark.line + 1)
                    container.append(value)
                else:
                    root = value
                continue
            if kind is mapping_end or kind is sequence_end:
                container, is_map, key, table = stack.pop()
                continue
            if kind is stream_end:
                break
            if kind in skipped:
                continue
            line = event.start_mark.line + 1
            if kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise InputError("only one YAML document per file", location=Location(file, line))
                continue
            if kind is yaml.AliasEvent or event.anchor is not None:
                _refuse_anchor(file, event)
            tag = event.tag
            if tag is not None and tag not in _COLLECTION_TAGS:
                raise InputError(f"YAML tag {excerpt(tag)} is not allowed", location=Location(file, line),
                                 hint="write plain values")
            nodes += 1
            if nodes > MAX_YAML_NODES:
                raise InputError("YAML document is too large", location=Location(file, line))
            opened: Any = {} if kind is mapping_start else []
            lines: Any = {} if kind is mapping_start else []
            tables[id(opened)] = lines
            if is_map:
                if key is _NO_KEY:
                    raise InputError("keys must be plain words (no complex keys)", location=Location(file, line))
                container[key] = opened
                key = _NO_KEY
            elif container is not None:
                table.append(line)
                container.append(opened)
            else:
                root = opened
            if len(stack) >= MAX_YAML_DEPTH:
                raise _too_deep(file, line)
            stack.append((container, is_map, key, table))
            container, is_map, key, table = opened, kind is mapping_start, _NO_KEY, lines
    finally:
        dispose = getattr(loader, "dispose", None)
        if dispose is not None:
            dispose()
    if nodes > MAX_YAML_NODES:
        raise InputError("YAML document is too large", location=Location(file))
    return root


_FLOW_BRACKETS = re.compile(r"[\[\]{}]")


def _check_flow_depth(text: str, file: str) -> None:
    """pmrules' depth limit for flow collections (`[[[...`), checked before the parser sees them.

    A YAML parser reads nested flow openers ahead of its first event (each may start a key), so
    the composer's own check would come too late and the parser's limit, worded its own way,
    would speak first. Brackets inside quoted strings are counted too: harmless, since 64
    unbalanced ones in a string do not occur in a workspace.
    """
    if text.count("[") + text.count("{") <= MAX_YAML_DEPTH:
        return
    depth = 0
    for match in _FLOW_BRACKETS.finditer(text):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise _too_deep(file, text.count("\n", 0, match.start()) + 1)
        elif depth:
            depth -= 1


def _too_deep(file: str, line: int | None) -> InputError:
    return InputError(f"YAML document is nested too deeply (more than {MAX_YAML_DEPTH} levels)",
                      location=Location(file, line), hint="flatten the structure")


def _refuse_anchor(file: str, event: yaml.Event) -> None:
    raise InputError("YAML anchors and aliases (&name / *name) are not supported",
                     location=Location(file, event.start_mark.line + 1), hint="write the repeated part out in full")


def pydantic_errors(exc: Any, index: LineIndex, prefix: Iterable[str | int] = ()) -> list[InputError]:
    """Turn a pydantic ValidationError into located InputErrors, one per problem."""
    found: list[InputError] = []
    seen: set[tuple[str | int, ...]] = set()
    for error in exc.errors(include_url=False):
        loc = (*prefix, *error["loc"])
        kind = error["type"]
        message = error["msg"]
        hint = None
        if kind in ("int_type", "float_type") and loc and loc[-1] in ("int", "float"):
            # A YAML number is `int | float`: pydantic reports each branch under an internal name; say it once.
            loc = loc[:-1]
            if loc in seen:
                continue
            message = f"must be a number, not {excerpt(str(error.get('input')))}"
            hint = "write a plain YAML number such as 1.25, without quotes"
        seen.add(loc)
        where = ".".join(str(part) for part in loc) or "(document)"
        if kind == "extra_forbidden":
            message = f"unknown key '{loc[-1]}'"
            hint = "remove it or check its spelling against `pmrules schema`"
        elif kind == "missing":
            message = f"missing required key '{loc[-1]}'"
        elif kind == "value_error" and hasattr(error.get("ctx", {}).get("error"), "hint"):
            message = str(error["ctx"]["error"])
            hint = error["ctx"]["error"].hint
        elif kind == "value_error":  # our own validators' messages say what to write; pydantic's prefix adds nothing
            message = str(message).removeprefix("Value error, ")
        found.append(InputError(f"{where}: {message}", location=index.locate(*loc), hint=hint))
    return found
