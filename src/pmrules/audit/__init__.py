"""The audit: a workspace's facts run through its rule sets; findings point at `file:line`."""

from pmrules.audit.facts import FACT_SCHEMA, build_facts
from pmrules.audit.run import AuditResult, Finding, fact_schema, resolve_rulesets, run_audit

__all__ = ["FACT_SCHEMA", "AuditResult", "Finding", "build_facts", "fact_schema", "resolve_rulesets", "run_audit"]
