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


def _codes(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct keys ascending, each row's group code, each group's size) without sorting the rows."""
    size = int(np.max(key)) + 1
    if size <= 8 * len(key) + 1024:  # a count per possible key: linear time
        counts = np.bincount(key, minlength=size)
        present = np.flatnonzero(counts)
        lookup = np.empty(size, dtype=np.int64)
        lookup[present] = np.arange(len(present))
        return present, lookup[key], counts[present]
    present, inverse, sizes = np.unique(key, return_inverse=True, return_counts=True)
    return present, inverse.reshape(-1), sizes


def _stable_order(codes: np.ndarray, groups: int) -> np.ndarray:
    """Rows by group code, in row order within a group (a radix sort when the codes fit 16 bits)."""
    return np.argsort(codes.astype(np.uint16) if groups <= 1 << 16 else codes, kind="stable")


def _group_ratings(group_of: np.ndarray, groups: int, rating: np.ndarray) -> tuple[list[int], list[int]]:
    """The distinct rating codes of every group, ascending, flattened, and where each group's start."""
    distinct = np.unique(rating)
    index = np.searchsorted(distinct, rating).astype(np.int64)
    pairs_key = group_of * len(distinct) + index
    if groups * len(distinct) <= 8 * len(rating) + 1024:
        pairs = np.flatnonzero(np.bincount(pairs_key, minlength=groups * len(distinct)))
    else:
        pairs = np.unique(pairs_key)
    bounds = np.searchsorted(pairs // len(distinct), np.arange(groups + 1))
    return distinct[pairs % len(distinct)].tolist(), bounds.tolist()


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
    # groups in ascending key order, each group's rows in row order
    present, group_of, sizes = _codes(key)
    order = _stable_order(group_of, len(present))
    ends = np.cumsum(sizes)
    starts = ends - sizes
    group_keys = present.tolist()
    plan_names, center_names = plans.dictionary.to_pylist(), centers.dictionary.to_pylist()
    # every group's sample ids in one take, not one pyarrow scalar per id
    taken = np.minimum(sizes, SAMPLE_IDS)
    sample_rows = order[np.repeat(starts, taken) + np.arange(taken.sum()) - np.repeat(np.cumsum(taken) - taken, taken)]
    sample_ids = table.ids.take(pa.array(sample_rows)).to_pylist()
    sample_at = (np.cumsum(taken) - taken).tolist()
    taken_list, firsts, counts = taken.tolist(), order[starts].tolist(), sizes.tolist()
    pair_rating, pair_bounds = _group_ratings(group_of, len(present), table.rating.astype(np.int64))
    rating_text = {code: str(table.rating_of(code)) for code in set(pair_rating) if code != NO_RATING}
    segmented = has_segments(table)
    singles = [first for first, count in zip(firsts, counts, strict=True) if count == 1]
    single_names = dict(zip(singles, table.names.take(pa.array(singles, pa.int64())).to_pylist(), strict=True))
    groups = []
    used: set[str] = set()
    for code, group_key in enumerate(group_keys):
        plan, center = plan_names[group_key // 8 // len(center_names)], center_names[group_key // 8 % len(center_names)]
        flags = group_key % 8
        first = firsts[code]
        sample = sample_ids[sample_at[code]:sample_at[code] + taken_list[code]]
        count = counts[code]
        if segmented:  # a person counted once, though their segments may share a group
            sample = list(dict.fromkeys(sample))
            count = len(set(table.ids.take(pa.array(order[starts[code]:ends[code]])).to_pylist()))
        name = (single_names[first] if first in single_names else table.names[first].as_py()) if count == 1 else (
            f"{count} employees")
        label = f"{sample[0]} ({name})" if count == 1 else (
            f"{count} employees ({', '.join(sample[:5])}{', ...' if count > 5 else ''})")
        ratings = sorted(rating_text[r] for r in pair_rating[pair_bounds[code]:pair_bounds[code + 1]] if r != NO_RATING)
        group_id = sample[0] if count == 1 else f"{sample[0]} (+{count - 1})"
        if group_id in used:  # a transferred employee first in two groups: say which
            group_id = f"{group_id} in {center} on {plan}"
        used.add(group_id)
        groups.append({"id": group_id, "label": label,
                       "name": name, "employees": count, "employee_ids": sample, "center": center, "plan": plan,
                       "ratings": ratings, "has_rating": bool(flags & 4), "has_scorecard": bool(flags & 2),
                       "is_manager": bool(flags & 1), "first": first})
    return sorted(groups, key=lambda g: g["first"])
