"""Merge KPIs and inputs from every source, parse each formula once, bind names, find cycles."""

from __future__ import annotations

import graphlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import pluggy
import sympy
from pydantic import ValidationError

from pmrules.catalog.controllability import financial, known_categories, scorable_by
from pmrules.errors import FormulaError, InputError, Location, PluginError, PmrulesError, did_you_mean, raise_all
from pmrules.formula import BUILTIN_FUNCTIONS, ExactFormula, FormulaFunction, compile_exact, parse_formula
from pmrules.models import InputDef, KpiDef, PluginInputDef
from pmrules.plugins import DEFAULT_PLUGINS, PluginInfo, call_with_source, plugin_infos
from pmrules.safetext import excerpt
from pmrules.workspace import Workspace

WORKSPACE_SOURCE = "workspace"


@dataclass(frozen=True)
class InputEntry:
    name: str
    definition: InputDef
    source: str
    location: Location | None = None
    rollup: str | None = None  # a plugin's default roll-up, kept when the workspace redeclares the input
    rollup_source: str | None = None


@dataclass(frozen=True)
class KpiEntry:
    """A KPI parsed and analysed: its own formula, and its inputs and categories through other KPIs."""

    definition: KpiDef
    source: str
    location: Location | None
    expr: sympy.Expr
    kpi_refs: tuple[str, ...]
    direct_inputs: tuple[str, ...]
    inputs: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    financial_categories: tuple[str, ...] = ()
    scorable_by: tuple[str, ...] = ()
    replaces: str | None = None

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def where(self) -> str:
        return str(self.location) if self.location else f"plugin '{self.source}', KPI '{self.id}'"

    @cached_property
    def arguments(self) -> tuple[str, ...]:
        """The names the formula reads (inputs and KPIs), sorted: the argument order of `exact`."""
        return tuple(sorted(str(s) for s in self.expr.free_symbols))

    @cached_property
    def exact(self) -> ExactFormula:
        """The formula over Fractions, compiled on first use and then kept: once per catalog, not per run."""
        return compile_exact(self.expr, self.arguments)


@dataclass
class Catalog:
    kpis: dict[str, KpiEntry]
    inputs: dict[str, InputEntry]
    order: list[str]
    functions: Mapping[str, FormulaFunction]
    plugins: list[PluginInfo] = field(default_factory=list)
    rulesets: list[tuple[str, str]] = field(default_factory=list)
    function_sources: dict[str, str] = field(default_factory=dict)

    def input_category(self, name: str) -> str:
        return self.inputs[name].definition.category


