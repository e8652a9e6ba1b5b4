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
    label_lines: list[str]
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
    top = max((max(row.committed_pence, row.delivered_pence) for row in rows), default=0) or 1
    # Room after the longest bar for its words ("£1,800 committed"), at 12px, so they are
    # never cut off at the chart's edge: no character is wider than 0.62em in Arial.
    longest_words = max((len(f"{money(pence)} committed") for row in rows
                         for pence in (row.committed_pence, row.delivered_pence)), default=0)
    plot_width = width - label_width - max(120, round(6 + longest_words * 12 * 0.62) + 4)
    pairs = []
    labels = [wrapped(row.label, 30, 4) for row in rows]
    # A label of several lines (15px apart) gets the room it needs beside its two bars.
    step = max(bar_height * 2 + 14, max((len(lines) for lines in labels), default=1) * 15 + 10)
    for index, row in enumerate(rows):
        pairs.append(
            Pair(
                label=row.label,
                label_lines=labels[index],
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


def wrapped(text: str, width: int, lines: int) -> list[str]:
    """The text in at most `lines` lines of about `width` characters, broken between words;
    only a text longer than all of them loses its end (to "…")."""
    import textwrap

    found = textwrap.wrap(text, width)
    if len(found) <= lines:
        return found
    kept = found[:lines]
    kept[-1] = textwrap.shorten(" ".join(found[lines - 1:]), width, placeholder="…")
    return kept


def shade_by_share(value: int, top: int) -> str:
    """A map shade from 0 (nothing) to 4 (the most), in quarters of the largest value."""
    if value <= 0 or top <= 0:
        return "app-map__ward--0"
    return f"app-map__ward--{min(4, 1 + (4 * value - 1) // top)}"
