"""A rich Table that shows data as text: no markup, no emoji codes, control characters escaped.

rich reads a `str` cell as markup, so a name like `[/b]` crashed a payout and `[link=…]` could
forge a hyperlink; escapes in a name (ESC, OSC, bidi overrides) reached the terminal. Every cell
and title added through this class is a `rich.text.Text` of `printable` text instead.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table as RichTable
from rich.text import Text

from pmrules.safetext import printable


def as_text(value: Any) -> Any:
    """A `str` as literal, printable `Text`; anything else (None, a renderable) unchanged."""
    return Text(printable(value)) if isinstance(value, str) else value


class Table(RichTable):
    """`rich.table.Table` whose title and cells are data, never markup."""

    def __init__(self, *headers: Any, title: Any = None, **options: Any) -> None:
        super().__init__(*headers, title=as_text(title), **options)

    def add_row(self, *renderables: Any, **options: Any) -> None:
        super().add_row(*(as_text(cell) for cell in renderables), **options)
