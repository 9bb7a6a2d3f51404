"""A loaded workspace as flat facts for the rule sets: the schema, one builder per kind, employee groups."""

from pmrules.audit.facts.build import build_facts
from pmrules.audit.facts.groups import employee_groups
from pmrules.audit.facts.schema import FACT_SCHEMA

__all__ = ["FACT_SCHEMA", "build_facts", "employee_groups"]
