"""The straightforward script a user would write: csv module, exact multipliers, Decimal per employee.

    python bench/reference.py WORKSPACE OUT.csv
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

from handwritten import multipliers, period


def main(workspace: Path, out: Path) -> None:
    manifest, mult = multipliers(workspace)
    start, end, days_in_period = period(manifest)
    with localcontext() as ctx, open(workspace / "employees.csv", newline="") as src, \
            open(out, "w", newline="") as dst:
        ctx.prec = 60
        reader = csv.DictReader(src)
        writer = csv.writer(dst, lineterminator="\n")
        writer.writerow(["employee_id", "bonus"])
        cent = Decimal("0.01")
        for row in reader:
            first = max(dt.date.fromisoformat(row["start_date"]) if row["start_date"] else start, start)
            last = min(dt.date.fromisoformat(row["end_date"]) if row["end_date"] else end, end)
            days = max(0, (last - first).days + 1)
            m = mult[(row["plan"], row["center"], int(row["individual_rating"]))]
            bonus = (Decimal(row["base_salary"]) * Decimal(row["target_bonus_pct"]) * days * m.numerator
                     / (Decimal(days_in_period) * m.denominator))
            writer.writerow([row["employee_id"], bonus.quantize(cent, rounding=ROUND_HALF_UP)])


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