def build_catalog(pm: pluggy.PluginManager, workspace: Workspace | None = None) -> Catalog:
    """Everything formulas can name, with each KPI's provenance; raises every problem found."""
    plugins = plugin_infos(pm)
    errors: list[PmrulesError] = []
    if workspace is not None:
        installed = {info.name for info in plugins if not info.builtin}
        for i, name in enumerate(workspace.manifest.plugins):
            if name not in installed:
                errors.append(
                    PluginError(
                        f"the workspace needs plugin '{name}', which is not installed or not loaded",
                        location=workspace.locate("plugins", i),
                        hint=did_you_mean(name, installed)
                        or f"pip install the package that provides it (installed: {', '.join(sorted(installed)) or 'none'})",
                        plugin=name,
                    )
                )
        raise_all(errors)
    functions, function_sources = collect_functions(pm)
    inputs = _collect_inputs(pm, workspace)
    definitions = _collect_kpis(pm, workspace)
    kpis: dict[str, KpiEntry] = {}
    names = set(inputs) | set(definitions)
    for kpi_id, (definition, source, location, replaces) in definitions.items():
        try:
            expr = parse_formula(definition.formula, functions=functions, location=location)
        except FormulaError as exc:
            if location is None:
                exc.message = f"plugin '{source}', KPI '{kpi_id}': {exc.message}"
            errors.append(exc)
            continue
        used = sorted(str(s) for s in expr.free_symbols)
        unknown = [n for n in used if n not in names]
        for name in unknown:
            where = "" if location else f"plugin '{source}', KPI '{kpi_id}': "
            errors.append(
                FormulaError(
                    f"{where}formula of '{kpi_id}' names '{name}', which is neither an input nor a KPI",
                    location=location,
                    hint=did_you_mean(name, names) or "declare it under `inputs:` with its category",
                    kpi=kpi_id,
                )
            )
        direct_inputs = tuple(n for n in used if n in inputs)
        refs = tuple(n for n in used if n not in inputs and n in definitions)
        kpis[kpi_id] = KpiEntry(definition, source, location, expr, refs, direct_inputs, replaces=replaces)
    raise_all(errors)
    order = _topological(kpis)
    raise_all(_check_chains(kpis, order))
    for kpi_id in order:
        entry = kpis[kpi_id]
        all_inputs = set(entry.direct_inputs)
        for ref in entry.kpi_refs:
            all_inputs |= set(kpis[ref].inputs)
        categories = sorted({inputs[n].definition.category for n in all_inputs})
        kpis[kpi_id] = replace(
            entry,
            inputs=tuple(sorted(all_inputs)),
            categories=tuple(categories),
            financial_categories=tuple(financial(categories)),
            scorable_by=tuple(scorable_by(categories)),
        )
    rulesets = [(source, str(path)) for source, paths in call_with_source(pm, "register_rulesets")
                for path in _iterable(paths, source, "register_rulesets")]
    catalog = Catalog(dict(sorted(kpis.items())), dict(sorted(inputs.items())), order, functions, plugins, rulesets,
                      function_sources)
    if workspace is not None:
        raise_all(check_references(workspace, catalog))
    return catalog


def _iterable(value: object, source: str, hook: str) -> list[Any]:
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
        raise PluginError(f"plugin '{source}' returned {type(value).__name__} from {hook}(); expected a list",
                          plugin=source)
    return list(value)  # type: ignore[call-overload]


FUNCTION_KEYS = {"name", "params", "body", "description"}


def collect_functions(pm: pluggy.PluginManager) -> tuple[dict[str, FormulaFunction], dict[str, str]]:
    """The functions formulas may call, and which source gave each ("sympy" for the built-ins).

    A body given as text goes through the whitelist parser (it may call the sympy built-ins only),
    so a plugin function is inlined at parse time and formulas using it stay analysable.
    """
    functions = dict(BUILTIN_FUNCTIONS)
    sources = dict.fromkeys(BUILTIN_FUNCTIONS, "sympy")
    errors: list[PmrulesError] = []
    returns = call_with_source(pm, "register_functions")
    # pmrules' own first, then plugins by name, so a clash message always names the same "first".
    for source, returned in sorted(returns, key=lambda item: (item[0] not in DEFAULT_PLUGINS, item[0])):
        for item in _iterable(returned, source, "register_functions"):
            try:
                function = _function(item)
            except PmrulesError as exc:
                name = item.get("name", "?") if isinstance(item, Mapping) else getattr(item, "name", "?")
                errors.append(PluginError(f"plugin '{source}' returned a malformed function '{name}': {exc.message}",
                                          hint=exc.hint, plugin=source))
                continue
            if function.name in sources:
                owner = sources[function.name]
                first = "a pmrules built-in" if owner == "sympy" else f"plugin '{owner}'"
                errors.append(PluginError(
                    f"formula function '{function.name}' is defined by both {first} and plugin '{source}'",
                    hint="rename one of them; pin plugins with PMRULES_LOAD_PLUGINS", plugin=source))
                continue
            functions[function.name] = function
            sources[function.name] = source
    raise_all(errors)
    return functions, sources


