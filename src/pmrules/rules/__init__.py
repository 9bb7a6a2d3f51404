"""Rule sets as YAML data, checked against the fact schema, evaluated by durable-rules."""

from pmrules.rules.combine import AppliedOverride, RulesInForce, combine_rulesets
from pmrules.rules.engine import Match, evaluate
from pmrules.rules.language import (
    AllOf,
    AnyOf,
    FactSchema,
    FieldSpec,
    FieldType,
    Leaf,
    LocatedOverride,
    Ops,
    Override,
    Rule,
    RuleSet,
    RuleSetFile,
    RuleSpec,
    load_ruleset,
    render_message,
    ruleset_json_schema,
)

__all__ = [
    "AllOf",
    "AnyOf",
    "AppliedOverride",
    "FactSchema",
    "FieldSpec",
    "FieldType",
    "Leaf",
    "LocatedOverride",
    "Match",
    "Ops",
    "Override",
    "Rule",
    "RuleSet",
    "RuleSetFile",
    "RuleSpec",
    "RulesInForce",
    "combine_rulesets",
    "evaluate",
    "load_ruleset",
    "render_message",
    "ruleset_json_schema",
]
