"""A payment's trail in the ledger: shared by its multiplier group, or (version 1 layout) whole per payment.

A run's employees in one group (plan, centre, individual score) share their scores, multiplier and
reasons; since schema version 3 that part is stored once per run and group (`trail_groups`) and each
payment keeps what is its own (its row, days, amounts) and `group`. Readers expand both layouts to the
same whole trail, so `diff`, `history` and `--explain` never see the difference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

GROUP = "group"
SHARED = ("plan", "center", "scores", "multiplier", "reasons", "share", "year_days")
OMITTED_WHEN_EMPTY = ("start_date", "note")  # restored as "" on expansion


def split(trail: Mapping[str, Any], group_id: int) -> dict[str, Any]:
    """The employee's own part of a whole trail, referring to its group's shared part."""
    own = {k: v for k, v in trail.items() if k not in SHARED and not (k in OMITTED_WHEN_EMPTY and v == "")}
    own[GROUP] = group_id
    return own


def shared(trail: Mapping[str, Any]) -> dict[str, Any]:
    return {k: trail[k] for k in SHARED if k in trail}


def expand(own: Mapping[str, Any], groups: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    """The whole trail of a payment: a version 1 trail as it is, a version 3 one merged with its group's."""
    if GROUP not in own:
        return dict(own)
    whole = {k: "" for k in OMITTED_WHEN_EMPTY}
    whole.update(groups[int(own[GROUP])])
    whole.update({k: v for k, v in own.items() if k != GROUP})
    return whole


def group_refs(trails: Iterable[tuple[int, Mapping[str, Any]]]) -> dict[int, set[int]]:
    """Per run id, the groups its trails refer to; version 1 trails refer to none."""
    refs: dict[int, set[int]] = {}
    for run_id, trail in trails:
        if GROUP in trail:
            refs.setdefault(run_id, set()).add(int(trail[GROUP]))
    return refs
