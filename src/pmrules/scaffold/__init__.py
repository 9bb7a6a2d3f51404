"""`pmrules new-plugin`: a ready-to-install plugin package from the templates beside this file."""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from pmrules.errors import InputError

TEMPLATE = Path(__file__).resolve().parent / "template"
NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


def scaffold_plugin(name: str, directory: Path) -> Path:
    """Write `pmrules-NAME/` into `directory` and return it; its tests pass right after `pip install -e`."""
    if not NAME.match(name):
        raise InputError(f"plugin name {name!r} must be lower-case letters, digits and '_', starting with a letter",
                         hint="e.g. pmrules new-plugin retail")
    target = directory / f"pmrules-{name.replace('_', '-')}"
    if target.exists() and any(target.iterdir()):
        raise InputError(f"{target} already exists and is not empty", hint="pick another name or directory")
    values = {"name": name, "dist": f"pmrules-{name.replace('_', '-')}", "module": f"pmrules_{name}"}
    for source in sorted(TEMPLATE.rglob("*.tmpl")):
        relative = str(source.relative_to(TEMPLATE).with_suffix("")).replace("NAME", name)
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(source.read_text()).substitute(values))
    return target
