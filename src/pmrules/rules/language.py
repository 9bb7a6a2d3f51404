"""The rule-set language: YAML a finance person can read, checked against the fact schema once.

Rule sets are data, never Python. A rule looks at one fact of one kind; its `when` is a tree of
`all` / `any` over leaves `{field: {op: value}}`. Everything a rule could get wrong (unknown
field, operator that makes no sense for the field's type, bad regex, unknown placeholder) is
found here, at load time, with `file:line`, so the engine only ever sees valid conditions.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import re2  # type: ignore[import-untyped]
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    RootModel,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    ValidationError,
    model_validator,
)

try:  # the parser behind re.compile; public as sre_parse before 3.11
    import re._parser as _sre_parser  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    import sre_parse as _sre_parser  # type: ignore[no-redef]

from pmrules.errors import (
    InputError,
    Location,
    PmrulesError,
    RuleError,
    did_you_mean,
    raise_all,
)
from pmrules.io.yamlfile import LineIndex, load_yaml, pydantic_errors
from pmrules.safetext import excerpt

MAX_RULESET_BYTES = 1_000_000
MAX_REGEX_CHARS = 200
MAX_REGEX_REPEATS = 3
# The engine fires once per satisfied `any` branch and fails above 64 firings per fact; the one
# per-rule limit, checked at load time and again by the engine wrapper (which packs rules by it).
MAX_ALTERNATIVES = 48
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
IMPLICIT_FIELDS = ("id", "kind")

FieldType = Literal["str", "number", "bool", "list[str]"]
Severity = Literal["error", "warning", "info"]
Scalar = Union[StrictBool, StrictInt, StrictFloat, StrictStr]


class FieldSpec(BaseModel):
    """The type of one fact field, with a line a rule author can read."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: FieldType
    description: str = ""


FactSchema = Mapping[str, Mapping[str, FieldSpec]]
"""fact kind -> field name -> FieldSpec; given by the fact builder."""


class Ops(BaseModel):
    """The operators of one leaf field; several given = all must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    eq: Scalar | None = None
    ne: Scalar | None = None
    lt: Scalar | None = None
    lte: Scalar | None = None
    gt: Scalar | None = None
    gte: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in", min_length=1)
    not_in: list[Scalar] | None = Field(default=None, min_length=1)
    contains: StrictStr | None = None
    not_contains: StrictStr | None = None
    exists: StrictBool | None = None
    matches: StrictStr | None = None

    @model_validator(mode="after")
    def _some_operator(self) -> Ops:
        if not self.model_fields_set:
            raise ValueError("a field needs at least one operator, e.g. {eq: value}")
        return self

    def given(self) -> list[tuple[str, Any]]:
        """(operator, value) pairs the author wrote, in a fixed order."""
        return [
            (name.rstrip("_"), getattr(self, name))
            for name in type(self).model_fields
            if name in self.model_fields_set
        ]


FieldName = Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")]


class Leaf(RootModel[dict[FieldName, Ops]]):
    """`{field: {op: value}, ...}`: every field's operators must hold."""

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="after")
    def _some_field(self) -> Leaf:
        if not self.root:
            raise ValueError("an empty condition; leave 'when' out to match every fact")
        return self


class AllOf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    all: list[Condition] = Field(min_length=1)


class AnyOf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    any: list[Condition] = Field(min_length=1)


def _condition_tag(value: Any) -> str:
    if isinstance(value, Mapping):
        return "<all>" if "all" in value else "<any>" if "any" in value else "<leaf>"
    return "<all>" if isinstance(value, AllOf) else "<any>" if isinstance(value, AnyOf) else "<leaf>"


