"""Ids as people read them: one written form per id, so a look-alike cannot be paid as someone else.

An id (employee, centre, plan, objective, owner) or a name (KPI, input) is normalised (Unicode NFKC,
then trimmed) where it is read, then must use a small ASCII alphabet: a Cyrillic `Е`, a zero-width
or no-break space, a BOM, a bidi override or an accent is refused with the character named, and a
full-width `Ｅ００１` becomes `E001`. Look-alikes that remain inside that alphabet (`O0` against
`00`, `l1` against `11`) are not errors (both may be real ids) but the `integrity.lookalike-ids`
audit rule warns about them, through `skeleton`.
"""

from __future__ import annotations

import unicodedata

from pmrules.safetext import describe, excerpt

MAX_ID_CHARS = 100  # as the manifest's `Id` and `Name` types
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset("0123456789")
ID_CHARS = _LETTERS | _DIGITS | frozenset("_.-")
NAME_CHARS = _LETTERS | _DIGITS | frozenset("_")
ID_RULE = "an id uses only the letters A-Z and a-z, digits, '_', '.' and '-', and starts with a letter or digit"
NAME_RULE = "a KPI or input name uses only the letters A-Z and a-z, digits and '_', and starts with a letter"
# For the fast reader (RE2): an id that matches is already in normal form, so no Python pass is needed.
SAFE_ID_REGEX = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"


def normalise(text: str) -> str:
    """NFKC (full-width and compatibility forms to their plain letters), then trimmed."""
    return unicodedata.normalize("NFKC", text).strip() if not text.isascii() else text.strip()


def problem(text: str, *, name: bool = False) -> str | None:
    """What is wrong with a normalised id (or KPI/input name when `name`), said about its first bad character."""
    allowed = NAME_CHARS if name else ID_CHARS
    for char in text:
        if char not in allowed:
            return f"contains {describe(char)}"
    if text and text[0] not in (_LETTERS if name else _LETTERS | _DIGITS):
        return f"starts with {describe(text[0])}"
    if len(text) > MAX_ID_CHARS:
        return f"is {len(text):,} characters long, more than {MAX_ID_CHARS}"
    return None


def _first_bad(written: str, *, name: bool) -> str | None:
    """The first character as written whose own normal form is not allowed: the no-break space the user
    typed, not the space it became; the combining accent, not the accented letter NFKC composed."""
    allowed = NAME_CHARS if name else ID_CHARS
    for char in written:
        if any(c not in allowed for c in unicodedata.normalize("NFKC", char)):
            return char
    return None


class IdError(ValueError):
    """An id that is not allowed; `hint` says what an id may hold (pydantic keeps the exception)."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


def checked(text: str, what: str = "", *, name: bool = False) -> str:
    """The normal form of an id read from a file; IdError with the character named if it is not allowed."""
    normal = normalise(text)
    found = problem(normal, name=name)
    written = _first_bad(text.strip(), name=name) if found and found.startswith("contains ") else None
    if written is not None:
        found = f"contains {describe(written)}"
    if found:
        raise IdError(f"{what} {excerpt(text)} {found}".lstrip(), hint=rule(name=name) + "; retype it")
    return normal


def model_id(value: object) -> object:
    """pydantic BeforeValidator of the manifest's `Id`: normal form, or the character named."""
    return checked(value) if isinstance(value, str) else value


def model_name(value: object) -> object:
    """pydantic BeforeValidator of the manifest's `Name` (KPI and input ids)."""
    return checked(value, name=True) if isinstance(value, str) else value


def rule(*, name: bool = False) -> str:
    return NAME_RULE if name else ID_RULE


# Characters that read alike in common fonts, folded together for the look-alike audit.
_SKELETON = str.maketrans({"o": "0", "i": "1", "l": "1", "|": "1", "_": "-", ".": "-"})


def skeleton(text: str) -> str:
    """What an id looks like, not what it is: case folded, O as 0, I and l as 1, `_` and `.` as `-`."""
    return text.lower().translate(_SKELETON)
