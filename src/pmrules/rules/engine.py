"""Where rules become durable-rules rulesets: the only module that touches the C engine.

durable-rules has measured traps (docs/notes, /work/shared/notes/durable-rules.md). This
wrapper makes each one impossible rather than unlikely:

- no `Host` at all (it starts timer threads that never stop and runs deferred actions later on
  a background thread): we call `durable_rules_engine` directly and drain every pending action
  synchronously, in this call;
- a fresh ruleset with a uuid name per chunk per call, its state and then the ruleset deleted
  in `finally`;
- every asserted fact matches a catch-all rule, and we check it fired exactly once per fact,
  so a batch can never silently lose activations;
- no Python runs inside the engine (no actions), so no exception can be swallowed;
- values are re-encoded so the C comparisons mean what Python's mean: numbers become an
  order-preserving int64 of their float64 (no exponent form, no 2^63 overflow), strings become
  hex of their UTF-8 (the engine compares raw bytes as signed chars), bools 0/1, lists
  de-duplicated; one type per field is enforced; `None` means absent;
- `matches` is decided by RE2's search, in time linear in the text (the engine's `$mt` is its own
  full-match dialect, Python's `re` can backtrack for minutes);
- conditions are compiled to flat conjuncts (DNF; `in` kept as one `$or` while a conjunct has
  at most 12), since the engine refuses 15+ nested `$or` in one `$and` (error 113);
- the engine stores at most 32 properties per fact and fails above 64 activations per fact:
  conjuncts are chunked so each ruleset reads <= 28 properties, can fire <= 62 times per fact
  and holds <= 200 engine rules (512+ rules per ruleset hangs the engine);
- field names are replaced by short generated names (no clash with `id`/`sid`, no dotted paths)
  and checked for FNV-1a hash collisions, which the engine would treat as one property;
- never a non-dict fact and never an empty batch.
"""

from __future__ import annotations

import json
import math
import struct
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from numbers import Rational
from typing import Any

import durable_rules_engine as _dre

from pmrules.errors import RuleError
from pmrules.rules.language import MAX_ALTERNATIVES, AllOf, AnyOf, Rule, alternatives, compiled_regex, iter_leaves

MAX_RULES_PER_RULESET = 200  # 512+ per ruleset hangs the engine
MAX_CONJUNCTS = 5_000
MAX_NESTED = 12  # the engine refuses an $and holding 15+ nested $or (error 113)
# Activations one fact may cause in one ruleset: + the catch-all stays below the engine's 64. A rule's
# own limit (language.MAX_ALTERNATIVES) is lower, so every rule fits in one ruleset.
MAX_FIRINGS_PER_RULESET = 62
MAX_PROPERTIES = 28  # engine limit is 32 per fact, including id and k
MAX_STRING_CHARS = 8_000  # hex doubles it; the engine keeps value lengths in 16 bits
BATCH = 1_000
CATCH_ALL = "all"


@dataclass(frozen=True, order=True)
class Match:
    """Rule `rule_id` holds for the fact whose `id` is `fact_id`."""

    rule_id: str
    fact_id: str


_UNKNOWN: Any = object()


def _ordered_int(value: float) -> int:
    """An int64 that orders and compares like the float64 (-0.0 == 0.0)."""
    bits = struct.unpack("<q", struct.pack("<d", value))[0]
    return bits if bits >= 0 else -(bits & 0x7FFF_FFFF_FFFF_FFFF)


# The exact types facts hold almost always, looked up before the isinstance chain (hundreds of thousands of calls).
_CATEGORY_OF_TYPE: dict[type, str | None] = {type(None): None, bool: "bool", int: "number", float: "number",
                                             Decimal: "number", str: "str"}


def _category(value: object) -> str | None:
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


def _encode(category: str, value: Any) -> Any:
    if category == "bool":
        return int(value)
    if category == "number":
        try:
            number = float(value)
        except OverflowError as exc:
            raise RuleError(f"number too large for the rule engine: {value}") from exc
        if math.isnan(number):
            raise RuleError("NaN cannot be compared by rules")
        return _ordered_int(number)
    if category == "str":
        if len(value) > MAX_STRING_CHARS:
            raise RuleError(f"text of {len(value):,} characters is too long for the rule engine")
        return value.encode("utf-8").hex()
    return sorted({_encode("str", item) for item in value})


