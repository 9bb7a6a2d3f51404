"""Facts grouped by shape: the engine sees each distinct shape once, and no match may be lost or invented."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, overload

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmrules.errors import RuleError
from pmrules.rules import evaluate
from pmrules.rules.shapes import FactShapes, check_facts
from tests.test_rules_engine import FIELDS, KINDS, make_rule, oracle, rule_dicts

# A few values per field, so that many facts share a shape (and some differ only in a field no rule reads).
POOL: dict[str, list[Any]] = {
    "s1": ["", "a", "b", "ab"], "s2": ["x", "é"], "n1": [0, -0.0, 1, 1.0, Decimal("1.0"), 2.5, -3],
    "n2": [0, 7], "b1": [True, False], "l1": [[], ["a"], ["a", "b"], ["b", "a", "a"]],
}


@st.composite
def alike_facts(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for i in range(draw(st.integers(1, 60))):
        fact: dict[str, Any] = {"id": f"fact-{i}", "kind": draw(st.sampled_from(KINDS)), "noise": i}
        for name in FIELDS:
            if draw(st.integers(0, 3)):
                fact[name] = draw(st.sampled_from(POOL[name]))
        out.append(fact)
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=rule_dicts(), fact_list=alike_facts())
def test_alike_facts_agree_with_the_oracle(rules: list[dict[str, Any]], fact_list: list[dict[str, Any]]) -> None:
    assert evaluate([make_rule(r) for r in rules], fact_list) == oracle(rules, fact_list)


def test_every_member_of_a_shape_gets_the_match() -> None:
    # 6,000 facts in 3 shapes: a fan-out that dropped members, or a batch that lost a shape, shows here
    rules = [make_rule({"id": "low", "fact": "line", "when": {"n1": {"lt": 1}}}),
             make_rule({"id": "any", "fact": "line"}),
             make_rule({"id": "tagged", "fact": "line", "when": {"l1": {"contains": "a"}}})]
    fact_list = [{"id": f"f{i:05d}", "kind": "line", "n1": i % 3, "l1": ["a"] if i % 3 == 2 else [],
                  "s1": f"unique-{i}"} for i in range(6_000)]
    result = evaluate(rules, fact_list)
    assert sum(m.rule_id == "low" for m in result) == 2_000
    assert sum(m.rule_id == "any" for m in result) == 6_000
    assert sum(m.rule_id == "tagged" for m in result) == 2_000
    assert result == oracle([{"id": "low", "fact": "line", "when": {"n1": {"lt": 1}}},
                             {"id": "any", "fact": "line"},
                             {"id": "tagged", "fact": "line", "when": {"l1": {"contains": "a"}}}], fact_list)


def test_a_field_no_rule_reads_does_not_split_shapes() -> None:
    facts = [{"id": f"f{i}", "kind": "line", "n1": i % 2, "s1": f"unique-{i}"} for i in range(100)]
    shapes = FactShapes(facts, check_facts(facts), {("line", "n1")}, {"line"}).kinds["line"]
    assert [len(m) for m in shapes.members] == [50, 50]
    assert shapes.project([]) == [list(range(100))]


def test_an_equal_value_of_another_type_is_not_merged() -> None:
    # Decimal 1e400 == 10**400 in Python, but only the int is too large for the engine: never hidden
    rules = [make_rule({"id": "big", "fact": "line", "when": {"n1": {"gt": 0}}})]
    for order in ([Decimal("1e400"), 10**400], [10**400, Decimal("1e400")]):
        facts: list[dict[str, Any]] = [{"id": f"f{i}", "kind": "line", "n1": v} for i, v in enumerate(order)]
        with pytest.raises(RuleError, match="too large"):
            evaluate(rules, facts)


def test_a_mixed_type_field_names_the_first_offending_fact() -> None:
    rules = [make_rule({"id": "r", "fact": "line", "when": {"n1": {"gt": 0}}})]
    facts: list[dict[str, Any]] = [{"id": "a", "kind": "line", "n1": 1}, {"id": "b", "kind": "line", "n1": 2},
                                   {"id": "c", "kind": "line", "n1": "3"}, {"id": "d", "kind": "line", "n1": True}]
    with pytest.raises(RuleError, match=r"holds both number and str values \(fact 'c'\)"):
        evaluate(rules, facts)
    odd: list[dict[str, Any]] = [{"id": "a", "kind": "line", "n1": 1}, {"id": "b", "kind": "line", "n1": {"x": 1}}]
    with pytest.raises(RuleError, match="cannot evaluate rules on a value of type dict"):
        evaluate(rules, odd)


class FreshFacts(Sequence[dict[str, Any]]):
    """Facts made anew on every access, with new value objects each time (ids of freed values get reused)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, i: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, i: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self.n))]
        if not 0 <= i < self.n:
            raise IndexError(i)
        return {"id": f"f{i}", "kind": "line", "n1": float(i % 7) * 1.5, "s1": "".join(["v", str(i % 5)]),
                "l1": [str(i % 2)]}


def test_facts_made_anew_on_each_access_are_grouped_by_value() -> None:
    spec = [{"id": "r", "fact": "line", "when": {"all": [{"n1": {"gte": 3}}, {"s1": {"in": ["v1", "v3"]}},
                                                          {"l1": {"contains": "1"}}]}}]
    facts = FreshFacts(2_000)
    assert evaluate([make_rule(r) for r in spec], facts) == oracle(spec, list(facts))
