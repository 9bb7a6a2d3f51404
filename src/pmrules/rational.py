"""The exact rational type of the payout path: quicktions' C Fraction when installed (7-20x faster), else stdlib.

Both are `numbers.Rational`, compare and hash equal to each other, and accept the same constructors.

quicktions (1.16 to 1.24 at least) writes the digit of a one-character string such as `"0"` into
CPython's shared one-byte `b"\\x00"` object, so every `b"\\x00"` in the process afterwards reads
`b"0"` (a NUL check then finds NULs everywhere). pmrules' `Fraction` hands such a string over as an
int, which quicktions parses without that write; `isinstance(x, Fraction)` still holds for every
quicktions Fraction, including the results of arithmetic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any


def _fraction_type(quicktions: Any) -> Any:
    """quicktions.Fraction behind a constructor that turns a one-character digit string into an int."""

    class _AnyQuicktionsFraction(type):
        def __instancecheck__(cls, instance: Any) -> bool:
            return isinstance(instance, quicktions.Fraction)

        def __subclasscheck__(cls, subclass: type) -> bool:
            return issubclass(subclass, quicktions.Fraction)

    class Fraction(quicktions.Fraction, metaclass=_AnyQuicktionsFraction):  # type: ignore[misc]
        """quicktions.Fraction, never given a one-character string (see the module docstring)."""

        __slots__ = ()

        def __new__(cls, numerator: Any = 0, denominator: Any = None) -> Any:
            if type(numerator) is str and len(numerator) == 1 and numerator.isdigit():
                numerator = int(numerator)
            if denominator is None:
                return quicktions.Fraction(numerator)
            return quicktions.Fraction(numerator, denominator)

    return Fraction


if TYPE_CHECKING:
    from quicktions import Fraction  # what the type checker sees: the type every Fraction here is
    from quicktions import Fraction as EXACT
else:
    try:
        import quicktions as _quicktions
    except ImportError:  # pragma: no cover - quicktions is a dependency; this keeps pmrules importable without it
        from fractions import Fraction
        EXACT = Fraction
    else:
        Fraction = _fraction_type(_quicktions)
        EXACT = _quicktions.Fraction  # the concrete class of every value: for `type(x) is EXACT` fast paths


__all__ = ["EXACT", "Fraction"]
