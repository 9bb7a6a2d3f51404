"""What was read from each data source: file, rows read and ignored (and why), columns used, notes."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_EXAMPLES = 5


@dataclass
class SourceReport:
    """One data source as `pmrules validate` reports it; `columns` maps each pmrules column to the file's header."""

    key: str
    file: str
    mapped: bool = False
    header_row: int = 1
    rows_read: int = 0
    ignored: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    extra_columns: list[str] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    unused_codes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def rows_used(self) -> int:
        return self.rows_read - sum(self.ignored.values())

    def ignore(self, reason: str, count: int = 1, example: str | None = None) -> None:
        """Count ignored rows by reason, keeping the first few distinct values that caused it."""
        self.ignored[reason] = self.ignored.get(reason, 0) + count
        examples = self.examples.setdefault(reason, [])
        if example is not None and example not in examples and len(examples) < MAX_EXAMPLES:
            examples.append(example)

    def note(self, severity: str, message: str) -> None:
        self.notes.append((severity, message))

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.key, "file": self.file, "mapped": self.mapped, "header_row": self.header_row,
            "rows_read": self.rows_read, "rows_used": self.rows_used,
            "rows_ignored": [{"reason": reason, "rows": count, "examples": self.examples.get(reason, [])}
                             for reason, count in self.ignored.items()],
            "columns": dict(self.columns), "extra_columns": list(self.extra_columns),
            "notes": [{"severity": severity, "message": message} for severity, message in self.notes],
        }


def plain_report(key: str, file: str, rows: int, header: list[str]) -> SourceReport:
    """A version-1 source: read as named, every row used."""
    return SourceReport(key, file, rows_read=rows, columns={name: name for name in header if name})
