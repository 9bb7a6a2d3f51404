"""The floor: the least work in Python on this hardware that gives the same bonuses as the exact reference.

- the manifest with the fastest YAML parser there is: rapidyaml (the `bench` extra) when installed,
  reading only the keys the arithmetic needs; else PyYAML's C loader (libyaml); else PyYAML;
- actuals and employees with pyarrow's CSV reader, bonuses written with pyarrow's CSV writer;
- every KPI value, factor and score at once in NumPy over all scorecard lines (no Python loop
  per centre), multipliers as one (plan, centre, rating) array;
- float arithmetic and float half-up rounding: no Fractions, no Decimal. bench/run.py checks that
  every bonus equals the exact reference's (bench/reference.py), which is what makes it a floor
  and not merely fast.

No validation, no rules, no explanations, and it does not import pmrules.

    python bench/floor.py WORKSPACE OUT.csv        # prints the YAML parser it used on stderr
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from kpis import FORMULAS, LOWER

KPI_CODE = {name: i for i, name in enumerate(FORMULAS)}
LINE_FIELDS = ("weight", "threshold", "target", "maximum")


def manifest_ryml(raw: bytes) -> dict[str, Any]:
    """The keys the arithmetic needs, straight from a rapidyaml tree (no whole-document conversion).

    Scorecard lines come back as columns: owner, KPI code and four floats per line.
    """
    import ryml

    tree = ryml.parse_in_arena(raw)
    first, sibling, key, val = tree.first_child, tree.next_sibling, tree.key, tree.val
    none = ryml.NONE

    def children(node: int):
        child = first(node)
        while child != none:
            yield child
            child = sibling(child)

    def plain(node: int) -> Any:
        if tree.is_map(node):
            return {bytes(key(c)).decode(): plain(c) for c in children(node)}
        if tree.is_seq(node):
            return [plain(c) for c in children(node)]
        text = bytes(val(node)).decode()
        for kind in (int, float, dt.date.fromisoformat):
            try:
                return kind(text)
            except ValueError:
                pass
        return text

    out: dict[str, Any] = {}
    for top in children(tree.root_id()):
        name = bytes(key(top))
        if name in (b"period_start", b"period_end"):
            out[name.decode()] = dt.date.fromisoformat(bytes(val(top)).decode())
        elif name == b"plans":
            out["plans"] = plain(top)
        elif name == b"centers":
            out["root"] = next(bytes(val(tree.find_child(c, b"id"))).decode() for c in children(top)
                               if tree.find_child(c, b"parent") == none)
        elif name == b"scorecards":
            owners, kpis, numbers = [], [], []
            for card in children(top):
                owner = bytes(val(tree.find_child(card, b"owner"))).decode()
                for line in children(tree.find_child(card, b"kpis")):
                    fields = {bytes(key(c)): c for c in children(line)}
                    owners.append(owner)
                    kpis.append(KPI_CODE[bytes(val(fields[b"kpi"])).decode()])
                    numbers.append([float(bytes(val(fields[f.encode()]))) for f in LINE_FIELDS])
            out["lines"] = (owners, np.array(kpis), np.array(numbers))
    return out


def manifest_pyyaml(raw: bytes) -> dict[str, Any]:
    """The same keys through PyYAML (its C loader when libyaml is there)."""
    import yaml

    doc = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    lines = [(card["owner"], line) for card in doc["scorecards"] for line in card["kpis"]]
    return {"period_start": doc["period_start"], "period_end": doc["period_end"], "plans": doc["plans"],
            "root": next(c["id"] for c in doc["centers"] if "parent" not in c),
            "lines": ([o for o, _ in lines], np.array([KPI_CODE[line["kpi"]] for _, line in lines]),
                      np.array([[float(line[f]) for f in LINE_FIELDS] for _, line in lines]))}


def read_manifest(path: Path) -> tuple[dict[str, Any], str]:
    raw = path.read_bytes()
    try:
        import ryml  # noqa: F401
    except ImportError:
        import yaml

        return manifest_pyyaml(raw), "PyYAML CSafeLoader (libyaml)" if hasattr(yaml, "CSafeLoader") else "PyYAML (pure Python)"
    return manifest_ryml(raw), "rapidyaml"


def multipliers(manifest: dict[str, Any], workspace: Path) -> tuple[np.ndarray, dict[str, int], dict[str, int]]:
    """multiplier[plan, centre, rating] for every plan, scorecard owner and rating, in float."""
    actuals = pcsv.read_csv(workspace / "actuals.csv")
    entity = {e: i for i, e in enumerate(actuals.column(0).to_pylist())}
    columns = {name: pc.cast(actuals[name], pa.float64()).to_numpy(zero_copy_only=False)
               for name in actuals.column_names[1:]}
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.stack([formula(columns) for formula in FORMULAS.values()])  # KPI x entity
    owners, kpi, numbers = manifest["lines"]
    centre = {c: i for i, c in enumerate(dict.fromkeys(owners))}
    line_centre = np.array([centre[o] for o in owners])
    value = values[kpi, np.array([entity[o] for o in owners])]
    weight, thr, tgt, mx = numbers.T
    sign = np.where(np.isin(kpi, [KPI_CODE[k] for k in LOWER]), -1.0, 1.0)
    value, thr, tgt, mx = value * sign, thr * sign, tgt * sign, mx * sign
    root = centre[manifest["root"]]
    plans = manifest["plans"]
    ratings = 1 + max(int(r) for plan in plans for r in plan["individual_ratings"])
    mult = np.zeros((len(plans), len(centre), ratings))
    for p, plan in enumerate(plans):
        ct, cg, cm = (float(plan["curve"][k]) for k in ("threshold", "target", "maximum"))
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(value < thr, 0.0, np.where(value >= mx, cm, np.where(
                value <= tgt, ct + (value - thr) / (tgt - thr) * (cg - ct), cg + (value - tgt) / (mx - tgt) * (cm - cg))))
        score = np.bincount(line_centre, weights=weight * factor, minlength=len(centre))
        gates_ok = all(
            (g.get("min") is None or values[KPI_CODE[g["kpi"]], entity[g["owner"]]] >= g["min"])
            and (g.get("max") is None or values[KPI_CODE[g["kpi"]], entity[g["owner"]]] <= g["max"])
            for g in plan.get("gates", []))
        w = plan["components"]
        individual = np.zeros(ratings)
        for r, x in plan["individual_ratings"].items():
            individual[int(r)] = x
        m = w["corporate"] * score[root] + w["unit"] * score[:, None] + w["individual"] * individual[None, :]
        mult[p] = np.minimum(m, plan["cap"]) if gates_ok else 0.0
    return mult, {plan["id"]: p for p, plan in enumerate(plans)}, centre


def codes(column: pa.ChunkedArray, index: dict[str, int]) -> np.ndarray:
    encoded = pc.dictionary_encode(column).combine_chunks()
    lookup = np.array([index[v] for v in encoded.dictionary.to_pylist()])
    return lookup[encoded.indices.to_numpy()]


def main(workspace: Path, out: Path) -> None:
    manifest, parser = read_manifest(workspace / "pmrules.yaml")
    print(f"floor: manifest read with {parser}", file=sys.stderr)
    mult, plan_index, centre_index = multipliers(manifest, workspace)
    start, end = manifest["period_start"], manifest["period_end"]
    days_in_period = (end - start).days + 1
    table = pcsv.read_csv(workspace / "employees.csv", convert_options=pcsv.ConvertOptions(
        include_columns=["employee_id", "center", "plan", "base_salary", "target_bonus_pct", "start_date", "end_date",
                         "individual_rating"],
        column_types={"employee_id": pa.string(), "base_salary": pa.float64(), "target_bonus_pct": pa.float64(),
                      "start_date": pa.date32(), "end_date": pa.date32(), "individual_rating": pa.int64(),
                      "center": pa.string(), "plan": pa.string()}))
    m = mult[codes(table["plan"], plan_index), codes(table["center"], centre_index), table["individual_rating"].to_numpy()]
    s0, e0 = (np.datetime64(d, "D").astype(np.int64) for d in (start, end))
    first = np.maximum(pc.fill_null(table["start_date"], start).to_numpy().astype(np.int64), s0)
    last = np.minimum(pc.fill_null(table["end_date"], end).to_numpy().astype(np.int64), e0)
    days = np.maximum(0, last - first + 1)
    cents = table["base_salary"].to_numpy() * table["target_bonus_pct"].to_numpy() * days * m / days_in_period * 100
    units = np.floor(np.round(cents, 6) + 0.5).astype(np.int64)  # half up; the round absorbs float noise at .5
    text = pc.binary_join_element_wise(pc.cast(pa.array(units // 100), pa.string()),
                                       pc.utf8_lpad(pc.cast(pa.array(units % 100), pa.string()), 2, "0"), ".")
    with open(out, "wb") as handle:
        handle.write(b"employee_id,bonus\n")
        pcsv.write_csv(pa.table({"employee_id": table["employee_id"], "bonus": text}), handle,
                       pcsv.WriteOptions(include_header=False, quoting_style="none"))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