def _function(item: object) -> FormulaFunction:
    if isinstance(item, FormulaFunction):
        return item
    if not isinstance(item, Mapping):
        raise PluginError(f"expected a FormulaFunction or a dict, not {type(item).__name__}")
    unknown = sorted(set(item) - FUNCTION_KEYS)
    if unknown or not {"name", "params", "body"} <= set(item):
        raise PluginError(f"unknown key(s) {', '.join(unknown)}" if unknown else "it needs name, params and body",
                          hint='{"name": "clamp", "params": ["x", "lo", "hi"], "body": "Min(Max(x, lo), hi)"}')
    name, params, body = item["name"], item["params"], item["body"]
    if not isinstance(name, str) or not isinstance(body, str) or isinstance(params, str) \
            or not all(isinstance(p, str) for p in params):
        raise PluginError("name and body must be text and params a list of names")
    try:
        return FormulaFunction.from_formula(name, params, body, description=str(item.get("description") or ""),
                                            functions=BUILTIN_FUNCTIONS)
    except FormulaError as exc:
        raise PluginError(f"its body {body!r} does not parse: {exc.message}", hint=exc.hint) from exc


def _collect_inputs(pm: pluggy.PluginManager, workspace: Workspace | None) -> dict[str, InputEntry]:
    inputs: dict[str, InputEntry] = {}
    errors: list[PmrulesError] = []
    for source, returned in call_with_source(pm, "register_inputs"):
        if not isinstance(returned, Mapping):
            raise PluginError(f"plugin '{source}' returned {type(returned).__name__} from register_inputs(); "
                              "expected a dict {name: {category, unit}}", plugin=source)
        for name, spec in returned.items():
            try:
                definition = spec if isinstance(spec, InputDef) else PluginInputDef.model_validate(spec)
                if not str(name).isidentifier():
                    raise ValueError("an input name is a word like invested_capital")
            except (ValidationError, ValueError, TypeError) as exc:
                detail = "; ".join(e["msg"] for e in exc.errors()) if isinstance(exc, ValidationError) else str(exc)
                errors.append(PluginError(f"plugin '{source}' declares input '{name}' badly: {detail}",
                                          hint="every input needs a `category`", plugin=source))
                continue
            if definition.category not in known_categories():
                errors.append(PluginError(
                    f"plugin '{source}' declares input '{name}' with unknown category '{definition.category}'",
                    hint=did_you_mean(definition.category, known_categories())
                    or f"known categories: {', '.join(known_categories())}", plugin=source))
                continue
            previous = inputs.get(name)
            if previous and previous.definition.category != definition.category:
                errors.append(PluginError(
                    f"input '{name}' is declared by plugin '{previous.source}' (category "
                    f"{previous.definition.category}) and plugin '{source}' (category {definition.category})",
                    hint="one of them must rename it, or the workspace must declare it under `inputs:`",
                    plugin=source))
                continue
            rollup = getattr(definition, "rollup", None)
            if previous and rollup and previous.rollup and previous.rollup != rollup:
                errors.append(PluginError(
                    f"input '{name}' has roll-up {previous.rollup} in plugin '{previous.source}' and {rollup} in "
                    f"plugin '{source}'", hint="the workspace decides with `rollup: {" + f"{name}: ...}}`",
                    plugin=source))
                continue
            if previous is None:
                inputs[name] = InputEntry(name, definition, source, rollup=rollup, rollup_source=rollup and source)
            elif rollup and not previous.rollup:
                inputs[name] = replace(previous, rollup=rollup, rollup_source=source)
    if workspace is not None:
        extra = workspace.manifest.categories
        builtin = known_categories()
        for i, category in enumerate(extra):
            if category in builtin:
                errors.append(InputError(f"category '{category}' is already known", location=workspace.locate(
                    "categories", i), hint="list under `categories:` only your own non-financial categories"))
        known = known_categories(extra)
        for name, definition in workspace.manifest.inputs.items():
            previous = inputs.get(name)
            if previous and previous.definition.signed and "signed" not in definition.model_fields_set:
                definition = definition.model_copy(update={"signed": True})
            if definition.category not in known:
                errors.append(InputError(
                    f"input '{name}' has unknown category '{definition.category}'",
                    location=workspace.locate("inputs", name, "category"),
                    hint=" ".join(filter(None, [did_you_mean(definition.category, known),
                                                f"known categories: {', '.join(known)}; declare a non-financial "
                                                "one under `categories:`"]))))
            inputs[name] = InputEntry(name, definition, WORKSPACE_SOURCE, workspace.locate("inputs", name),
                                      rollup=previous.rollup if previous else None,
                                      rollup_source=previous.rollup_source if previous else None)
    raise_all(errors)
    return inputs


