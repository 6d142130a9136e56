"""The process diagram as server-side SVG, laid out from the process definition.

The main road of the definition drawn (its `main_road`) runs top to bottom in one
column. Every other stage sits in the next column, level with the mean of the
main-road stages it is connected to (a row below or above if another stage is
there already). A trigger that leads into one stage from four or more stages
(`withdraw`) is not drawn as a fan of arrows: its stage says "from N stages"
instead. Main-road arrows and those leaving the current
stage carry their trigger's name; the others name it in a tooltip. The text
description (`<desc>`) lists every transition, for screen readers.
"""

import functools
from collections import defaultdict
from dataclasses import dataclass
from html import escape

from onboarding.domain.process.machine import transitions_by_trigger
from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.web.i18n import Translator

NODE_W = 190
NODE_H = 46
ROW_H = 100
COL_W = 330
MARGIN_X = 190
MARGIN_Y = 24
FAN_IN = 4


@dataclass(frozen=True)
class Edge:
    """One drawn arrow: a source, a destination and the triggers that take it."""

    source: Stage
    dest: Stage
    triggers: tuple[Trigger, ...]


@dataclass(frozen=True)
class Layout:
    """Where each stage sits (column, row), which arrows are drawn, and fan-in captions."""

    position: dict[Stage, tuple[float, float]]
    edges: list[Edge]
    fan_in: dict[Stage, tuple[Trigger, int]]
    main_road: tuple[Stage, ...]


@functools.cache
def layout(definition: ProcessDefinition) -> Layout:
    """Positions and arrows of one version of the process, from its transitions."""
    main_road = definition.main_road
    pairs: dict[tuple[Stage, Stage], list[Trigger]] = defaultdict(list)
    fan_in: dict[Stage, tuple[Trigger, int]] = {}
    for trigger, edges in transitions_by_trigger(definition).items():
        by_dest: dict[Stage, list[Stage]] = defaultdict(list)
        for source, dest in edges:
            by_dest[dest].append(source)
        for dest, sources in by_dest.items():
            if len(sources) >= FAN_IN:
                fan_in[dest] = (trigger, len(sources))
                continue
            for source in sources:
                pairs[(source, dest)].append(trigger)
    position: dict[Stage, tuple[float, float]] = {
        stage: (0.0, float(row)) for row, stage in enumerate(main_road)
    }
    for stage in definition.stages:
        if stage in position:
            continue
        rows = sorted(
            {
                position[other][1]
                for (source, dest) in pairs
                for other in (source, dest)
                if stage in (source, dest) and other in main_road and other != stage
            }
        )
        row = sum(rows) / len(rows) if rows else float(len(main_road) - 1)
        position[stage] = _free_cell(position, row)
    drawn = [Edge(s, d, tuple(triggers)) for (s, d), triggers in pairs.items()]
    return Layout(position, drawn, fan_in, main_road)


def _taken(position: dict[Stage, tuple[float, float]], column: float, row: float) -> bool:
    return any(abs(c - column) < 0.5 and abs(r - row) < 0.9 for c, r in position.values())


def _free_cell(position: dict[Stage, tuple[float, float]], row: float) -> tuple[float, float]:
    """The side column at `row`; if taken, a row below or above it; else a column further out.

    A row first: a stage pushed a column further, level with the one beside it,
    would have its arrow to the main road drawn straight through that stage (a
    GP office's declined, beside decision_postponed).
    """
    for shift in (0.0, 1.0, -1.0):
        if row + shift >= 0 and not _taken(position, 1.0, row + shift):
            return 1.0, row + shift
    column = 2.0
    while _taken(position, column, row):
        column += 1.0
    return column, row


def _centre(cell: tuple[float, float]) -> tuple[float, float]:
    column, row = cell
    return MARGIN_X + column * COL_W + NODE_W / 2, MARGIN_Y + row * ROW_H + NODE_H / 2


def _border(cx: float, cy: float, dx: float, dy: float) -> tuple[float, float]:
    """Where a line from the centre of a node in direction (dx, dy) leaves its box."""
    scale = min(
        (NODE_W / 2) / abs(dx) if dx else float("inf"),
        (NODE_H / 2) / abs(dy) if dy else float("inf"),
    )
    return cx + dx * scale, cy + dy * scale


