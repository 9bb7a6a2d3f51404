"""`FILE.manifest.json`: what produced an output, so a payout can be reproduced and checked."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pmrules import __version__
from pmrules.plugins import PluginInfo


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_manifest(*, command: str, options: dict[str, Any], workspace_root: Path, inputs: Iterable[Path],
                 rulesets: Iterable[tuple[str, str, Path]], plugins: Iterable[PluginInfo],
                 output: Path, output_bytes: bytes, extra: dict[str, Any] | None = None) -> bytes:
    """No timestamps and a stable order, so the manifest is byte-identical on a rerun."""

    def shown(path: Path) -> str:
        try:
            return str(path.resolve().relative_to(workspace_root.resolve()))
        except ValueError:
            return path.name

    document = {
        "pmrules_version": __version__,
        "command": command,
        "options": options,
        "workspace": workspace_root.resolve().name,
        "inputs": [{"path": shown(p), "sha256": sha256(p)} for p in sorted(set(inputs))],
        "rulesets": [{"name": name, "source": source, "path": shown(path), "sha256": sha256(path)}
                     for name, source, path in sorted(rulesets)],
        "plugins": [{"name": p.name, "distribution": p.distribution, "version": p.version} for p in plugins],
        "output": {"path": output.name, "sha256": hashlib.sha256(output_bytes).hexdigest()},
        **(extra or {}),  # what a feature beyond version 1 used, e.g. the exchange rates (issue 14)
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")
