"""Formula functions pmrules ships beyond the sympy built-ins, registered like any plugin's."""

from __future__ import annotations

from pmrules.hookspecs import hookimpl


@hookimpl(trylast=True)
def register_functions() -> list[dict[str, object]]:
    return [
        {"name": "clamp", "params": ["x", "lo", "hi"], "body": "Min(Max(x, lo), hi)",
         "description": "x limited to the range lo..hi"},
        {"name": "safe_div", "params": ["a", "b", "default"], "body": "Piecewise((a / b, b != 0), (default, True))",
         "description": "a / b, or `default` when b is 0"},
    ]
