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
