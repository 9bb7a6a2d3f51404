"""Workspace files are read only if they are regular files inside the workspace.

A workspace arrives by e-mail or pull request, symlinks included: `actuals.csv -> /proc/self/environ`
would otherwise be read and quoted in an error, secrets and all. So every file a workspace names
is resolved (links followed) and must stay inside the workspace folder, and must be a regular file
(never a FIFO, which would block, a device, a socket, or anything under /proc, /sys or /dev).
`PMRULES_ALLOW_OUTSIDE_LINKS=1` (the CLI's `--allow-outside-links`) lets links point outside the
workspace for someone who keeps shared data elsewhere on purpose; special files stay refused.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from pmrules.errors import InputError, Location

ALLOW_ENV = "PMRULES_ALLOW_OUTSIDE_LINKS"
SPECIAL_TREES = (Path("/proc"), Path("/sys"), Path("/dev"))

_allow: ContextVar[bool | None] = ContextVar("pmrules_allow_outside_links", default=None)


def outside_links_allowed() -> bool:
    """Set by `allow_outside_links()`, else `PMRULES_ALLOW_OUTSIDE_LINKS` (1/true/yes)."""
    chosen = _allow.get()
    if chosen is not None:
        return chosen
    return os.environ.get(ALLOW_ENV, "").strip().lower() in ("1", "true", "yes")


@contextmanager
def allow_outside_links(allowed: bool = True) -> Iterator[None]:
    """Within this block, links from the workspace to files outside it are (or are not) followed."""
    token = _allow.set(allowed)
    try:
        yield
    finally:
        _allow.reset(token)


def is_special_tree(resolved: Path) -> bool:
    return any(resolved == tree or tree in resolved.parents for tree in SPECIAL_TREES)


def workspace_file(root: Path, path: Path, display: str | None = None, *,
                   location: Location | None = None) -> Path:
    """`path` checked: it exists, is a regular file and (unless allowed) resolves inside `root`.

    Returns `path` itself (messages keep naming what the user wrote). `location` is where the
    file was named (a `pmrules.yaml` line), else the file itself.
    """
    where = location or Location(display or str(path))
    name = display or str(path)
    try:
        resolved = path.resolve(strict=True)
        mode = os.stat(resolved).st_mode
    except FileNotFoundError as exc:
        raise InputError(f"{name} does not exist", location=where, hint="create it or fix the path") from exc
    except (OSError, RuntimeError) as exc:  # a loop of links, a permission problem
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "a loop of symbolic links"
        raise InputError(f"cannot read {name}: {reason}", location=where) from exc
    if any(is_special_tree(hop) for hop in (resolved, *_hops(path))) or not stat.S_ISREG(mode):
        raise InputError(f"{name} is {_kind(mode, resolved)}, not a regular file", location=where,
                         hint="a workspace file must be a plain file, never a device, FIFO or /proc entry")
    if not outside_links_allowed() and not _inside(resolved, root):
        raise InputError(
            f"{name} is a link to a file outside the workspace", location=where,
            hint=f"copy the file into the workspace, or pass --allow-outside-links or set {ALLOW_ENV}=1",
        )
    return path


def _hops(path: Path, limit: int = 40) -> list[Path]:
    """Each place a chain of links at `path` points to (`/dev/stdin` -> `/proc/self/fd/0` -> ...)."""
    hops: list[Path] = []
    current = Path(os.path.abspath(path))
    while current.is_symlink() and len(hops) < limit:
        current = Path(os.path.abspath(current.parent / os.readlink(current)))
        hops.append(current)
    return hops


def _inside(resolved: Path, root: Path) -> bool:
    base = root.resolve()
    return resolved == base or base in resolved.parents


def _kind(mode: int, resolved: Path) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    if is_special_tree(resolved) and len(resolved.parts) > 1:
        return f"under /{resolved.parts[1]}"
    return "a link into /dev, /proc or /sys" if stat.S_ISREG(mode) else "a special file"
