"""The floor: the least work that produces the same numbers in Python on this hardware.

Columnar CSV read (pyarrow), exact multipliers per (plan, centre, rating), one vectorised product,
half-up rounding in NumPy with an exact re-check of values within a hair of a half cent, columnar
CSV write. No validation, no rules, no explanations.

    python bench/floor.py WORKSPACE OUT.csv
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from handwritten import multipliers, period


def main(workspace: Path, out: Path) -> None:
    manifest, mult = multipliers(workspace, fast_yaml=True)
    start, end, days_in_period = period(manifest)
    table = pcsv.read_csv(workspace / "employees.csv", convert_options=pcsv.ConvertOptions(
        column_types={"employee_id": pa.string(), "base_salary": pa.float64(), "target_bonus_pct": pa.float64(),
                      "start_date": pa.date32(), "end_date": pa.date32(), "individual_rating": pa.int64(),
                      "center": pa.string(), "plan": pa.string()}))
    keys = pc.binary_join_element_wise(table["plan"], table["center"],
                                       pc.cast(table["individual_rating"], pa.string()), "|")
    encoded = pc.dictionary_encode(keys).combine_chunks()
    lookup = np.array([float(mult[(p, c, int(r))]) for p, c, r in
                       (k.split("|") for k in encoded.dictionary.to_pylist())])
    m = lookup[encoded.indices.to_numpy()]
    s0 = np.datetime64(start, "D").astype(np.int64)
    e0 = np.datetime64(end, "D").astype(np.int64)
    first = np.maximum(pc.fill_null(table["start_date"], start).to_numpy().astype("datetime64[D]").astype(np.int64), s0)
    last = np.minimum(pc.fill_null(table["end_date"], end).to_numpy().astype("datetime64[D]").astype(np.int64), e0)
    days = np.maximum(0, last - first + 1)
    cents = table["base_salary"].to_numpy() * table["target_bonus_pct"].to_numpy() * days * m / days_in_period * 100
    rounded = np.floor(cents + 0.5)
    frac = cents - np.floor(cents)
    for i in np.flatnonzero(np.abs(frac - 0.5) < 1e-6):
        row = table.slice(int(i), 1).to_pylist()[0]
        key = (row["plan"], row["center"], row["individual_rating"])
        exact = (Fraction(repr(row["base_salary"])) * Fraction(repr(row["target_bonus_pct"])) * int(days[i])
                 * mult[key] / days_in_period * 100)
        rounded[i] = int(exact + Fraction(1, 2)) if exact >= 0 else -int(-exact + Fraction(1, 2))
    units = rounded.astype(np.int64)
    text = pc.binary_join_element_wise(pc.cast(pa.array(units // 100), pa.string()),
                                       pc.utf8_lpad(pc.cast(pa.array(units % 100), pa.string()), 2, "0"), ".")
    with open(out, "wb") as handle:
        handle.write(b"employee_id,bonus\n")
        pcsv.write_csv(pa.table({"employee_id": table["employee_id"], "bonus": text}), handle,
                       pcsv.WriteOptions(include_header=False, quoting_style="none"))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
