"""The durable-rules wrapper, held to a plain-Python oracle of the same conditions."""

from __future__ import annotations

import re
import threading
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmrules.errors import Location, RuleError
from pmrules.rules import Match, Rule, evaluate

FIELDS = {"s1": "str", "s2": "str", "n1": "number", "n2": "number", "b1": "bool", "l1": "list[str]"}
KINDS = ["line", "centre"]
STRINGS = ["", "a", "ab", "abc", "b", "z", "é", "ü", "日本", 'a"b', "a\\b", "a\nb", "\x00x", "1e5"]
NUMBERS: list[Any] = [0, -0.0, 1, 1.0, 1.5, -2, 1e-05, -1e-05, 1e16, 2**63 + 5, 10**20, -(10**20),
                      Decimal("0.1"), 0.1, Fraction(1, 3), float("inf"), 9]
REGEXES = ["^a", "b$", "é", "a|z", ".", "^$", "[0-9]", r"\n"]


# ---------- the oracle: a plain-Python reading of the language ----------
def _missing(value: Any) -> bool:
    return value is None


def oracle_leaf(value: Any, op: str, arg: Any, field_type: str) -> bool:
    if op == "exists":
        return (not _missing(value)) == arg
    if _missing(value):
        return False
    if field_type == "number":
        value = float(value)
        arg = [float(a) for a in arg] if isinstance(arg, list) else float(arg)
    if op == "eq":
        return value == arg
    if op == "ne":
        return value != arg
    if op == "lt":
        return value < arg
    if op == "lte":
        return value <= arg
    if op == "gt":
        return value > arg
    if op == "gte":
        return value >= arg
    if op == "in":
        return value in arg
    if op == "not_in":
        return value not in arg
    if op == "contains":
        return arg in value
    if op == "not_contains":
        return arg not in value
    if op == "matches":
        return re.search(arg.replace("$", r"\Z"), value) is not None  # RE2: `$` is the very end, like \Z
    raise AssertionError(op)


def oracle_condition(cond: Any, fact: dict[str, Any]) -> bool:
    if cond is None:
        return True
    if "all" in cond:
        return all(oracle_condition(c, fact) for c in cond["all"])
    if "any" in cond:
        return any(oracle_condition(c, fact) for c in cond["any"])
    return all(
        oracle_leaf(fact.get(name), op, arg, FIELDS[name]) for name, ops in cond.items() for op, arg in ops.items()
    )


def oracle(rules: list[dict[str, Any]], facts: list[dict[str, Any]]) -> list[Match]:
    return sorted(
        Match(r["id"], f["id"])
        for r in rules
        for f in facts
        if f["kind"] == r["fact"] and oracle_condition(r.get("when"), f)
    )


# ---------- strategies ----------
strings = st.sampled_from(STRINGS) | st.text(max_size=3)
numbers = st.sampled_from(NUMBERS) | st.integers(-3, 3) | st.floats(allow_nan=False, width=64)
values = {
    "str": strings,
    "number": numbers,
    "bool": st.booleans(),
    "list[str]": st.lists(strings, max_size=3),
}
rule_values = {**values, "number": st.sampled_from([v for v in NUMBERS if isinstance(v, int | float)])
               | st.integers(-3, 3) | st.floats(allow_nan=False, width=64)}
