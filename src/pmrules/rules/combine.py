"""All loaded rule sets become one set of rules in force, with every override on the record.

Why a record: an audit must be able to say "rule X was switched off at file:line (reason)",
so an override is never applied silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pmrules.errors import Location, PmrulesError, RuleError, did_you_mean, raise_all
from pmrules.rules.language import Rule, RuleSet


@dataclass(frozen=True)
class AppliedOverride:
    """One change made to a rule: `changes` maps a key to (before, after)."""

    rule_id: str
    changes: dict[str, tuple[object, object]]
    reason: str | None
    ruleset: str
    location: Location

    def describe(self) -> str:
        parts = []
        for key, (before, after) in self.changes.items():
            if key == "enabled":
                parts.append("switched off" if after is False else "switched on")
            else:
                parts.append(f"{key} {before} -> {after}")
        text = f"rule {self.rule_id} {', '.join(parts) or 'unchanged'} at {self.location}"
        return f"{text} ({self.reason})" if self.reason else text


@dataclass(frozen=True)
class RulesInForce:
    """Every rule after overrides (disabled ones kept, for the audit) and what changed."""

    rules: tuple[Rule, ...]
    overrides: tuple[AppliedOverride, ...] = field(default=())

    @property
    def active(self) -> tuple[Rule, ...]:
        """The rules to evaluate."""
        return tuple(rule for rule in self.rules if rule.enabled)

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def combine_rulesets(rulesets: list[RuleSet]) -> RulesInForce:
    """Merge rule sets, refuse duplicate ids across them, apply overrides by rule id."""
    problems: list[PmrulesError] = []
    by_id: dict[str, Rule] = {}
    for ruleset in rulesets:
        for rule in ruleset.rules:
            if rule.id in by_id:
                first = by_id[rule.id]
                problems.append(
                    RuleError(
                        f"rule id '{rule.id}' is defined twice: in {first.location} ({first.ruleset}) "
                        f"and here ({rule.ruleset})",
                        location=rule.location,
                        hint="rename one of them, or use an override to change a built-in rule",
                    )
                )
                continue
            by_id[rule.id] = rule
    applied: list[AppliedOverride] = []
    overridden_at: dict[str, Location] = {}
    for ruleset in rulesets:
        for located in ruleset.overrides:
            override = located.override
            if override.rule not in by_id:
                problems.append(
                    RuleError(
                        f"override names unknown rule '{override.rule}'",
                        location=located.location,
                        hint=did_you_mean(override.rule, by_id),
                    )
                )
                continue
            if override.rule in overridden_at:
                problems.append(
                    RuleError(
                        f"rule '{override.rule}' is overridden twice (first at {overridden_at[override.rule]})",
                        location=located.location,
                    )
                )
                continue
            overridden_at[override.rule] = located.location
            rule = by_id[override.rule]
            update: dict[str, object] = {}
            if override.severity is not None:
                update["severity"] = override.severity
            if override.enabled is not None:
                update["enabled"] = override.enabled
            changes = {key: (getattr(rule, key), value) for key, value in update.items()}
            by_id[override.rule] = rule.model_copy(update=update)
            applied.append(
                AppliedOverride(override.rule, changes, override.reason, located.ruleset, located.location)
            )
    raise_all(problems)
    return RulesInForce(tuple(by_id.values()), tuple(applied))
