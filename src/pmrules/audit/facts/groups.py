"""Employees grouped by what rules can see, so a million employees are a few thousand facts."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pmrules.workspace.employees import NO_RATING, EmployeeTable
from pmrules.workspace.segments import has_segments

SAMPLE_IDS = 20


def value_counts(column: pa.Array) -> Counter[str]:
    counts = pc.value_counts(column)
    return Counter(dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True)))


def distinct_counts(table: EmployeeTable, column: pa.Array) -> Counter[str]:
    """Distinct employee ids per value of a column: a person with two segments in one centre counts once."""
    return Counter(value for value, _ in set(zip(column.to_pylist(), table.id_list(), strict=True)))


def employee_groups(table: EmployeeTable, card_owners: set[str], managers: set[str]) -> list[dict[str, Any]]:
    """Employees grouped by what rules can see; each group with its size, sample ids and first row."""
    if len(table) == 0:
        return []
    has_rating = table.rating != NO_RATING
    if table.factor_text is not None:  # an individual_factor is the individual score, as a rating would give
        has_rating = has_rating | pc.not_equal(table.factor_text, "").to_numpy(zero_copy_only=False)
    own = pc.is_in(table.ids, value_set=pa.array(sorted(card_owners), pa.string())).to_numpy(zero_copy_only=False)
    manager = pc.is_in(table.ids, value_set=pa.array(sorted(managers), pa.string())).to_numpy(zero_copy_only=False)
    # one integer per row: (plan, centre, has rating, own scorecard, manager); no per-row strings
    plans, centers = pc.dictionary_encode(table.plans), pc.dictionary_encode(table.centers)
    flag = has_rating.astype(np.int64) * 4 + own.astype(np.int64) * 2 + manager.astype(np.int64)
    key = (plans.indices.to_numpy(zero_copy_only=False).astype(np.int64) * len(centers.dictionary)
           + centers.indices.to_numpy(zero_copy_only=False)) * 8 + flag
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    ends = np.append(starts[1:], len(order))
    group_keys = sorted_key[starts].tolist()
    plan_names, center_names = plans.dictionary.to_pylist(), centers.dictionary.to_pylist()
    # every group's sample ids in one take, not one pyarrow scalar per id
    taken = np.minimum(ends - starts, SAMPLE_IDS)
    sample_rows = order[np.repeat(starts, taken) + np.arange(taken.sum()) - np.repeat(np.cumsum(taken) - taken, taken)]
    sample_ids = table.ids.take(pa.array(sample_rows)).to_pylist()
    sample_at = np.cumsum(taken) - taken
    # the distinct ratings of every group at once: sorted (group, rating) pairs, sliced per group
    group_of = np.empty(len(order), dtype=np.int64)
    group_of[order] = np.repeat(np.arange(len(starts)), ends - starts)
    rating = table.rating.astype(np.int64)
    low = int(np.min(rating))
    span = int(np.max(rating)) - low + 1
    pairs = np.unique(group_of * span + (rating - low))
    pair_rating = pairs % span + low
    pair_bounds = np.searchsorted(pairs // span, np.arange(len(starts) + 1))
    groups = []
    segmented = has_segments(table)
    used: set[str] = set()
    for code, group_key in enumerate(group_keys):
        plan, center = plan_names[group_key // 8 // len(center_names)], center_names[group_key // 8 % len(center_names)]
        flags = group_key % 8
        rows = order[starts[code]:ends[code]]
        first = int(rows[0])
        sample = sample_ids[sample_at[code]:sample_at[code] + taken[code]]
        count = len(rows)
        if segmented:  # a person counted once, though their segments may share a group
            sample = list(dict.fromkeys(sample))
            count = len(set(table.ids.take(pa.array(rows)).to_pylist()))
        name = table.names[first].as_py() if count == 1 else f"{count} employees"
        label = f"{sample[0]} ({name})" if count == 1 else (
            f"{count} employees ({', '.join(sample[:5])}{', ...' if count > 5 else ''})")
        present = pair_rating[pair_bounds[code]:pair_bounds[code + 1]]
        ratings = sorted(str(table.rating_of(int(r))) for r in present if r != NO_RATING)
        group_id = sample[0] if count == 1 else f"{sample[0]} (+{count - 1})"
        if group_id in used:  # a transferred employee first in two groups: say which
            group_id = f"{group_id} in {center} on {plan}"
        used.add(group_id)
        groups.append({"id": group_id, "label": label,
                       "name": name, "employees": count, "employee_ids": sample, "center": center, "plan": plan,
                       "ratings": ratings, "has_rating": bool(flags & 4), "has_scorecard": bool(flags & 2),
                       "is_manager": bool(flags & 1), "first": first})
    return sorted(groups, key=lambda g: g["first"])