OPS = {
    "str": ["eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "exists", "matches"],
    "number": ["eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "exists"],
    "bool": ["eq", "ne", "in", "not_in", "exists"],
    "list[str]": ["contains", "not_contains", "exists"],
}


@st.composite
def leaf_ops(draw: st.DrawFn, field_type: str) -> dict[str, Any]:
    ops = draw(st.lists(st.sampled_from(OPS[field_type]), min_size=1, max_size=2, unique=True))
    scalar = strings if field_type == "list[str]" else rule_values[field_type]
    out: dict[str, Any] = {}
    for op in ops:
        if op == "exists":
            out[op] = draw(st.booleans())
        elif op == "matches":
            out[op] = draw(st.sampled_from(REGEXES))
        elif op in ("in", "not_in"):
            out[op] = draw(st.lists(scalar, min_size=1, max_size=3))
        else:
            out[op] = draw(scalar)
    return out


@st.composite
def conditions(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    if depth >= 2 or draw(st.booleans()):
        names = draw(st.lists(st.sampled_from(sorted(FIELDS)), min_size=1, max_size=2, unique=True))
        return {name: draw(leaf_ops(FIELDS[name])) for name in names}
    key = draw(st.sampled_from(["all", "any"]))
    return {key: draw(st.lists(conditions(depth + 1), min_size=1, max_size=3))}


@st.composite
def facts(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for i in range(draw(st.integers(1, 12))):
        fact: dict[str, Any] = {"id": f"fact-{i}", "kind": draw(st.sampled_from(KINDS))}
        for name, field_type in FIELDS.items():
            presence = draw(st.sampled_from(["value", "value", "missing", "none"]))
            if presence == "value":
                fact[name] = draw(values[field_type])
            elif presence == "none":
                fact[name] = None
        out.append(fact)
    return out


@st.composite
def rule_dicts(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(1, 8))
    return [
        {
            "id": f"r.{i}",
            "fact": draw(st.sampled_from(KINDS)),
            "when": draw(st.none() | conditions()),
        }
        for i in range(count)
    ]


def make_rule(spec: dict[str, Any], line: int = 1) -> Rule:
    data = {"title": "t", "severity": "error", "message": "m", **spec}
    if data.get("when") is None:
        data.pop("when", None)
    return Rule.model_validate({**data, "ruleset": "t", "source": "t", "location": Location("t.yaml", line)})


# ---------- tests ----------
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=rule_dicts(), fact_list=facts())
def test_engine_agrees_with_oracle(rules: list[dict[str, Any]], fact_list: list[dict[str, Any]]) -> None:
    assert evaluate([make_rule(r) for r in rules], fact_list) == oracle(rules, fact_list)


def _simple(n: int, fact: str = "line", **when: Any) -> list[Rule]:
    return [make_rule({"id": f"r.{i:04d}", "fact": fact, "when": {"n1": {"gte": i}} if not when else when})
            for i in range(n)]


def test_empty_inputs_do_not_touch_engine() -> None:
    assert evaluate([], [{"id": "a", "kind": "line"}]) == []
    assert evaluate(_simple(1), []) == []


def test_back_to_back_identical() -> None:
    rules = _simple(30)
    fact_list = [{"id": f"f{i}", "kind": "line", "n1": i % 40} for i in range(500)]
    first = evaluate(rules, fact_list)
    assert first == evaluate(rules, fact_list)
    assert first == oracle([{"id": r.id, "fact": "line", "when": {"n1": {"gte": int(r.id[2:])}}} for r in rules],
                           fact_list)


def test_no_thread_growth() -> None:
    rules = _simple(3)
    before = threading.active_count()
    for i in range(200):
        evaluate(rules, [{"id": "a", "kind": "line", "n1": i}])
    assert threading.active_count() <= before


def test_300_rules_and_100_matching_one_fact() -> None:
    rules = _simple(300)
    result = evaluate(rules, [{"id": "a", "kind": "line", "n1": 99}, {"id": "b", "kind": "line", "n1": 299}])
    assert sum(m.fact_id == "a" for m in result) == 100
    assert sum(m.fact_id == "b" for m in result) == 300


def test_5000_facts_lose_nothing() -> None:
    rules = [make_rule({"id": "even", "fact": "line", "when": {"b1": {"eq": True}}}),
             make_rule({"id": "big", "fact": "line", "when": {"n1": {"gt": 4000}}})]
    fact_list = [{"id": f"f{i:05d}", "kind": "line", "n1": i, "b1": i % 2 == 0} for i in range(5000)]
    # half of the facts match nothing: the trap that used to defer actions
    result = evaluate(rules, fact_list)
    assert len(result) == 2500 + 999
    assert result == oracle([{"id": "even", "fact": "line", "when": {"b1": {"eq": True}}},
                             {"id": "big", "fact": "line", "when": {"n1": {"gt": 4000}}}], fact_list)


def test_wide_any_is_chunked_not_crashed() -> None:
    wide = {"any": [{"n1": {"gte": i}} for i in range(40)]}
    rules = [make_rule({"id": f"w{i}", "fact": "line", "when": wide}) for i in range(5)]
    assert len(evaluate(rules, [{"id": "a", "kind": "line", "n1": 100}])) == 5


def test_many_fields_are_chunked() -> None:
    names = [f"x{i}" for i in range(60)]
    rules = [make_rule({"id": f"r{n}", "fact": "line", "when": {n: {"eq": 1}}}) for n in names]
    fact = {"id": "a", "kind": "line", **{n: 1 for n in names}}
    assert len(evaluate(rules, [fact])) == 60


def test_bad_facts_are_refused_before_the_engine() -> None:
    rules = _simple(1)
    with pytest.raises(RuleError, match="not a mapping"):
        evaluate(rules, [["not", "a", "dict"]])  # type: ignore[list-item]
    with pytest.raises(RuleError, match="unique"):
        evaluate(rules, [{"id": "a", "kind": "line"}, {"id": "a", "kind": "line"}])
    with pytest.raises(RuleError, match="both"):
        evaluate(rules, [{"id": "a", "kind": "line", "n1": 1}, {"id": "b", "kind": "line", "n1": "1"}])
    with pytest.raises(RuleError, match="NaN"):
        evaluate(rules, [{"id": "a", "kind": "line", "n1": float("nan")}])
    with pytest.raises(RuleError, match="compares"):
        evaluate(rules, [{"id": "a", "kind": "line", "n1": "text"}])


def test_many_nested_any_inside_all() -> None:
    # 15+ `$or` inside one `$and` make the engine refuse the ruleset (error 113).
    when = {"all": [{"n1": {"in": [15, 100 + i]}} for i in range(16)] + [{"any": [{"n2": {"gte": 1}}]}]}
    rules = [make_rule({"id": "deep", "fact": "line", "when": when})]
    spec = [{"id": "deep", "fact": "line", "when": when}]
    fact_list = [{"id": "a", "kind": "line", "n1": 15, "n2": 3}, {"id": "b", "kind": "line", "n1": 3, "n2": 7}]
    assert evaluate(rules, fact_list) == oracle(spec, fact_list) == [Match("deep", "a")]


def test_long_in_list() -> None:
    when = {"s1": {"in": [f"cc-{i}" for i in range(300)]}}
    rules = [make_rule({"id": "in", "fact": "line", "when": when})]
    fact_list = [{"id": f"f{i}", "kind": "line", "s1": f"cc-{i * 7}"} for i in range(100)]
    assert evaluate(rules, fact_list) == oracle([{"id": "in", "fact": "line", "when": when}], fact_list)


def test_every_rule_the_language_admits_fits_one_engine_ruleset() -> None:
    from pmrules.rules.engine import MAX_FIRINGS_PER_RULESET
    from pmrules.rules.language import MAX_ALTERNATIVES

    assert MAX_ALTERNATIVES <= MAX_FIRINGS_PER_RULESET < 64