def _collect_kpis(
    pm: pluggy.PluginManager, workspace: Workspace | None
) -> dict[str, tuple[KpiDef, str, Location | None, str | None]]:
    """KPI definitions by id: (definition, source, location, the plugin a workspace definition replaces)."""
    by_plugin: dict[str, list[tuple[KpiDef, str]]] = {}
    errors: list[PmrulesError] = []
    for source, returned in call_with_source(pm, "register_kpis"):
        for item in _iterable(returned, source, "register_kpis"):
            try:
                definition = item if isinstance(item, KpiDef) else KpiDef.model_validate(item)
            except ValidationError as exc:
                ident = item.get("id", "?") if isinstance(item, Mapping) else repr(item)[:40]
                detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
                errors.append(PluginError(f"plugin '{source}' returned a malformed KPI '{ident}': {detail}",
                                          plugin=source, kpi=ident))
                continue
            by_plugin.setdefault(definition.id, []).append((definition, source))
    local: dict[str, tuple[KpiDef, Location]] = {}
    if workspace is not None:
        for i, definition in enumerate(workspace.manifest.kpis):
            location = workspace.locate("kpis", i)
            if definition.id in local:
                errors.append(InputError(f"duplicate KPI id '{definition.id}'", location=location,
                                         hint=f"first defined at {local[definition.id][1]}"))
                continue
            local[definition.id] = (definition, location)
    found: dict[str, tuple[KpiDef, str, Location | None, str | None]] = {}
    for kpi_id, sources in by_plugin.items():
        if kpi_id in local:
            continue
        if len(sources) > 1:
            names = " and ".join(f"plugin '{source}'" for _, source in sources)
            errors.append(PluginError(
                f"KPI '{kpi_id}' is defined by both {names}",
                hint="uninstall one, pin plugins with PMRULES_LOAD_PLUGINS, or define the KPI in the workspace",
                plugin=sources[-1][1], kpi=kpi_id))
            continue
        found[kpi_id] = (sources[0][0], sources[0][1], None, None)
    for kpi_id, (definition, location) in local.items():
        replaced = ", ".join(source for _, source in by_plugin.get(kpi_id, [])) or None
        found[kpi_id] = (definition, WORKSPACE_SOURCE, location, replaced)
    raise_all(errors)
    return found


def _topological(kpis: dict[str, KpiEntry]) -> list[str]:
    sorter = graphlib.TopologicalSorter({k: set(e.kpi_refs) for k, e in sorted(kpis.items())})
    try:
        return list(sorter.static_order())
    except graphlib.CycleError as exc:
        cycle = list(exc.args[1])
        first = kpis[cycle[0]]
        chain = " -> ".join(reversed(cycle))
        raise FormulaError(f"KPIs refer to each other in a cycle: {chain}", location=first.location,
                           hint="one KPI of the cycle must be computed from inputs only", kpi=cycle[0]) from None


MAX_KPI_DEPTH = 32  # KPIs built on KPIs: the longest chain from a KPI down to inputs
MAX_KPI_DEGREE = 256  # polynomial degree of a KPI in its inputs, through every KPI it reads


