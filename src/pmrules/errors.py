"""One exception hierarchy for every phase, so the CLI has one place to turn failures into exit 2."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Location:
    """Where an item came from, so errors and findings can say `file:line`."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


def did_you_mean(name: str, choices: Iterable[str]) -> str | None:
    """A hint naming the closest known id, or None."""
    close = difflib.get_close_matches(str(name), sorted(set(map(str, choices))), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


class PmrulesError(Exception):
    """Root of every error pmrules raises on purpose; the CLI renders it and exits 2."""

    def __init__(
        self,
        message: str,
        *,
        location: Location | None = None,
        hint: str | None = None,
        **fields: object,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint
        self.fields = fields

    def lines(self) -> list[str]:
        """One rendered line per problem: `file:line: message (hint)`."""
        text = f"{self.location}: {self.message}" if self.location else self.message
        return [f"{text} ({self.hint})" if self.hint else text]

    def __str__(self) -> str:
        return "\n".join(self.lines())


class InputError(PmrulesError):
    """A workspace or rule-set file that does not parse or does not validate."""


class FormulaError(PmrulesError):
    """A formula that is not allowed, does not parse, or does not bind."""


class RuleError(PmrulesError):
    """A rule set that is malformed, or an engine failure while evaluating it."""


class PluginError(PmrulesError):
    """A plugin that is missing, fails to load, or returns something malformed."""


class EvaluationError(PmrulesError):
    """A value that cannot be computed (missing input, zero divisor) for a given owner."""


class OutputError(PmrulesError):
    """An output that must not or cannot be written: an input, a special file, a full or read-only disk."""


class LedgerError(PmrulesError):
    """A run ledger that cannot be opened or written, or a run it refuses (a locked period)."""


class ErrorGroup(PmrulesError):
    """Several problems found at once, so a user fixes a file in one pass."""

    errors: list[PmrulesError]

    def __init__(self, errors: list[PmrulesError]) -> None:
        flat: list[PmrulesError] = []
        for error in errors:
            flat.extend(error.errors if isinstance(error, ErrorGroup) else [error])
        self.errors = flat
        super().__init__(f"{len(flat)} problem(s)")

    def lines(self) -> list[str]:
        return [line for error in self.errors for line in error.lines()]


def raise_all(errors: list[PmrulesError]) -> None:
    """Raise nothing, the single error, or an ErrorGroup of all of them."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ErrorGroup(errors)
