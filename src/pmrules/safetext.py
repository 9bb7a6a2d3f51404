"""Text from untrusted files made safe to show: control characters escaped, long values cut short.

A name, a cell or a rule message may hold terminal escapes (`ESC [ 2 J`, OSC 8 links, bidi
overrides) or a whole secret file read by mistake. Whatever pmrules shows of it goes through here:
`printable` for data in tables and text output, `excerpt` for input text quoted in an error.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

MAX_EXCERPT = 60

# C0 controls (newline and tab included: one value, one line), DEL, C1 controls, and the Unicode
# bidi embeddings, overrides and isolates that reorder what a terminal shows ("trojan source").
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """`text` with every control character shown as an escape (`\\x1b`, `\\u202e`), nothing else changed."""
    value = str(text)
    return _CONTROL.sub(_escape, value) if _CONTROL.search(value) else value


def printable_data(data: Any) -> Any:
    """A copy of nested dicts/lists whose strings are `printable` (for text renderings of a document)."""
    if isinstance(data, str):
        return printable(data)
    if isinstance(data, dict):
        return {key: printable_data(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [printable_data(value) for value in data]
    return data


def clip(text: object, limit: int = MAX_EXCERPT) -> str:
    """`printable` text cut to at most `limit` of its characters, saying how long it was."""
    value = str(text)
    if len(value) <= limit:
        return printable(value)
    return f"{printable(value[:limit])}... ({len(value):,} characters)"


def excerpt(text: object, limit: int = MAX_EXCERPT) -> str:
    """Input text quoted in an error: in quotes, escaped, at most `limit` characters (non-text as repr)."""
    if not isinstance(text, str):
        return clip(repr(text), limit)
    value = text[:limit].replace("\\", "\\\\").replace("'", "\\'")
    more = f"... ({len(text):,} characters)" if len(text) > limit else ""
    return f"'{printable(value)}'{more}"


def clip_list(names: list[str], limit: int = 10) -> str:
    """Comma-separated `clip`ped names, at most `limit` of them."""
    shown = ", ".join(clip(name, 40) for name in names[:limit])
    return shown + (f", ... and {len(names) - limit} more" if len(names) > limit else "")


_CONTROL_NAMES = {0x00: "NULL", 0x09: "CHARACTER TABULATION", 0x0A: "LINE FEED", 0x0D: "CARRIAGE RETURN",
                  0x1B: "ESCAPE", 0x7F: "DELETE", 0x85: "NEXT LINE"}


def describe(char: str) -> str:
    """One character by code point and Unicode name, e.g. `U+0415 CYRILLIC CAPITAL LETTER IE`."""
    code = ord(char)
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(code) or (
        "a control character" if unicodedata.category(char) == "Cc" else "an unnamed character")
    return f"U+{code:04X} {name}"
