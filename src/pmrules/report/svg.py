"""Small hand-written SVG charts, so the report needs no script library and no network.

Every coordinate is formatted with a fixed number of decimals: the same data gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape


def _f(x: float) -> str:
    return f"{x:.1f}"


def money(value: Decimal | float, quantum: Decimal = Decimal("0.01")) -> str:
    """Money at the rounding quantum's places: "0.01" shows cents, "1" or "100" whole units."""
    places = Decimal(1).scaleb(min(quantum.as_tuple().exponent, 0))  # type: ignore[arg-type]
    return f"{Decimal(str(value)).quantize(places):,}"


def _svg(width: int, height: int, label: str, body: list[str]) -> str:
    return (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}">'
            f"<title>{escape(label)}</title>{''.join(body)}</svg>")


def histogram(values: Sequence[Decimal], label: str, *, bins: int = 12, width: int = 320, height: int = 150) -> str:
    """Counts of values in equal-width bins between the smallest and largest value."""
    left, right, top, bottom = 34, 8, 8, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    body = [f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}"/>']
    if not values:
        body.append(f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" text-anchor="middle">no payouts</text>')
        return _svg(width, height, label, body)
    low, high = float(min(values)), float(max(values))
    n = bins if high > low else 1
    span = (high - low) / n if high > low else 1.0
    counts = [0] * n
    for v in values:
        counts[min(n - 1, int((float(v) - low) / span)) if high > low else 0] += 1
    peak = max(counts)
    bar_w = plot_w / n
    for i, count in enumerate(counts):
        h = plot_h * count / peak
        lo, hi = low + i * span, low + (i + 1) * span
        tip = f"{count} employee(s): {money(lo)} to {money(hi)}" if high > low else f"{count} employee(s): {money(lo)}"
        body.append(f'<rect class="bar" x="{_f(left + i * bar_w + 1)}" y="{_f(top + plot_h - h)}" '
                    f'width="{_f(max(bar_w - 2, 1))}" height="{_f(h)}"><title>{escape(tip)}</title></rect>')
    body.append(f'<text x="{left - 4}" y="{top + 10}" text-anchor="end">{peak}</text>')
    body.append(f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>')
    body.append(f'<text x="{left}" y="{height - 14}">{escape(money(low))}</text>')
    body.append(f'<text x="{left + plot_w}" y="{height - 14}" text-anchor="end">{escape(money(high))}</text>')
    body.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 2}" text-anchor="middle">bonus</text>')
    return _svg(width, height, label, body)


def payout_curve(threshold: float, target: float, maximum: float, cap: float | None, label: str,
                 *, width: int = 320, height: int = 170) -> str:
    """A line's payout factor against its value, in breakpoint units: 0, then a step at threshold, two slopes,
    flat above maximum; the cap (on the multiplier) is drawn dashed."""
    left, right, top, bottom = 34, 10, 10, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    y_max = max(maximum, cap or 0.0, target, threshold) * 1.15 or 1.0

    def x(u: float) -> float:
        return left + plot_w * u / 4

    def y(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    points = [(0, 0.0), (1, 0.0), (1, threshold), (2, target), (3, maximum), (4, maximum)]
    path = " ".join(f"{'M' if i == 0 else 'L'}{_f(x(u))},{_f(y(v))}" for i, (u, v) in enumerate(points))
    body = [f'<line class="axis" x1="{left}" y1="{_f(y(0))}" x2="{left + plot_w}" y2="{_f(y(0))}"/>',
            f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{_f(y(0))}"/>',
            f'<path class="curve" d="{path}"/>']
    for u, v, name in ((1, threshold, "threshold"), (2, target, "target"), (3, maximum, "maximum")):
        body.append(f'<circle class="dot" cx="{_f(x(u))}" cy="{_f(y(v))}" r="3"><title>{name}: factor {v:g}'
                    f"</title></circle>")
        body.append(f'<text x="{_f(x(u))}" y="{_f(y(0) + 14)}" text-anchor="middle">{name}</text>')
        body.append(f'<text x="{left - 4}" y="{_f(y(v) + 4)}" text-anchor="end">{v:g}</text>')
    if cap is not None:
        body.append(f'<line class="cap" x1="{left}" y1="{_f(y(cap))}" x2="{left + plot_w}" y2="{_f(y(cap))}"/>')
        body.append(f'<text x="{left + plot_w}" y="{_f(y(cap) - 3)}" text-anchor="end">cap {cap:g} (multiplier)</text>')
    body.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle">KPI value (line breakpoints)'
                "</text>")
    return _svg(width, height, label, body)


def total_vs_pool(total: Decimal, pool: Decimal, currency: str, *, width: int = 520, height: int = 74) -> str:
    """Two bars on one scale: what the plans pay before the pool, and the pool they are scaled to."""
    left, right = 130, 120
    scale = (width - left - right) / float(max(total, pool) or 1)
    body = []
    for i, (name, amount) in enumerate((("bonuses before pool", total), ("pool", pool))):
        y = 10 + i * 30
        w = float(amount) * scale
        body.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{name}</text>')
        body.append(f'<rect class="{"bar" if i == 0 else "pool"}" x="{left}" y="{y}" width="{_f(w)}" height="20"/>')
        body.append(f'<text x="{_f(left + w + 6)}" y="{y + 14}">{escape(currency)} {escape(money(amount))}</text>')
    return _svg(width, height, "total against the pool", body)


def sparkline(points: Sequence[tuple[float | None, float | None]], label: str, *, step: int = 14,
              height: int = 22) -> str:
    """A line's trend in the cascade: a dot per period's own value, a line through the year-to-date values.

    Drawn with presentation attributes only (no stylesheet change); a period without a value leaves a gap.
    """
    pad = 4
    width = pad * 2 + step * max(len(points) - 1, 1)
    known = [v for pair in points for v in pair if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 0.0)

    def y(v: float) -> str:
        return _f(height / 2 if high == low else pad + (height - 2 * pad) * (1 - (v - low) / (high - low)))

    body: list[str] = []
    run: list[str] = []
    for i, (_, ytd) in enumerate([*points, (None, None)]):
        if ytd is not None:
            run.append(f"{_f(pad + i * step)},{y(ytd)}")
            continue
        if len(run) > 1:
            body.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="#555" stroke-width="1.5"/>')
        elif run:
            body.append(f'<circle cx="{run[0].split(",")[0]}" cy="{run[0].split(",")[1]}" r="1.5" fill="#555"/>')
        run = []
    for i, (own, _) in enumerate(points):
        if own is not None:
            body.append(f'<circle cx="{_f(pad + i * step)}" cy="{y(own)}" r="2.5" fill="#2b6cb0"/>')
    return (f'<svg class="spark" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label="{escape(label)}" style="vertical-align:middle">'
            f"<title>{escape(label)}</title>{''.join(body)}</svg>")
