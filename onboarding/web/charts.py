"""Server-rendered SVG charts of the dashboard: the milestone funnel and milestones over time.

Colours are fixed per milestone and pass contrast against white; each chart
has a title and a text description, and the numbers are also in a table on the
page, so nothing is only in the picture.
"""

from datetime import date
from html import escape

from onboarding.domain.vocabulary import MILESTONES, Stage
from onboarding.web.i18n import Translator
from onboarding.web.milestones import MilestoneSeries

COLOURS: dict[Stage, str] = {
    Stage.COLLABORATION_SIGNED: "#475569",
    Stage.OPTION_EXERCISED: "#7c3aed",
    Stage.PREPARING: "#b45309",
    Stage.SERVICE_AGREEMENT_SIGNED: "#0369a1",
    Stage.READY: "#be185d",
    Stage.LIVE: "#15803d",
    # The standard agreement's road (GP offices, specialists).
    Stage.AGREEMENT_OFFERED: "#475569",
    Stage.AGREEMENT_SIGNED: "#0369a1",
}


def funnel_svg(
    t: Translator,
    reached: dict[str, int],
    total: int,
    milestones: tuple[Stage, ...] = MILESTONES,
) -> str:
    """Horizontal bars: how many parties reached each of `milestones`, out of `total`."""
    # Wide enough for the longest label ("Collaboration agreement signed") at 13 px.
    label_w, bar_w, row_h = 230, 230, 30
    height = row_h * len(milestones) + 10
    rows = []
    for i, milestone in enumerate(milestones):
        count = reached.get(milestone.value, 0)
        y = 5 + i * row_h
        width = bar_w * count / total if total else 0
        rows.append(
            f'<text x="{label_w - 10}" y="{y + 15}" text-anchor="end" '
            f'dominant-baseline="middle" class="chart-label">{escape(t.stage(milestone))}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="22" rx="3" fill="#eef2f6"/>'
            f'<rect x="{label_w}" y="{y + 4}" width="{width:.1f}" height="22" rx="3" '
            f'fill="{COLOURS[milestone]}"/>'
            f'<text x="{label_w + bar_w + 8}" y="{y + 15}" dominant-baseline="middle" '
            f'class="chart-value">{count} / {total}</text>'
        )
    desc = "; ".join(f"{t.stage(m)}: {reached.get(m.value, 0)}" for m in milestones)
    return (
        f'<svg class="chart" viewBox="0 0 {label_w + bar_w + 80} {height}" role="img" '
        f'aria-labelledby="funnel-title funnel-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="funnel-title">{escape(t("dashboard.funnel"))}</title>'
        f'<desc id="funnel-desc">{escape(desc)}</desc>' + "".join(rows) + "</svg>"
    )


def timeline_svg(t: Translator, series: MilestoneSeries, *, marked: date | None = None) -> str:
    """Milestones reached over time: one step line per milestone, month by month.

    `marked` (the dashboard's chosen date) is drawn as a line with its date.
    """
    width, height = 1100, 300
    left, right, top, bottom = 44, 290, 16, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    points = series.points
    ceiling = max(series.total, 1)
    parts: list[str] = []
    for value in sorted({round(ceiling * fraction) for fraction in (0, 0.25, 0.5, 0.75, 1)}):
        y = top + plot_h - plot_h * value / ceiling
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y:.1f}" text-anchor="end" dominant-baseline="middle" '
            f'class="axis">{value}</text>'
        )
    if points:
        first, last = points[0].day, points[-1].day
        span = max((last - first).days, 1)

        def x_of(day: date) -> float:
            return left + plot_w * (day - first).days / span

        for year in range(first.year + 1, last.year + 1):
            x = x_of(date(year, 1, 1))
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" class="grid"/>'
                f'<text x="{x:.1f}" y="{top + plot_h + 18}" text-anchor="middle" '
                f'class="axis">{year}</text>'
            )
        if marked is not None and first <= marked <= last:
            x = x_of(marked)
            parts.append(
                f'<g class="as-of-mark" data-date="{marked.isoformat()}">'
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" '
                f'class="as-of-line"/><text x="{x + 4:.1f}" y="{top + 2}" '
                f'dominant-baseline="hanging" class="axis as-of-label">'
                f"{escape(t.short_date(marked))}</text></g>"
            )
        for i, milestone in enumerate(series.milestones):
            coords = []
            previous_y: float | None = None
            for point in points:
                x = x_of(point.day)
                y = top + plot_h - plot_h * point.reached[milestone] / ceiling
                if previous_y is not None:
                    coords.append(f"{x:.1f},{previous_y:.1f}")
                coords.append(f"{x:.1f},{y:.1f}")
                previous_y = y
            colour = COLOURS[milestone]
            parts.append(
                f'<polyline points="{" ".join(coords)}" fill="none" stroke="{colour}" '
                f'stroke-width="2.5"/>'
            )
            ly = top + 10 + i * 22
            parts.append(
                f'<rect x="{left + plot_w + 16}" y="{ly - 6}" width="14" height="12" '
                f'fill="{colour}"/><text x="{left + plot_w + 36}" y="{ly}" '
                f'dominant-baseline="middle" class="chart-label">'
                f"{escape(t.stage(milestone))} ({points[-1].reached[milestone]})</text>"
            )
    else:
        parts.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" '
            f'class="axis">{escape(t("dashboard.no_history"))}</text>'
        )
    parts.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'class="axis-line"/>'
    )
    desc = (
        "; ".join(f"{t.stage(m)}: {points[-1].reached[m]}" for m in series.milestones)
        if points
        else ""
    )
    if marked is not None and points:
        desc += f" ({t('dashboard.chart_marked', day=t.date(marked))})"
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="timeline-title timeline-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="timeline-title">{escape(t("dashboard.timeline"))}</title>'
        f'<desc id="timeline-desc">{escape(desc)}</desc>' + "".join(parts) + "</svg>"
    )
