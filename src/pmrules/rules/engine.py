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
- never a non-dict fact and never an empty batch;
- facts that hold equal values in every field a rule reads are one engine fact (rules/shapes.py):
  its matches fan out to every member, so 60,000 alike scorecard lines cost a few hundred.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import durable_rules_engine as _dre

from pmrules.errors import RuleError
from pmrules.rules.language import MAX_ALTERNATIVES, AllOf, AnyOf, Rule, alternatives, compiled_regex, iter_leaves
from pmrules.rules.shapes import FactShapes, category, check_facts, encode

MAX_RULES_PER_RULESET = 200  # 512+ per ruleset hangs the engine
MAX_CONJUNCTS = 5_000
MAX_NESTED = 12  # the engine refuses an $and holding 15+ nested $or (error 113)
# Activations one fact may cause in one ruleset: + the catch-all stays below the engine's 64. A rule's
# own limit (language.MAX_ALTERNATIVES) is lower, so every rule fits in one ruleset.
MAX_FIRINGS_PER_RULESET = 62
MAX_PROPERTIES = 28  # engine limit is 32 per fact, including id and k
BATCH = 1_000
CATCH_ALL = "all"


@dataclass(frozen=True, order=True)
class Match:
    """Rule `rule_id` holds for the fact whose `id` is `fact_id`."""

    rule_id: str
    fact_id: str


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
        got = category(value)
        if expected == "list":
            got = "list" if got == "str" else got
        actual = self.types.get((rule.fact, name))
        if got is None or (actual is not None and actual != got):
            raise RuleError(f"compares {rule.fact}.{name} ({actual}) with {value!r}")
        return encode("str", value) if expected == "list" else encode(got, value)

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


def _engine_fact(index: int, fact: Mapping[str, object], props: list[tuple[tuple[str, ...], str]],
                 kinds: dict[str, int], categories: dict[tuple[str, str], str]) -> dict[str, Any]:
    """The engine's copy of a fact: the properties of a chunk, encoded; each field's category is known already."""
    out: dict[str, Any] = {"id": f"f{index}", "k": kinds[fact["kind"]]}  # type: ignore[index]
    for key, prop in props:
        value = fact.get(key[2])
        if value is None:
            continue
        found = categories[(key[1], key[2])]
        if key[0] == "x":
            if found == "str" and compiled_regex(key[3]).search(str(value)):
                out[prop] = 1
        elif key[0] == "n":
            if found == "list":
                out[prop] = len(value)  # type: ignore[arg-type]
        else:
            out[prop] = encode(found, value)
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
    return sorted({Match(rules[r].id, str(facts[f]["id"])) for r, f in evaluate_positions(rules, facts)})


def evaluate_positions(rules: Sequence[Rule], facts: Sequence[Mapping[str, object]]) -> set[tuple[int, int]]:
    """Every (rule position, fact position) pair whose condition holds."""
    if not rules or not facts:
        return set()
    positions = check_facts(facts)
    if len({rule.id for rule in rules}) != len(rules):
        raise RuleError("rule ids passed to evaluate() must be unique")
    kinds = {kind: i for i, kind in enumerate(sorted(set(positions) | {r.fact for r in rules}))}
    wanted = {(rule.fact, name) for rule in rules for name, _, _ in iter_leaves(rule.when)}
    # Facts that look the same to every rule (same kind, equal values in every field a rule reads) match
    # the same rules: grouped once per kind here, then per chunk by the fields that chunk reads.
    shapes = FactShapes(facts, positions, wanted, {rule.fact for rule in rules})
    matches: set[tuple[int, int]] = set()
    for chunk in _chunks(rules, _Compiler(shapes.categories)):
        definition = {f"r{i}": chunk.render(unit, kinds) for i, unit in enumerate(chunk.units)}
        definition[CATCH_ALL] = {"all": [{"m": {"$ex": {"k": 1}}}]}
        engine_facts = []
        members: dict[int, list[int]] = {}
        for kind in sorted({unit.kind for unit in chunk.units} & set(shapes.kinds)):
            props = [(key, prop) for key, prop in chunk.props.items() if key[1] == kind]
            for group in shapes.kinds[kind].project(sorted({key[2] for key, _ in props})):
                engine_facts.append(_engine_fact(group[0], facts[group[0]], props, kinds, shapes.categories))
                members[group[0]] = group
        if not engine_facts:
            continue
        for rule_name, fact_ref in _run_chunk(engine_facts, definition):
            rule = chunk.units[int(rule_name[1:])].rule
            matches.update((rule, i) for i in members[int(fact_ref[1:])])
    return matches
