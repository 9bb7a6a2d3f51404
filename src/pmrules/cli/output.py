"""Rendering shared by commands: JSON for machines, rich tables for people, atomic files."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from pmrules.errors import OutputError
from pmrules.io.atomic import check_output_path, write_atomic
from pmrules.io.outputs import STDOUT, workspace_inputs
from pmrules.io.phases import PHASES_ENV, PhaseTimings

format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
    help="table for people, json for machines (stdout then holds nothing but the JSON).",
)


class OutputPath(click.Path):
    """A file to write; `-` means stdout (the command then sees None)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value == STDOUT:
            return None
        return super().convert(value, param, ctx)


OUTPUT_PATH = OutputPath(dir_okay=False, path_type=Path)
output_option = click.option(
    "--output", "-o", type=OUTPUT_PATH, default=None,
    help="Write to this file (atomically: all or nothing) instead of stdout; - is stdout.",
)


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def emit(text: str | bytes, output: Path | None, inputs: Iterable[Path] = ()) -> None:
    """Send a rendered result to stdout, or atomically to `output` (after the output guard)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if output is None:
        try:
            click.echo(data, nl=False)
        except BrokenPipeError:
            raise
        except OSError as exc:  # stdout redirected to a full disk, /dev/full, a read-only file
            raise OutputError(f"cannot write to stdout: {exc.strerror or type(exc).__name__}",
                              hint="redirect stdout somewhere else, or use --output FILE") from exc
        return
    check_output_path(output, inputs)
    write_atomic(output, data)


def run_inputs(opened: Any) -> list[Path]:
    """The files an `--output` must never overwrite for this workspace: inputs and rule-set files."""
    ws = opened.workspace
    declared = ws.manifest.rulesets if "rulesets" in ws.manifest.model_fields_set else None
    return workspace_inputs(ws.root, ws.input_files, declared)


def render_table(table: Any, width: int = 160) -> str:
    """A rich table rendered to plain text (no colour codes when written to a file)."""
    buffer = io.StringIO()
    Console(width=width, file=buffer, highlight=False, color_system=None).print(table)
    return buffer.getvalue()


class Phases:
    """What a long run is doing, as a spinner line on stderr (only on a terminal; stdout stays clean).

    With PMRULES_PHASES=1 in the environment, each phase's wall and CPU seconds, the RSS at its end and
    the peak RSS so far are printed to stderr when the run ends (how bench/ reports memory by phase).
    """

    def __init__(self) -> None:
        self._status = console(stderr=True).status("") if sys.stderr.isatty() else None
        if self._status is not None:
            self._status.start()
        self._timings: PhaseTimings | None = PhaseTimings() if os.environ.get(PHASES_ENV) else None

    def __call__(self, text: str) -> None:
        if self._timings is not None:
            self._timings.start(text)
        if self._status is not None:
            self._status.update(text)

    def echo(self, text: str) -> None:
        """A line on stderr while the spinner runs (stopped and started around it, so it is not overwritten)."""
        if self._status is not None:
            self._status.stop()
        click.echo(text, err=True)
        if self._status is not None:
            self._status.start()

    def close(self) -> None:
        """Clear the spinner before printing anything else to stderr."""
        if self._status is not None:
            self._status.stop()
            self._status = None
        if self._timings is not None:
            click.echo(self._timings.report(), err=True)
            self._timings = None

    def __enter__(self) -> Phases:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