def _fnv1a(name: str) -> int:
    digest = 2166136261
    for byte in name.encode():
        digest = ((digest ^ byte) * 16777619) & 0xFFFFFFFF
    return digest


_RESERVED_HASHES = {_fnv1a(name) for name in ("id", "sid", "k", "$s")}


Key = tuple[str, ...]  # ("v"|"n", kind, field) or ("x", kind, field, regex): one fact property
Test = tuple[str, Key, Any]  # (engine operator, property, encoded value): one flat comparison
Conjunct = tuple[Test, ...]


@dataclass
class _Unit:
    """One conjunct of one rule's condition in disjunctive normal form: one engine rule."""

    rule: int
    kind: str
    tests: Conjunct


@dataclass
class _Chunk:
    """Engine rules that share one ruleset, and the fact properties they read."""

    units: list[_Unit] = field(default_factory=list)
    props: dict[Key, str] = field(default_factory=dict)
    firings: dict[int, int] = field(default_factory=dict)

    def name_for(self, key: Key) -> str:
        if key not in self.props:
            name = f"p{len(self.props)}"
            if _fnv1a(name) in _RESERVED_HASHES or _fnv1a(name) in {_fnv1a(n) for n in self.props.values()}:
                raise RuleError(f"internal: property name {name} collides in the engine")  # pragma: no cover
            self.props[key] = name
        return self.props[key]

    def render(self, unit: _Unit, kinds: dict[str, int]) -> dict[str, Any]:
        parts: list[dict[str, Any]] = [{"k": kinds[unit.kind]}]
        for op, key, value in unit.tests:
            name = self.name_for(key)
            if op == "=":
                parts.append({name: value})
            elif op == "$or_eq":
                parts.append({"$or": [{name: v} for v in value]})
            elif op == "$iany":
                parts.append({"$iany": {name: {"$i": value}}})
            elif op == "$iall_neq":
                parts.append({"$iall": {name: {"$neq": {"$i": value}}}})
            else:
                parts.append({op: {name: value}})
        return {"all": [{"m": parts[0] if len(parts) == 1 else {"$and": parts}}]}


_COMPARISONS = {"ne": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}


def _product(left: list[Conjunct], right: list[Conjunct]) -> list[Conjunct]:
    out = [a + b for a in left for b in right]
    if len(out) > MAX_CONJUNCTS:
        raise RuleError(f"condition expands to more than {MAX_CONJUNCTS:,} combinations")
    return out


class _Compiler:
    """Turns a rule's `when` into flat conjuncts (DNF).

    Why DNF: the engine refuses an `$and` holding more than 14 nested `$or`/`$and` (error 113,
    32 expressions per beta node) but takes any number of flat comparisons.
    """

    def __init__(self, types: dict[tuple[str, str], str]) -> None:
        self.types = types

    def conjuncts(self, rule: Rule) -> list[Conjunct]:
        if rule.when is None:
            return [()]
        try:
            return [flat for tests in self.node(rule, rule.when) for flat in _limit_nesting(tests)]
        except RuleError as exc:
            raise RuleError(f"rule '{rule.id}': {exc.message}", location=rule.location, hint=exc.hint) from exc

    def node(self, rule: Rule, node: Any) -> list[Conjunct]:
        if isinstance(node, AnyOf):
            out = [c for item in node.any for c in self.node(rule, item)]
            if len(out) > MAX_CONJUNCTS:
                raise RuleError(f"condition expands to more than {MAX_CONJUNCTS:,} combinations")
            return out
        result: list[Conjunct] = [()]
        if isinstance(node, AllOf):
            for item in node.all:
                result = _product(result, self.node(rule, item))
            return result
        for name, ops in node.root.items():
            for op, value in ops.given():
                result = _product(result, self.leaf(rule, name, op, value))
        return result

    def _value(self, rule: Rule, name: str, expected: str, value: Any) -> Any:
        got = _category(value)
        if expected == "list":
            got = "list" if got == "str" else got
        actual = self.types.get((rule.fact, name))
        if got is None or (actual is not None and actual != got):
            raise RuleError(f"compares {rule.fact}.{name} ({actual}) with {value!r}")
        return _encode("str", value) if expected == "list" else _encode(got, value)

    def leaf(self, rule: Rule, name: str, op: str, value: Any) -> list[Conjunct]:
        if op == "matches":
            return [(("=", ("x", rule.fact, name, value), 1),)]
        key = ("v", rule.fact, name)
        if op == "exists":
            return [(("$ex" if value else "$nex", key, 1),)]
        if op == "contains":
            return [(("$iany", key, self._value(rule, name, "list", value)),)]
        if op == "not_contains":
            # $iall is false on an empty list, so an empty list is tested on its length.
            item = self._value(rule, name, "list", value)
            return [(("=", ("n", rule.fact, name), 0),), (("$iall_neq", key, item),)]
        if op in ("in", "not_in"):
            encoded = sorted({json.dumps(self._value(rule, name, "", v)) for v in value})
            if op == "in":
                values = tuple(json.loads(v) for v in encoded)
                return [(("$or_eq", key, values),)] if len(values) > 1 else [(("=", key, values[0]),)]
            return [tuple(("$neq", key, json.loads(v)) for v in encoded)]
        encoded_value = self._value(rule, name, "", value)
        return [(("=" if op == "eq" else _COMPARISONS[op], key, encoded_value),)]


