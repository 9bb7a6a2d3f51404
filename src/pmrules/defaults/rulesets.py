"""The built-in rule sets (controllability, alignment, compensation), shipped as YAML data."""

from __future__ import annotations

from pathlib import Path

from pmrules.hookspecs import hookimpl


def rulesets_dir() -> Path:
    """Inside the wheel the YAML files sit in `pmrules/_rulesets`; in a source checkout, in `rulesets/`."""
    packaged = Path(__file__).resolve().parent.parent / "_rulesets"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "rulesets"


@hookimpl(trylast=True)
def register_rulesets() -> list[Path]:
    return sorted(rulesets_dir().glob("*.yaml"))
