"""The waves timeline: one row per wave on a time axis, showing how its date moved.

Server-rendered SVG, no script. A wave's current go-live is a solid marker
with its date; every earlier date it had is a faded, struck-through marker,
and arrows lead from each date to the next, so a wave moved twice shows the
road from its first date to the one it has now. The dates are also in the
table beside the chart, so nothing is only in the picture.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape

from onboarding.domain.calendar import OSLO
from onboarding.web.i18n import Translator

# The width of one character of an earlier date's label (11 px font), for spacing.
OLD_LABEL_CHAR_PX = 6.2


@dataclass(frozen=True)
class WaveDates:
    """A wave and every go-live it had, oldest first; the last is its current one."""

    id: str
    name: str
    status: str
    dates: list[datetime]


def _day(moment: datetime) -> date:
    return moment.astimezone(OSLO).date()


def waves_timeline_svg(t: Translator, waves: list[WaveDates], *, today: date) -> str:
    """The timeline of `waves` (in the order given), with a line for today."""
    label_w, right, top, row_h, axis_h = 220, 150, 12, 46, 30
    width = 1100
    plot_w = width - label_w - right
    # Room under the last row for its struck-through earlier dates.
    height = top + row_h * max(len(waves), 1) + 10 + axis_h
    days = [_day(d) for w in waves for d in w.dates] + [today]
    # A month and a half of room before the first date, for its label.
    first = (min(days) - timedelta(days=45)).replace(day=1)
    last_day = max(days)
    last = date(last_day.year + (last_day.month // 12), last_day.month % 12 + 1, 1)
    span = max((last - first).days, 1)

    def x_of(day: date) -> float:
        return label_w + plot_w * (day - first).days / span

    parts: list[str] = [
        '<defs><marker id="wave-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" class="wave-arrow-head"/></marker></defs>'
    ]
    bottom = top + row_h * max(len(waves), 1) + 10
    # Gridlines: every year, and every quarter when the span is short.
    step_months = 3 if span <= 3 * 366 else 12
    month = first
    while month <= last:
        if (month.month - 1) % step_months == 0:
            x = x_of(month)
            label = str(month.year) if month.month == 1 else f"{month.month:02d}.{month.year}"
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}" class="grid"/>'
                f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle" class="axis">'
                f"{label}</text>"
            )
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    x_today = x_of(today)
    parts.append(
        f'<line x1="{x_today:.1f}" x2="{x_today:.1f}" y1="{top - 6}" y2="{bottom}" '
        f'class="today-line"/><text x="{x_today + 4:.1f}" y="{top + 2}" class="axis today-label">'
        f"{escape(t('waves.chart_today'))}</text>"
    )
    descriptions = []
    for i, wave in enumerate(waves):
        y = top + row_h * i + row_h / 2
        parts.append(
            f'<g class="wave-row status-{escape(wave.status)}" data-wave="{escape(wave.id)}">'
            f'<text x="{label_w - 12}" y="{y:.1f}" text-anchor="end" dominant-baseline="middle" '
            f'class="chart-label">{escape(_short(wave.name))}</text>'
        )
        xs = [x_of(_day(d)) for d in wave.dates]
        for x1, x2 in zip(xs, xs[1:], strict=False):
            if abs(x2 - x1) > 8:
                shift = 6 if x2 > x1 else -6
                parts.append(
                    f'<line x1="{x1 + shift:.1f}" x2="{x2 - shift:.1f}" y1="{y:.1f}" '
                    f'y2="{y:.1f}" class="wave-move" marker-end="url(#wave-arrow)"/>'
                )
        # Earlier dates' labels under their markers; one that would run into the
        # label before it drops a line, so dates close together stay legible.
        right_of_last = {0: -1e9, 1: -1e9}
        for moment, x in zip(wave.dates[:-1], xs[:-1], strict=True):
            text = t.short_date(_day(moment))
            half = len(text) * OLD_LABEL_CHAR_PX / 2
            line = 0 if x - half > right_of_last[0] + 4 else 1
            right_of_last[line] = x + half
            parts.append(
                f'<g class="wave-old" data-date="{_day(moment).isoformat()}">'
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5"/>'
                f'<line x1="{x - 7:.1f}" x2="{x + 7:.1f}" y1="{y + 7:.1f}" y2="{y - 7:.1f}"/>'
                f'<text x="{x:.1f}" y="{y + 18 + 12 * line:.1f}" text-anchor="middle" '
                f'class="wave-old-label">{escape(text)}</text></g>'
            )
        current = wave.dates[-1]
        parts.append(
            f'<g class="wave-current" data-date="{_day(current).isoformat()}">'
            f'<circle cx="{xs[-1]:.1f}" cy="{y:.1f}" r="7"/>'
            f'<text x="{xs[-1] + 12:.1f}" y="{y:.1f}" dominant-baseline="middle" '
            f'class="chart-value">{escape(t.short_date(_day(current)))}</text></g></g>'
        )
        earlier = ", ".join(t.date(_day(d)) for d in wave.dates[:-1])
        descriptions.append(
            f"{wave.name}: {t.date(_day(current))}"
            + (f" ({t('waves.chart_earlier', dates=earlier)})" if earlier else "")
        )
    if not waves:
        parts.append(
            f'<text x="{label_w + plot_w / 2}" y="{top + row_h / 2}" text-anchor="middle" '
            f'class="axis">{escape(t("waves.none"))}</text>'
        )
    parts.append(
        f'<line x1="{label_w}" x2="{label_w + plot_w}" y1="{bottom}" y2="{bottom}" '
        f'class="axis-line"/>'
    )
    return (
        f'<svg class="chart wave-timeline" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="waves-chart-title waves-chart-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="waves-chart-title">{escape(t("waves.chart_title"))}</title>'
        f'<desc id="waves-chart-desc">{escape("; ".join(descriptions))}</desc>'
        + "".join(parts)
        + "</svg>"
    )


def _short(name: str, limit: int = 28) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
