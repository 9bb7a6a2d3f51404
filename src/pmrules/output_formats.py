"""The output-format registry: `pmrules payout --format NAME`, filled by the `register_output_formats` hook.

A format is a writer plus what the CLI needs to offer it (help line, whether it must go to a file).
pmrules' own table, csv, json and xlsx come through the same hook as a plugin's, so adding a format
is one registration, not a choice list, a dispatch and a writer to keep in step.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace

import pluggy

from pmrules.errors import PluginError, PmrulesError, raise_all
from pmrules.plugins import DEFAULT_PLUGINS, call_with_source, guarded

HOOK = "register_output_formats"
NAME = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
WRITER_ARGUMENTS = ("run", "workspace", "currency", "audit")


@dataclass(frozen=True)
class OutputFormat:
    """One `--format NAME`; `write` is called with those of WRITER_ARGUMENTS it names and returns str or bytes."""

    name: str
    write: Callable[..., str | bytes]
    description: str = ""
    binary: bool = False  # bytes for a file, never for a terminal: --output is required
    extension: str = ""  # e.g. ".xlsx", suggested when --output is missing
    source: str = ""  # the plugin that registered it, stamped by pmrules

    def output_hint(self) -> str:
        return f"--format {self.name} needs --output FILE{self.extension}"


def output_formats(pm: pluggy.PluginManager) -> dict[str, OutputFormat]:
    """Every registered format by name, pmrules' own first; two plugins claiming one name is an error naming both."""
    found: dict[str, OutputFormat] = {}
    errors: list[PmrulesError] = []
    returns = call_with_source(pm, HOOK)
    for source, returned in sorted(returns, key=lambda item: (item[0] not in DEFAULT_PLUGINS, item[0])):
        if isinstance(returned, (str, bytes, Mapping)) or not hasattr(returned, "__iter__"):
            errors.append(PluginError(f"plugin '{source}' returned {type(returned).__name__} from {HOOK}(); "
                                      "expected a list", plugin=source))
            continue
        for item in returned:
            try:
                fmt = _output_format(item, source)
            except PluginError as exc:
                errors.append(exc)
                continue
            if fmt.name in found:
                errors.append(PluginError(
                    f"output format '{fmt.name}' is registered by both plugin '{found[fmt.name].source}' "
                    f"and plugin '{source}'",
                    hint="rename one of them; pin plugins with PMRULES_LOAD_PLUGINS", plugin=source))
                continue
            found[fmt.name] = fmt
    raise_all(errors)
    return found


def _output_format(item: object, source: str) -> OutputFormat:
    if isinstance(item, Mapping):
        known = {f.name for f in fields(OutputFormat)} - {"source"}
        unknown = sorted(set(item) - known)
        if unknown or "name" not in item or "write" not in item:
            problem = f"unknown key(s) {', '.join(unknown)}" if unknown else "needs 'name' and 'write'"
            raise PluginError(f"plugin '{source}' returned a malformed output format '{item.get('name', '?')}': "
                              f"{problem}", hint=f"keys: {', '.join(sorted(known))}", plugin=source)
        item = OutputFormat(**item)
    if not isinstance(item, OutputFormat):
        raise PluginError(f"plugin '{source}' returned {type(item).__name__} from {HOOK}(); expected "
                          "OutputFormat objects or dicts", plugin=source)
    if not isinstance(item.name, str) or not NAME.match(item.name) or not callable(item.write):
        raise PluginError(f"plugin '{source}' returned a malformed output format '{item.name}': the name must be "
                          "lower-case letters, digits, '-' or '_', and write a callable", plugin=source)
    return replace(item, source=source)


def write_output(fmt: OutputFormat, **available: object) -> bytes:
    """Call the writer with the arguments it names (as datasette calls renderers); str is encoded as UTF-8."""
    parameters = inspect.signature(fmt.write).parameters
    takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    wanted = list(available) if takes_all else list(parameters)
    unknown = sorted(set(wanted) - set(available))
    if unknown:
        raise PluginError(f"plugin '{fmt.source}' output format '{fmt.name}' asks for {', '.join(unknown)}",
                          hint=f"a writer may take: {', '.join(WRITER_ARGUMENTS)}", plugin=fmt.source)
    data = guarded(fmt.source, f"output format '{fmt.name}'", fmt.write,
                   keep=(PmrulesError,), **{name: available[name] for name in wanted})
    if not isinstance(data, (str, bytes)):
        raise PluginError(f"plugin '{fmt.source}' output format '{fmt.name}' returned {type(data).__name__}; "
                          "expected str or bytes", plugin=fmt.source)
    return data.encode() if isinstance(data, str) else data