def _limit_nesting(tests: Conjunct) -> list[Conjunct]:
    """Expand `in` lists (smallest first) until a conjunct holds at most MAX_NESTED `$or`s."""
    nested = sorted((len(t[2]), i) for i, t in enumerate(tests) if t[0] == "$or_eq")
    if len(nested) <= MAX_NESTED:
        return [tests]
    _, i = nested[0]
    op, key, values = tests[i]
    rest = tests[:i] + tests[i + 1 :]
    return [flat for v in values for flat in _limit_nesting(rest + (("=", key, v),))]


def _chunks(rules: Sequence[Rule], compiler: _Compiler) -> list[_Chunk]:
    chunks: list[_Chunk] = []
    current = _Chunk()
    for index, rule in enumerate(rules):
        bound = alternatives(rule.when)
        if bound > MAX_ALTERNATIVES:
            raise RuleError(
                f"rule '{rule.id}' can hold in {bound} ways at once; the engine allows {MAX_ALTERNATIVES}",
                location=rule.location,
            )
        for tests in compiler.conjuncts(rule):
            keys = {key for _, key, _ in tests}
            if len(keys) > MAX_PROPERTIES:
                raise RuleError(f"rule '{rule.id}' reads more than {MAX_PROPERTIES} fields", location=rule.location)
            firing = 0 if current.firings.get(index, 0) >= bound else 1
            if current.units and (
                len(current.units) >= MAX_RULES_PER_RULESET
                or len(set(current.props) | keys) > MAX_PROPERTIES
                or sum(current.firings.values()) + firing > MAX_FIRINGS_PER_RULESET
            ):
                chunks.append(current)
                current = _Chunk()
                firing = 1
            current.units.append(_Unit(index, rule.fact, tests))
            current.firings[index] = current.firings.get(index, 0) + firing
            for key in sorted(keys):
                current.name_for(key)
    chunks.append(current)
    return chunks


