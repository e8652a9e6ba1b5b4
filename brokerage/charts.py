"""Server-rendered SVG charts. Each chart has a table of the same numbers beside
it on the page; the SVG is a picture of that table (role="img" with a title)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: int
    width: float
    highlighted: bool


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int
    max_value: int


def bar_chart(options, rule: str, width: int = 640, label_width: int = 230, bar_height: int = 22) -> BarChart:
    """Votes per option, longest first; the options the rule funds are highlighted."""
    plot_width = width - label_width - 110  # room for the count and "funded"
    max_value = max((option.votes for option in options), default=0) or 1
    bars = []
    for index, option in enumerate(options):
        title = f"{option.position}. {option.title}"
        bars.append(
            Bar(
                label=title if len(title) <= 34 else title[:33] + "…",
                value=option.votes,
                y=index * (bar_height + 8),
                width=round(plot_width * option.votes / max_value, 1),
                highlighted=option.selected_under(rule),
            )
        )
    height = max(len(bars), 1) * (bar_height + 8) + 4
    return BarChart(bars, width, height, label_width, bar_height, max_value)


@dataclass(frozen=True)
class Pair:
    label: str
    y: int
    committed: int
    delivered: int
    committed_width: float
    delivered_width: float
    committed_text: str
    delivered_text: str


@dataclass(frozen=True)
class PairChart:
    pairs: list[Pair]
    width: int
    height: int
    label_width: int
    bar_height: int


def paired_chart(rows, money, width: int = 640, label_width: int = 230, bar_height: int = 14) -> PairChart:
    """Committed (grey) above delivered (blue) for each row, on one scale.
    `rows` have .label, .committed_pence and .delivered_pence; `money` formats pence."""
    plot_width = width - label_width - 120
    top = max((max(row.committed_pence, row.delivered_pence) for row in rows), default=0) or 1
    pairs = []
    step = bar_height * 2 + 14
    for index, row in enumerate(rows):
        label = row.label if len(row.label) <= 30 else row.label[:29] + "…"
        pairs.append(
            Pair(
                label=label,
                y=index * step,
                committed=row.committed_pence,
                delivered=row.delivered_pence,
                committed_width=round(plot_width * row.committed_pence / top, 1),
                delivered_width=round(plot_width * row.delivered_pence / top, 1),
                committed_text=money(row.committed_pence),
                delivered_text=money(row.delivered_pence),
            )
        )
    return PairChart(pairs, width, max(len(pairs), 1) * step + 4, label_width, bar_height)


def shade_by_share(value: int, top: int) -> str:
    """A map shade from 0 (nothing) to 4 (the most), in quarters of the largest value."""
    if value <= 0 or top <= 0:
        return "app-map__ward--0"
    return f"app-map__ward--{min(4, 1 + (4 * value - 1) // top)}"