def _degree(expr: sympy.Basic, degrees: Mapping[str, int]) -> int:
    """An upper bound of the degree of `expr` in the inputs, KPIs counted with their own degree.

    Exact values grow in digits with the degree (a power of a 30-digit input with degree d has about
    30 d digits), so bounding it bounds the work of every exact KPI value. Iterative, any depth.
    """
    result: dict[int, int] = {}
    stack: list[tuple[sympy.Basic, bool]] = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if not ready:
            stack.append((node, True))
            stack.extend((arg, False) for arg in node.args)
            continue
        args = [result[id(arg)] for arg in node.args]
        if node.is_Symbol:
            value = degrees.get(str(node), 1)
        elif node.is_Number or not args:
            value = 0
        elif node.is_Mul:
            value = sum(args)
        elif node.is_Pow:
            exponent = node.exp
            value = args[0] * (abs(int(exponent)) if exponent.is_Integer else 1)
        elif isinstance(node, (sympy.exp, sympy.log)):
            value = 1  # computed in float: a float-sized value, whatever the argument
        else:
            value = max(args)
        result[id(node)] = min(value, 10**9)
    return result[id(expr)]


def _check_chains(kpis: Mapping[str, KpiEntry], order: list[str]) -> list[PmrulesError]:
    """KPI chains are short and of bounded degree, so no KPI value is exponentially large or slow."""
    depths: dict[str, int] = {}
    degrees: dict[str, int] = {}
    errors: list[PmrulesError] = []
    for kpi_id in order:
        entry = kpis[kpi_id]
        depths[kpi_id] = 1 + max((depths[ref] for ref in entry.kpi_refs), default=0)
        degrees[kpi_id] = _degree(entry.expr, {ref: degrees[ref] for ref in entry.kpi_refs})
        where = "" if entry.location else f"plugin '{entry.source}', KPI '{kpi_id}': "
        if depths[kpi_id] > MAX_KPI_DEPTH:
            errors.append(FormulaError(
                f"{where}KPI '{kpi_id}' is built on a chain of {depths[kpi_id]} KPIs; at most {MAX_KPI_DEPTH} "
                "are allowed", location=entry.location, hint="compute it from inputs or from fewer KPIs",
                kpi=kpi_id))
            break
        if degrees[kpi_id] > MAX_KPI_DEGREE:
            errors.append(FormulaError(
                f"{where}KPI '{kpi_id}' has degree {degrees[kpi_id]:,} in its inputs through the KPIs it reads "
                f"(powers multiply along the chain); at most {MAX_KPI_DEGREE} is allowed", location=entry.location,
                hint="use smaller powers, or fewer KPIs raised to a power", kpi=kpi_id))
            break
    return errors


def check_references(workspace: Workspace, catalog: Catalog) -> list[PmrulesError]:
    """KPI ids on scorecards and objectives, and input names in actuals, must exist."""
    errors: list[PmrulesError] = []
    kpi_ids = set(catalog.kpis)
    m = workspace.manifest
    for i, card in enumerate(m.scorecards):
        for j, line in enumerate(card.kpis):
            if line.kpi not in kpi_ids:
                errors.append(InputError(f"unknown KPI '{line.kpi}' on the scorecard of '{card.owner}'",
                                         location=workspace.locate("scorecards", i, "kpis", j),
                                         hint=did_you_mean(line.kpi, kpi_ids) or "see `pmrules kpis` for the ids"))
    for i, objective in enumerate(m.strategy.objectives if m.strategy else []):
        if objective.kpi is not None and objective.kpi not in kpi_ids:
            errors.append(InputError(f"objective '{objective.id}' names unknown KPI '{objective.kpi}'",
                                     location=workspace.locate("strategy", "objectives", i),
                                     hint=did_you_mean(objective.kpi, kpi_ids) or "see `pmrules kpis`"))
    reported: set[str] = set()
    unknown = [(key, where) for key, where in workspace.actuals.where.items() if key[1] not in catalog.inputs]
    for (entity, name), where in sorted(unknown, key=lambda kv: kv[1]):  # few, so only they are sorted
        if name not in reported:
            reported.add(name)
            errors.append(InputError(f"unknown input {excerpt(name)} (for {excerpt(entity)})", location=where,
                                     hint=did_you_mean(name, catalog.inputs)
                                     or "declare it under `inputs:` in pmrules.yaml with its category"))
    return errors
