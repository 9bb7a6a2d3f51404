"""The exact rational type of the payout path: quicktions' C Fraction when installed (7-20x faster), else stdlib.

Both are `numbers.Rational`, compare and hash equal to each other, and accept the same constructors.
"""

try:
    from quicktions import Fraction
except ImportError:  # pragma: no cover - quicktions is a dependency; this keeps pmrules importable without it
    from fractions import Fraction  # type: ignore[assignment]

__all__ = ["Fraction"]
