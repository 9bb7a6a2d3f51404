"""Facts as the rule engine sees them: checked, typed once per field, and grouped by shape.

Why shapes: 60,000 scorecard lines are mostly alike in every field a rule reads (a few KPIs, a
few centre types, a few target patterns). Facts that hold equal values in every field the rules
read match the same rules, so the engine sees each distinct shape once and its matches fan out to
every member. Equal means equal *as the engine will compare them*: values of one Python type that
are equal in Python encode to the same engine value (see `encode`); where a field mixes Python
types (an int and a Decimal), the type is part of the shape, so no value that would fail to encode
can hide behind an equal one that encodes.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping, Sequence
from decimal import Decimal
from numbers import Rational
from operator import itemgetter
from typing import Any

from pmrules.errors import RuleError

MAX_STRING_CHARS = 8_000  # hex doubles it; the engine keeps value lengths in 16 bits

_UNKNOWN: Any = object()


def ordered_int(value: float) -> int:
    """An int64 that orders and compares like the float64 (-0.0 == 0.0)."""
    bits = struct.unpack("<q", struct.pack("<d", value))[0]
    return bits if bits >= 0 else -(bits & 0x7FFF_FFFF_FFFF_FFFF)


# The exact types facts hold almost always, looked up before the isinstance chain.
_CATEGORY_OF_TYPE: dict[type, str | None] = {type(None): None, bool: "bool", int: "number", float: "number",
                                             Decimal: "number", str: "str"}


def category(value: object) -> str | None:
    """bool | number | str | list (of str), None for an absent value; anything else is refused."""
    known = _CATEGORY_OF_TYPE.get(type(value), _UNKNOWN)
    if known is not _UNKNOWN:
        return known
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float | Decimal | Rational):
        return "number"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return "list"
    raise RuleError(f"cannot evaluate rules on a value of type {type(value).__name__}: {value!r}")


def encode(kind: str, value: Any) -> Any:
    """The engine value of a fact value of category `kind` (see the engine module's docstring)."""
    if kind == "bool":
        return int(value)
    if kind == "number":
        try:
            number = float(value)
        except OverflowError as exc:
            raise RuleError(f"number too large for the rule engine: {value}") from exc
        if math.isnan(number):
            raise RuleError("NaN cannot be compared by rules")
        return ordered_int(number)
    if kind == "str":
        if len(value) > MAX_STRING_CHARS:
            raise RuleError(f"text of {len(value):,} characters is too long for the rule engine")
        return value.encode("utf-8").hex()
    return sorted({encode("str", item) for item in value})


def check_facts(facts: Sequence[Mapping[str, object]]) -> dict[str, list[int]]:
    """Refuse what would crash the engine or merge two facts; the positions of each kind's facts, in order."""
    positions: dict[str, list[int]] = {}
    ids: dict[str, list[str]] = {}
    for position, fact in enumerate(facts):
        if type(fact) is not dict and not isinstance(fact, Mapping):
            raise RuleError(f"fact #{position} is a {type(fact).__name__}, not a mapping")
        kind, fact_id = fact.get("kind"), fact.get("id")
        if (type(kind) is not str or type(fact_id) is not str) and not (
                isinstance(kind, str) and isinstance(fact_id, str)):
            raise RuleError(f"fact #{position} needs a string 'kind' and a string 'id'")
        if kind in positions:
            positions[kind].append(position)  # type: ignore[index]
            ids[kind].append(fact_id)  # type: ignore[index, arg-type]
        else:
            positions[kind] = [position]  # type: ignore[index]
            ids[kind] = [fact_id]  # type: ignore[index, list-item]
    if any(len(set(same)) != len(same) for same in ids.values()):
        seen: set[tuple[object, object]] = set()
        for fact in facts:  # name the first repeat, in fact order
            key = (fact["kind"], fact["id"])
            if key in seen:
                raise RuleError(f"two {key[0]} facts have the id {key[1]!r}; ids must be unique per kind")
            seen.add(key)
    return positions


def _field_types_in_order(facts: Sequence[Mapping[str, object]], wanted: set[tuple[str, str]]) -> None:
    """Fact by fact, so the first value that breaks "one type per field" is the one named."""
    types: dict[tuple[str, str], str] = {}
    by_kind: dict[str, list[str]] = {}
    for kind, name in sorted(wanted):
        by_kind.setdefault(kind, []).append(name)
    for fact in facts:
        kind = str(fact["kind"])
        for name in by_kind.get(kind, ()):
            found = category(fact.get(name))
            if found is None:
                continue
            known = types.setdefault((kind, name), found)
            if known != found:
                raise RuleError(
                    f"field {kind}.{name} holds both {known} and {found} values (fact {fact['id']!r})",
                    hint="give every field one type",
                )


class FactShapes:
    """Every fact kind's shapes, and the category of every field a rule reads (one type per field)."""

    def __init__(self, facts: Sequence[Mapping[str, object]], positions: dict[str, list[int]],
                 wanted: set[tuple[str, str]], kinds: set[str]) -> None:
        self.categories: dict[tuple[str, str], str] = {}
        self.kinds: dict[str, Shapes] = {}
        names: dict[str, list[str]] = {kind: [] for kind in sorted(kinds)}
        for kind, name in sorted(wanted):
            names.setdefault(kind, []).append(name)
        for kind, fields in names.items():
            if kind in positions:
                self.kinds[kind] = self._shapes(facts, positions[kind], kind, fields, wanted)

    def _shapes(self, facts: Sequence[Mapping[str, object]], members: list[int], kind: str, names: list[str],
                wanted: set[tuple[str, str]]) -> Shapes:
        # First by the identity of the values: the very same objects encode alike, whatever their type.
        # Each group's first key stays referenced, so no other object can take its values' ids meanwhile.
        by_ids: dict[tuple[int, ...], list[int]] = {}
        first: dict[tuple[int, ...], tuple[Any, ...]] = {}
        for i in members:
            key = tuple(map(facts[i].get, names))
            ids = tuple(map(id, key))
            group = by_ids.get(ids)
            if group is None:
                by_ids[ids] = [i]
                first[ids] = key
            else:
                group.append(i)
        # Then the types, once per distinct tuple of types (a value of an unusual type, once per object).
        found: list[set[str | None]] = [set() for _ in names]
        python_types: list[set[type]] = [set() for _ in names]
        by_types: dict[tuple[type, ...], list[tuple[Any, ...]]] = {}
        for key in first.values():
            by_types.setdefault(tuple(map(type, key)), []).append(key)
        try:
            for types, same in by_types.items():
                for p, python_type in enumerate(types):
                    python_types[p].add(python_type)
                    known = _CATEGORY_OF_TYPE.get(python_type, _UNKNOWN)
                    if known is _UNKNOWN:
                        found[p].update(category(value) for value in {id(key[p]): key[p] for key in same}.values())
                    else:
                        found[p].add(known)
        except RuleError:
            _field_types_in_order(facts, wanted)  # raises for the first offending fact
            raise  # pragma: no cover
        lists, mixed = [], []
        for p, name in enumerate(names):
            found[p].discard(None)
            if len(found[p]) > 1:
                _field_types_in_order(facts, wanted)
                raise RuleError(f"internal: field {kind}.{name} is not of one type")  # pragma: no cover
            if found[p]:
                self.categories[(kind, name)] = str(next(iter(found[p])))
                lists += [p] if self.categories[(kind, name)] == "list" else []
            if len(python_types[p] - {type(None)}) > 1:
                mixed.append(p)
        # Then by content: equal values of one type encode alike (an int and a Decimal are kept apart).
        shapes = Shapes(names)
        tuples: dict[int, tuple[str, ...]] = {}  # each list once (the lists stay referenced by the facts)
        for ids, group in by_ids.items():
            key = first[ids]
            shapes.add(_hashable(key, lists, mixed, tuples) if lists or mixed else key, group)
        return shapes


class Shapes:
    """The facts of one kind grouped by the values of the fields rules read (distinct shapes, first-seen order)."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self._groups: dict[tuple[Any, ...], list[int]] = {}

    def add(self, key: tuple[Any, ...], members: list[int]) -> None:
        if key in self._groups:
            self._groups[key] = sorted(self._groups[key] + members)
        else:
            self._groups[key] = members

    @property
    def keys(self) -> list[tuple[Any, ...]]:
        return list(self._groups)

    @property
    def members(self) -> list[list[int]]:
        return list(self._groups.values())

    def project(self, names: list[str]) -> list[list[int]]:
        """Members grouped by the values of a subset of the fields: one group per engine fact, first-seen order."""
        if names == self.names:
            return self.members
        where = [self.names.index(name) for name in names]
        pick = itemgetter(*where) if len(where) > 1 else (lambda key: tuple(key[p] for p in where))
        groups: dict[tuple[Any, ...], list[int]] = {}
        for key, members in self._groups.items():
            sub = pick(key)
            if sub in groups:
                groups[sub].extend(members)
            else:
                groups[sub] = list(members)
        return [sorted(group) for group in groups.values()]


def _hashable(key: tuple[Any, ...], lists: list[int], mixed: list[int], tuples: dict[int, tuple[str, ...]]) -> tuple[Any, ...]:
    values = list(key)
    for p in lists:
        value = values[p]
        if value is not None:
            values[p] = tuples.get(id(value)) or tuples.setdefault(id(value), tuple(value))
    for p in mixed:
        values[p] = (type(key[p]), values[p])
    return tuple(values)