def _wrap(text: str, width: int = 22) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _text(x: float, y: float, lines: list[str], cls: str, anchor: str = "middle") -> str:
    first = y - (len(lines) - 1) * 7
    spans = "".join(
        f'<tspan x="{x:.0f}" y="{first + i * 14:.0f}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text class="{cls}" text-anchor="{anchor}" dominant-baseline="middle">{spans}</text>'


def render_svg(
    t: Translator,
    definition: ProcessDefinition,
    current: Stage | None = None,
    next_steps: set[Stage] | None = None,
) -> str:
    """The diagram as an inline SVG element, `current` highlighted.

    `next_steps` are the stages the municipality may move to now (its allowed
    triggers' destinations); their arrows are highlighted. Without it, every
    arrow leaving `current` is.
    """
    plan = layout(definition)
    columns = max(c for c, _ in plan.position.values()) + 1
    rows = max(r for _, r in plan.position.values()) + 1
    width = MARGIN_X + columns * COL_W - (COL_W - NODE_W) + 40
    height = MARGIN_Y * 2 + (rows - 1) * ROW_H + NODE_H + 10
    parts: list[str] = []
    pair_set = {(e.source, e.dest) for e in plan.edges}
    for edge in plan.edges:
        leaving = edge.source is current and (next_steps is None or edge.dest in next_steps)
        parts.append(_edge(edge, plan, t, leaving, (edge.dest, edge.source) in pair_set))
    for stage, cell in plan.position.items():
        fan = plan.fan_in.get(stage)
        lit = fan is not None and next_steps is not None and stage in next_steps
        parts.append(_node(stage, cell, t, current, fan, lit, stage in plan.main_road))
    description = "; ".join(
        f"{t.trigger(trigger)}: {t.stage(s)} → {t.stage(d)}"
        for trigger, pairs in transitions_by_trigger(definition).items()
        for s, d in pairs
    )
    title = t("diagram.title") + (
        f" ({t('diagram.current')}: {t.stage(current)})" if current else ""
    )
    return (
        f'<svg class="diagram" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-labelledby="diagram-title diagram-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="diagram-title">{escape(title)}</title>'
        f'<desc id="diagram-desc">{escape(description)}</desc>'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#4a5568"/></marker>'
        '<marker id="arrow-now" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#1d4ed8"/></marker></defs>' + "".join(parts) + "</svg>"
    )


def _node(
    stage: Stage,
    cell: tuple[float, float],
    t: Translator,
    current: Stage | None,
    fan: tuple[Trigger, int] | None,
    lit: bool = False,
    main: bool = False,
) -> str:
    cx, cy = _centre(cell)
    cls = "node current" if stage is current else ("node main" if main else "node side")
    label = _text(cx, cy, _wrap(t.stage(stage)), "node-label")
    caption = ""
    if fan is not None:
        trigger, count = fan
        caption = _text(
            cx,
            cy + NODE_H / 2 + 14,
            [t("diagram.fan_in", trigger=t.trigger(trigger), count=count)],
            "fan-label now" if lit else "fan-label",
        )
    current_attr = ' aria-current="step"' if stage is current else ""
    return (
        f'<g class="{cls}" data-stage="{stage.value}"{current_attr}>'
        f'<rect x="{cx - NODE_W / 2:.0f}" y="{cy - NODE_H / 2:.0f}" width="{NODE_W}" '
        f'height="{NODE_H}" rx="10"/>{label}{caption}</g>'
    )


def _edge(edge: Edge, plan: Layout, t: Translator, leaving: bool, paired: bool) -> str:
    (x1, y1), (x2, y2) = _centre(plan.position[edge.source]), _centre(plan.position[edge.dest])
    names = ", ".join(t.trigger(trigger) for trigger in edge.triggers)
    cls = "edge now" if leaving else "edge"
    marker = "arrow-now" if leaving else "arrow"
    both_main = edge.source in plan.main_road and edge.dest in plan.main_road
    tip = f"<title>{escape(names)}</title>"
    if both_main and abs(y2 - y1) > ROW_H * 1.5:
        # Skips a stage on the main road: an arc to the left of the column.
        sx, sy = x1 - NODE_W / 2, y1
        ex, ey = x2 - NODE_W / 2, y2
        bend = sx - 70
        path = f"M{sx:.0f},{sy:.0f} C{bend:.0f},{sy:.0f} {bend:.0f},{ey:.0f} {ex:.0f},{ey:.0f}"
        label = _text(bend - 6, (sy + ey) / 2, _wrap(names, 16), "edge-label", "end")
        return f'<g class="{cls}">{tip}<path d="{path}" marker-end="url(#{marker})"/>{label}</g>'
    dx, dy = x2 - x1, y2 - y1
    length = (dx * dx + dy * dy) ** 0.5
    # Two arrows between the same pair of stages run side by side, not on top of each other.
    off = 7.0 if paired else 0.0
    ox, oy = -dy / length * off, dx / length * off
    sx, sy = _border(x1, y1, dx, dy)
    ex, ey = _border(x2, y2, -dx, -dy)
    sx, sy, ex, ey = sx + ox, sy + oy, ex + ox, ey + oy
    line = (
        f'<line x1="{sx:.0f}" y1="{sy:.0f}" x2="{ex:.0f}" y2="{ey:.0f}" '
        f'marker-end="url(#{marker})"/>'
    )
    label = ""
    if both_main:
        # Narrow, so the label stays in the column, clear of the arrows to the side stages.
        label = _text(x1 + 8, (sy + ey) / 2, _wrap(names, 14), "edge-label", "start")
    elif leaving:
        mx, my = (sx + ex) / 2 + ox * 2, (sy + ey) / 2 + oy * 2
        label = _text(mx, my, _wrap(names, 18), "edge-label")
    return f'<g class="{cls}">{tip}{line}{label}</g>'