Condition = Annotated[
    Annotated[AllOf, Tag("<all>")] | Annotated[AnyOf, Tag("<any>")] | Annotated[Leaf, Tag("<leaf>")],
    Discriminator(_condition_tag),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()


class RuleSpec(BaseModel):
    """One rule as written in a rule-set file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    title: str
    severity: Severity
    rationale: str = ""
    fact: str
    when: Condition | None = None
    message: str
    enabled: bool = True


class Rule(RuleSpec):
    """A loaded rule: what the file said plus where it came from."""

    ruleset: str
    source: str
    location: Location


class Override(BaseModel):
    """Change a rule by id without Python: its severity, or switch it off (with a reason)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rule: str
    severity: Severity | None = None
    enabled: bool | None = None
    reason: str | None = None


class RuleSetFile(BaseModel):
    """The whole YAML document of one rule set."""

    model_config = ConfigDict(extra="forbid")
    ruleset: str = Field(pattern=r"^[a-z0-9_-]+$")
    description: str = ""
    rules: list[RuleSpec] = Field(default_factory=list)
    overrides: list[Override] = Field(default_factory=list)


@dataclass(frozen=True)
class LocatedOverride:
    override: Override
    ruleset: str
    source: str
    location: Location


@dataclass(frozen=True)
class RuleSet:
    """A validated rule set; `source` names where it came from (a file, a plugin)."""

    name: str
    description: str
    source: str
    rules: tuple[Rule, ...]
    overrides: tuple[LocatedOverride, ...] = ()
    path: str = ""


def ruleset_json_schema() -> dict[str, Any]:
    """JSON Schema of a rule-set file, for `pmrules schema --rulesets` and editors."""
    return RuleSetFile.model_json_schema(by_alias=True)


def iter_leaves(condition: Any) -> list[tuple[str, str, Any]]:
    """Every (field, operator, value) of a condition, depth first."""
    if condition is None:
        return []
    if isinstance(condition, AllOf):
        return [leaf for part in condition.all for leaf in iter_leaves(part)]
    if isinstance(condition, AnyOf):
        return [leaf for part in condition.any for leaf in iter_leaves(part)]
    return [(name, op, value) for name, ops in condition.root.items() for op, value in ops.given()]


def alternatives(condition: Any) -> int:
    """How many ways a condition can be satisfied at once (`any` adds, `all` multiplies)."""
    if isinstance(condition, AllOf):
        count = 1
        for part in condition.all:
            count *= alternatives(part)
        return count
    if isinstance(condition, AnyOf):
        return sum(alternatives(part) for part in condition.any)
    if isinstance(condition, Leaf):
        # the engine tests `not_contains` as "empty list, or no element equals": two ways at once
        count = 1
        for ops in condition.root.values():
            count *= 2 ** sum(op == "not_contains" for op, _ in ops.given())
        return count
    return 1


def render_message(template: str, fact: Mapping[str, object]) -> str:
    """Fill `{field}` placeholders (only those; never str.format); lists join with ', '."""

    def one(match: re.Match[str]) -> str:
        value = fact.get(match.group(1))
        if value is None:
            return ""
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return str(value)

    return PLACEHOLDER.sub(one, template)


_OPS_FOR: dict[str, set[str]] = {
    "str": {"eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "exists", "matches"},
    "number": {"eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "exists"},
    "bool": {"eq", "ne", "in", "not_in", "exists"},
    "list[str]": {"contains", "not_contains", "exists"},
}


def _value_fits(field_type: str, value: Any) -> bool:
    if field_type in ("str", "list[str]"):
        return isinstance(value, str)
    if field_type == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, bool)


@functools.lru_cache(maxsize=1024)
def compiled_regex(pattern: str) -> Any:
    """A `matches` pattern compiled by RE2: its search takes time linear in the text, whatever the pattern."""
    options = re2.Options()
    options.log_errors = False  # a refused pattern is reported as a rule-set error, not logged to stderr
    return re2.compile(pattern, options=options)


def regex_problem(pattern: str) -> str | None:
    """Why a `matches` pattern could backtrack catastrophically (Python's re has no timeout), or None.

    Refused: nested repeats (`(a+)+`), alternation or backreferences under a repeat (`(a|ab)*`),
    more than MAX_REGEX_REPEATS repeats in all (`.*a.*b.*c.*d` is polynomial), overlong patterns.
    """
    if len(pattern) > MAX_REGEX_CHARS:
        return f"is {len(pattern)} characters long; at most {MAX_REGEX_CHARS} are allowed"
    try:
        parsed = _sre_parser.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:  # pragma: no cover - re.compile already passed
        return str(exc)
    repeats = 0

    def walk(items: Any, in_repeat: bool) -> str | None:
        nonlocal repeats
        for op, arg in items:
            name = str(op)
            if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                _low, high, body = arg
                if high > 1:
                    repeats += 1
                    if in_repeat:
                        return "nested repeats such as (a+)+ can take forever; write the repeat once"
                found = walk(body, in_repeat or high > 1)
            elif name == "SUBPATTERN":
                found = walk(arg[-1], in_repeat)
            elif name == "ATOMIC_GROUP":
                found = walk(arg, in_repeat)
            elif name == "BRANCH":
                if in_repeat:
                    return "alternation (a|b) inside a repeat can take forever; use a character class [ab]"
                found = next((p for p in (walk(b, in_repeat) for b in arg[1]) if p), None)
            elif name in ("ASSERT", "ASSERT_NOT"):
                found = walk(arg[1], in_repeat)
            elif name in ("GROUPREF", "GROUPREF_EXISTS"):
                return "backreferences (\\1) are not allowed"
            else:
                found = None
            if found:
                return found
        return None

    problem = walk(parsed, False)
    if problem is None and repeats > MAX_REGEX_REPEATS:
        problem = f"has {repeats} repeats (* + {{n,m}}); at most {MAX_REGEX_REPEATS} are allowed"
    return problem


def _check_leaf(field: str, op: str, value: Any, kind: str, spec: FieldSpec) -> str | None:
    """Why this leaf does not fit the field's type, or None."""
    if op not in _OPS_FOR[spec.type]:
        allowed = ", ".join(sorted(_OPS_FOR[spec.type]))
        return f"operator '{op}' does not apply to {kind}.{field} ({spec.type}); use one of: {allowed}"
    if op == "exists":
        return None
    if op == "matches":
        try:
            re.compile(value)
        except re.error as exc:
            return f"bad regular expression {excerpt(value)} for {kind}.{field}: {exc}"
        problem = regex_problem(value)
        if problem is None:
            try:
                compiled_regex(value)
            except re2.error as exc:
                problem = (f"is not supported by the linear-time engine (RE2: no lookarounds, no backreferences): "
                           f"{exc}")
        return f"regular expression {excerpt(value)} for {kind}.{field}: {problem}" if problem else None
    for item in value if op in ("in", "not_in") else [value]:
        if not _value_fits(spec.type, item):
            wanted = "str" if spec.type == "list[str]" else spec.type
            return f"{kind}.{field} is {spec.type}, so '{op}' needs a {wanted} value, not {excerpt(item)}"
    return None


def _rule_problems(rule: RuleSpec, schema: FactSchema, location: Location) -> list[PmrulesError]:
    if rule.fact not in schema:
        return [
            RuleError(
                f"rule '{rule.id}': unknown fact kind '{rule.fact}'",
                location=location,
                hint=did_you_mean(rule.fact, schema) or f"known kinds: {', '.join(sorted(schema))}",
            )
        ]
    fields = schema[rule.fact]
    found: list[PmrulesError] = []
    for field, op, value in iter_leaves(rule.when):
        if field not in fields:
            found.append(
                RuleError(
                    f"rule '{rule.id}': unknown field '{field}' of fact '{rule.fact}'",
                    location=location,
                    hint=did_you_mean(field, fields),
                )
            )
            continue
        problem = _check_leaf(field, op, value, rule.fact, fields[field])
        if problem:
            found.append(RuleError(f"rule '{rule.id}': {problem}", location=location))
    if alternatives(rule.when) > MAX_ALTERNATIVES:
        found.append(
            RuleError(
                f"rule '{rule.id}': condition can hold in {alternatives(rule.when)} ways at once "
                f"(limit {MAX_ALTERNATIVES})",
                location=location,
                hint="use 'in' instead of 'any' of equalities, or split the rule",
            )
        )
    for braced in re.findall(r"\{[^{}]*\}", rule.message):
        if not PLACEHOLDER.fullmatch(braced):
            found.append(
                RuleError(
                    f"rule '{rule.id}': {excerpt(braced)} in message is not a placeholder",
                    location=location,
                    hint="a placeholder is a fact field in braces, e.g. {owner}; nothing else may be in braces",
                )
            )
    for name in PLACEHOLDER.findall(rule.message):
        if name not in fields and name not in IMPLICIT_FIELDS:
            found.append(
                RuleError(
                    f"rule '{rule.id}': unknown placeholder '{{{name}}}' in message",
                    location=location,
                    hint=did_you_mean(name, [*fields, *IMPLICIT_FIELDS]),
                )
            )
    return found


_SCALAR_TAGS = {"bool", "int", "float", "str"}


def _strip_tags(exc: ValidationError) -> list[dict[str, Any]]:
    """Drop union tags from locations; one error per place for a value that fits no scalar type."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for error in exc.errors(include_url=False):
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("<")))
        if loc and loc[-1] in _SCALAR_TAGS:
            loc = loc[:-1]
            error = {**error, "type": "scalar", "msg": "must be one text, number or true/false value"}
        out.setdefault(loc, {**error, "loc": loc})
    return list(out.values())


class _Errors:
    """Adapter so pydantic_errors() sees locations without our union tags."""

    def __init__(self, exc: ValidationError) -> None:
        self._errors = _strip_tags(exc)

    def errors(self, include_url: bool = False) -> list[dict[str, Any]]:
        return self._errors


def load_ruleset(path: Path, *, schema: FactSchema, source: str | None = None) -> RuleSet:
    """Read, validate and check one rule-set file; raise every problem in it at once."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read rule set: {exc.strerror}", location=Location(name)) from exc
    if size > MAX_RULESET_BYTES:
        raise InputError(
            f"rule set is {size:,} bytes, more than {MAX_RULESET_BYTES:,}", location=Location(name)
        )
    data, index = load_yaml(path, name)
    if not isinstance(data, dict):
        raise InputError("a rule set must be a mapping with 'ruleset' and 'rules'", location=Location(name, 1))
    try:
        parsed = RuleSetFile.model_validate(data)
    except ValidationError as exc:
        raise_all(list(pydantic_errors(_Errors(exc), index)))
        raise  # pragma: no cover - raise_all always raises for a non-empty list
    return _check(parsed, schema, index, source or name, name)


def _check(parsed: RuleSetFile, schema: FactSchema, index: LineIndex, name: str, path: str) -> RuleSet:
    problems: list[PmrulesError] = []
    rules: list[Rule] = []
    seen: dict[str, Location] = {}
    for i, spec in enumerate(parsed.rules):
        location = index.locate("rules", i)
        if spec.id in seen:
            problems.append(
                RuleError(f"duplicate rule id '{spec.id}' (first at {seen[spec.id]})", location=location)
            )
        seen.setdefault(spec.id, location)
        problems.extend(_rule_problems(spec, schema, location))
        fields = spec.model_dump(by_alias=True, exclude_unset=True)
        rules.append(
            Rule.model_validate({**fields, "ruleset": parsed.ruleset, "source": name, "location": location})
        )
    overrides = []
    for i, override in enumerate(parsed.overrides):
        location = index.locate("overrides", i)
        if override.severity is None and override.enabled is None:
            problems.append(
                RuleError(f"override of '{override.rule}' changes nothing", location=location,
                          hint="give 'severity' or 'enabled'")
            )
        overrides.append(LocatedOverride(override, parsed.ruleset, name, location))
    raise_all(problems)
    return RuleSet(parsed.ruleset, parsed.description, name, tuple(rules), tuple(overrides), path)