def _field_types(facts: Sequence[Mapping[str, object]], wanted: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    types: dict[tuple[str, str], str] = {}
    by_kind: dict[str, list[str]] = {}
    for kind, name in sorted(wanted):
        by_kind.setdefault(kind, []).append(name)
    for fact in facts:
        kind = str(fact["kind"])
        for name in by_kind.get(kind, ()):
            category = _category(fact.get(name))
            if category is None:
                continue
            known = types.setdefault((kind, name), category)
            if known != category:
                raise RuleError(
                    f"field {kind}.{name} holds both {known} and {category} values (fact {fact['id']!r})",
                    hint="give every field one type",
                )
    return types


def _check_facts(facts: Sequence[Mapping[str, object]]) -> None:
    seen: set[tuple[str, str]] = set()
    for position, fact in enumerate(facts):
        if not isinstance(fact, Mapping):
            raise RuleError(f"fact #{position} is a {type(fact).__name__}, not a mapping")
        if not isinstance(fact.get("kind"), str) or not isinstance(fact.get("id"), str):
            raise RuleError(f"fact #{position} needs a string 'kind' and a string 'id'")
        key = (fact["kind"], fact["id"])
        if key in seen:
            raise RuleError(f"two {fact['kind']} facts have the id {fact['id']!r}; ids must be unique per kind")
        seen.add(key)  # type: ignore[arg-type]


def _engine_fact(index: int, fact: Mapping[str, object], props: list[tuple[tuple[str, ...], str]],
                 kinds: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": f"f{index}", "k": kinds[fact["kind"]]}  # type: ignore[index]
    for key, prop in props:
        value = fact.get(key[2])
        category = _category(value)
        if key[0] == "x":
            if category == "str" and compiled_regex(key[3]).search(str(value)):
                out[prop] = 1
        elif key[0] == "n":
            if category == "list":
                out[prop] = len(value)  # type: ignore[arg-type]
        elif category is not None:
            out[prop] = _encode(category, value)
    return out


def _activations(handle: Any, first: tuple[Any, ...] | None, state: Any) -> Iterator[tuple[str, str]]:
    """Drain pending activations synchronously: (engine rule name, engine fact id)."""
    message = first[1] if first else None
    while message:
        for rule_name, frame in json.loads(message).items():
            yield rule_name, frame["m"]["id"]
        message = _dre.complete_and_start_action(handle, state)


def _run_chunk(engine_facts: list[dict[str, Any]], definition: dict[str, Any]) -> set[tuple[str, str]]:
    fired: set[tuple[str, str]] = set()
    catch_all = 0
    try:
        handle = _dre.create_ruleset(f"pmrules_{uuid.uuid4().hex}", json.dumps(definition))
    except _dre.error as exc:
        raise RuleError(f"the rule engine refused the compiled rules: {exc}") from exc
    try:
        for start in range(0, len(engine_facts), BATCH):
            batch = engine_facts[start : start + BATCH]
            status, state = _dre.assert_facts(handle, json.dumps(batch))
            if status in (1, 2):
                raise RuleError(f"the rule engine refused a batch of facts (status {status})")
            found = list(_activations(handle, _dre.start_action_for_state(handle, state), state))
            while (leftover := _dre.start_action(handle)) is not None:
                found.extend(_activations(handle, leftover, leftover[2]))
            for rule_name, fact_id in found:
                if rule_name == CATCH_ALL:
                    catch_all += 1
                else:
                    fired.add((rule_name, fact_id))
    except _dre.error as exc:
        raise RuleError(f"the rule engine failed: {exc}") from exc
    finally:
        try:
            _dre.delete_state(handle, "0")
        finally:
            _dre.delete_ruleset(handle)
    if catch_all != len(engine_facts):
        raise RuleError(f"the rule engine saw {catch_all} of {len(engine_facts)} facts; results would be incomplete")
    return fired


def evaluate(rules: Sequence[Rule], facts: Sequence[Mapping[str, object]]) -> list[Match]:
    """Every (rule, fact) pair whose condition holds, sorted by rule id then fact id."""
    if not rules or not facts:
        return []
    _check_facts(facts)
    if len({rule.id for rule in rules}) != len(rules):
        raise RuleError("rule ids passed to evaluate() must be unique")
    kinds = {kind: i for i, kind in enumerate(sorted({str(f["kind"]) for f in facts} | {r.fact for r in rules}))}
    wanted = {(rule.fact, name) for rule in rules for name, _, _ in iter_leaves(rule.when)}
    types = _field_types(facts, wanted)
    matches: set[Match] = set()
    for chunk in _chunks(rules, _Compiler(types)):
        definition = {f"r{i}": chunk.render(unit, kinds) for i, unit in enumerate(chunk.units)}
        definition[CATCH_ALL] = {"all": [{"m": {"$ex": {"k": 1}}}]}
        chunk_kinds = {unit.kind for unit in chunk.units}
        props = {kind: [(key, prop) for key, prop in chunk.props.items() if key[1] == kind] for kind in chunk_kinds}
        # Facts that look the same to every rule of the chunk (same kind, same encoded fields) match the
        # same rules: the engine sees each such shape once, and its matches fan out to every fact of it.
        shapes: dict[str, list[int]] = {}
        engine_facts = []
        for i, f in enumerate(facts):
            if f["kind"] not in chunk_kinds:
                continue
            engine_fact = _engine_fact(i, f, props[f["kind"]], kinds)  # type: ignore[index]
            shape = json.dumps([(k, v) for k, v in engine_fact.items() if k != "id"])
            if shape not in shapes:
                shapes[shape] = []
                engine_facts.append(engine_fact)
            shapes[shape].append(i)
        if not engine_facts:
            continue
        members = {ids[0]: ids for ids in shapes.values()}
        for rule_name, fact_ref in _run_chunk(engine_facts, definition):
            rule = rules[chunk.units[int(rule_name[1:])].rule]
            for i in members[int(fact_ref[1:])]:
                matches.add(Match(rule.id, str(facts[i]["id"])))
    return sorted(matches)
