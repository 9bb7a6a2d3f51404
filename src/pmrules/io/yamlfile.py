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
    index = LineIndex(name, {(): 1})
    _check_flow_depth(text, name)
    try:
        return _compose(yaml.parse(text, Loader=_PARSER), index), index
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


class _Frame:
    __slots__ = ("container", "is_map", "key", "path")

    def __init__(self, container: Any, path: Path_, is_map: bool) -> None:
        self.container = container
        self.path = path
        self.key: Any = _NO_KEY
        self.is_map = is_map


_NO_KEY = object()


def _compose(events: Iterable[yaml.Event], index: LineIndex) -> Any:
    """Plain data straight from parser events (libyaml's composer resolves every scalar in slow Python).

    Scalars are most of the events, so they take the shortest path; lines are kept for every
    mapping key and sequence item, which is what `LineIndex.locate` needs.
    """
    stack: list[_Frame] = []
    root: Any = None
    documents = 0
    nodes = 0
    file = index.file
    lines = index.lines
    scalar_event = yaml.ScalarEvent
    # Plain scalars repeat (0.5, 1.0, a date...): each distinct text is resolved once. Errors are raised, never cached.
    resolved: dict[str, Any] = {}
    may_resolve = _MAY_RESOLVE
    for event in events:
        kind = type(event)
        if kind is scalar_event:
            nodes += 1
            if event.anchor is not None:
                _refuse_anchor(file, event)
            if stack:
                frame = stack[-1]
                if frame.is_map:
                    text = event.value
                    if event.tag is not None:
                        value = _scalar(event, file, event.start_mark.line + 1)
                    elif not event.implicit[0] or (text and text[0] not in may_resolve):
                        value = text  # quoted, or plain text that cannot be a number, date, bool or null
                    elif text in resolved:
                        value = resolved[text]
                    else:
                        value = resolved[text] = _scalar(event, file, event.start_mark.line + 1)
                    if frame.key is _NO_KEY:
                        line = event.start_mark.line + 1
                        if value in frame.container:
                            raise InputError(f"duplicate key {excerpt(value)}", location=Location(file, line),
                                             hint="each key may appear once in a mapping")
                        frame.key = value
                        lines.setdefault((*frame.path, value), line)
                    else:
                        frame.container[frame.key] = value
                        frame.key = _NO_KEY
                else:
                    line = event.start_mark.line + 1
                    lines.setdefault((*frame.path, len(frame.container)), line)
                    text = event.value
                    if event.tag is None and event.implicit[0] and text in resolved:
                        frame.container.append(resolved[text])
                    else:
                        value = _scalar(event, file, line)
                        if event.tag is None and event.implicit[0]:
                            resolved[text] = value
                        frame.container.append(value)
            else:
                root = _scalar(event, file, event.start_mark.line + 1)
            continue
        if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
            continue
        if kind is yaml.StreamStartEvent or kind is yaml.StreamEndEvent or kind is yaml.DocumentEndEvent:
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
        value = {} if kind is yaml.MappingStartEvent else []
        if stack:
            frame = stack[-1]
            if frame.is_map:
                if frame.key is _NO_KEY:
                    raise InputError("keys must be plain words (no complex keys)", location=Location(file, line))
                path = (*frame.path, frame.key)
                frame.container[frame.key] = value
                frame.key = _NO_KEY
            else:
                path = (*frame.path, len(frame.container))
                lines.setdefault(path, line)
                frame.container.append(value)
        else:
            path = ()
            root = value
        if len(stack) >= MAX_YAML_DEPTH:
            raise _too_deep(file, line)
        stack.append(_Frame(value, path, kind is yaml.MappingStartEvent))
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
