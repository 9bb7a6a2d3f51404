"""Which rule sets apply to a workspace, and the findings they produce on its facts."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pmrules.audit.facts import FACT_SCHEMA, build_facts
from pmrules.audit.facts.build import count_facts
from pmrules.catalog import Catalog
from pmrules.errors import InputError, PmrulesError, did_you_mean, raise_all
from pmrules.gcpause import cyclic_gc_paused
from pmrules.io.inputs import workspace_file
from pmrules.rules import FieldSpec, RuleSet, RulesInForce, combine_rulesets, load_ruleset, render_message
from pmrules.rules.engine import evaluate_positions
from pmrules.safetext import excerpt
from pmrules.workspace import Workspace

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def fact_schema() -> dict[str, dict[str, FieldSpec]]:
    return {kind: {name: FieldSpec(type=t, description=d) for name, (t, d) in fields.items()}  # type: ignore[arg-type]
            for kind, fields in FACT_SCHEMA.items()}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    subject: str
    message: str
    location: str
    rationale: str
    title: str
    ruleset: str

    def sort_key(self) -> tuple[int, str, str, str]:
        return (SEVERITY_ORDER[self.severity], self.subject, self.rule, self.location)

    def record(self) -> dict[str, str]:
        return {"rule": self.rule, "severity": self.severity, "subject": self.subject, "message": self.message,
                "location": self.location, "rationale": self.rationale, "title": self.title,
                "ruleset": self.ruleset}


@dataclass
class AuditResult:
    findings: list[Finding]
    rules: RulesInForce
    rulesets: list[RuleSet]
    built: int  # facts built and evaluated: those of the kinds some rule in force reads
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    count_all: Callable[[], int] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def facts(self) -> int:
        """Every fact the workspace has, read by a rule or not: the figure the summary line has always given."""
        return self.count_all() if self.count_all is not None else self.built

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def document(self) -> dict[str, Any]:
        return {
            "findings": [f.record() for f in self.findings],
            "counts": self.counts,
            "rulesets": [{"name": r.name, "source": r.source, "rules": len(r.rules)} for r in self.rulesets],
            "rules_in_force": len(self.rules.active),
            "overrides": [{"rule": o.rule_id, "changes": {k: list(v) for k, v in o.changes.items()},
                           "reason": o.reason, "location": str(o.location), "description": o.describe()}
                          for o in self.rules.overrides],
        }


def load_registered(catalog: Catalog) -> dict[str, RuleSet]:
    """Every rule set plugins and built-ins register, by name."""
    schema = fact_schema()
    found: dict[str, RuleSet] = {}
    errors: list[PmrulesError] = []
    for source, path in catalog.rulesets:
        try:
            ruleset = load_ruleset(Path(path), schema=schema, source=source)
        except PmrulesError as exc:
            errors.append(exc)
            continue
        if ruleset.name in found:
            errors.append(InputError(f"rule set name '{ruleset.name}' is registered by both "
                                     f"'{found[ruleset.name].source}' and '{source}'"))
            continue
        found[ruleset.name] = ruleset
    raise_all(errors)
    return found


def resolve_rulesets(ws: Workspace, catalog: Catalog) -> list[RuleSet]:
    """The workspace's `rulesets:` (built-in/plugin names or paths inside the workspace), in order.

    Without a `rulesets:` key: every registered rule set plus the workspace's own `rulesets/*.yaml`.
    """
    registered = load_registered(catalog)
    schema = fact_schema()
    if "rulesets" not in ws.manifest.model_fields_set:
        local = sorted((ws.root / "rulesets").glob("*.yaml"))
        return [*registered.values(),
                *(load_ruleset(workspace_file(ws.root, p), schema=schema, source="workspace") for p in local)]
    chosen: list[RuleSet] = []
    errors: list[PmrulesError] = []
    listed: dict[str, int] = {}
    for i, entry in enumerate(ws.manifest.rulesets):
        where = ws.locate("rulesets", i)
        if entry in listed:
            errors.append(InputError(f"rule set '{entry}' is listed twice in `rulesets:`", location=where,
                                     hint=f"remove one (it is item {listed[entry] + 1} already)"))
            continue
        listed[entry] = i
        if entry.endswith((".yaml", ".yml")) or "/" in entry:
            path = ws.root / entry
            if Path(entry).is_absolute() or ".." in Path(entry).parts:
                errors.append(InputError(f"rule set path {excerpt(entry)} must be inside the workspace",
                                         location=where))
            elif not path.exists() and not path.is_symlink():
                errors.append(InputError(f"rule set file {excerpt(entry)} not found", location=where,
                                         hint=f"create {path} or fix the path"))
            else:
                try:
                    workspace_file(ws.root, path, location=where)
                    chosen.append(load_ruleset(path, schema=schema, source="workspace"))
                except PmrulesError as exc:
                    errors.append(exc)
        elif entry in registered:
            chosen.append(registered[entry])
        else:
            errors.append(InputError(f"unknown rule set '{entry}'", location=where,
                                     hint=did_you_mean(entry, registered)
                                     or f"registered rule sets: {', '.join(sorted(registered))}"))
    raise_all(errors)
    return [*chosen, *_manual_change_rulesets(ws, registered, listed)]


def _manual_change_rulesets(ws: Workspace, registered: dict[str, RuleSet], listed: dict[str, int]) -> list[RuleSet]:
    """Manual changes are always audited: a workspace that lists its rule sets and makes adjustments,
    overrides or discretion gets `manual-changes` / `discretion` even when its list predates them (a rule
    of theirs is switched off by id, on the record, not by leaving the set out)."""
    wanted = []
    if ws.adjustments or ws.manifest.overrides:
        wanted.append("manual-changes")
    if ws.discretion:
        wanted.append("discretion")
    return [registered[name] for name in wanted if name not in listed and name in registered]


def _subject(fact: dict[str, Any]) -> str:
    if fact["kind"] == "line":
        return f"{fact['owner']} / {fact['kpi']}"
    if fact["kind"] == "strategy":
        return "strategy"
    return str(fact["id"])


def run_audit(ws: Workspace, catalog: Catalog, rulesets: list[RuleSet] | None = None) -> AuditResult:
    """Findings sorted by severity, then subject; each evaluation has its own engine state."""
    started = time.perf_counter()
    rulesets = resolve_rulesets(ws, catalog) if rulesets is None else rulesets
    in_force = combine_rulesets(rulesets)
    with cyclic_gc_paused():
        return _findings(ws, catalog, in_force, rulesets, started)


def _findings(ws: Workspace, catalog: Catalog, in_force: RulesInForce, rulesets: list[RuleSet],
              started: float) -> AuditResult:
    active = in_force.active
    facts, where = build_facts(ws, catalog, kinds={rule.fact for rule in active})  # what no rule reads is not built
    findings = []
    # in the order evaluate() gives (rule id, then fact id), so ties in the sort below stay as they were
    for r, f in sorted(evaluate_positions(active, facts), key=lambda m: (active[m[0]].id, str(facts[m[1]]["id"]))):
        rule, fact = active[r], facts[f]
        findings.append(Finding(rule.id, rule.severity, _subject(fact), render_message(rule.message, fact),
                                str(where.at(f)), " ".join(rule.rationale.split()),
                                rule.title, rule.ruleset))
    findings.sort(key=Finding.sort_key)
    counts = {severity: sum(f.severity == severity for f in findings) for severity in SEVERITY_ORDER}
    built, skipped = len(facts), set(FACT_SCHEMA) - {rule.fact for rule in active}
    return AuditResult(findings, in_force, rulesets, built, time.perf_counter() - started, counts,
                       lambda: built + count_facts(ws, catalog, skipped))  # holds no fact
