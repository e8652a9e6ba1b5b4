"""Match scoring and allocation, as pure rules: plain dataclasses in, a score and
its reasons in words out. No Flask, no session, so the tests, the worker and
the benchmark all call the same code.

A match is a (commitment, need) pair. Only a need of the kind the commitment's
measure is met by can match (cash with cash, volunteer hours with volunteering).
The score, 0 to 100, adds weighted factors, each between 0 and 1:

- theme: the need is under the commitment's priority theme;
- ward: the need is in one of the commitment's preferred wards (a commitment with
  none may be met anywhere in the contract's area, the borough: half marks, as
  for a borough-wide need);
- priority: the need won, or ranked high, in its ward's priority vote;
- deprivation: the need's ward is deprived (IMD 2019 rank of its neighbourhoods);
- need urgency: the need's deadline is near;
- commitment urgency: the commitment is due soon (or overdue);
- fit: what is left of the commitment can complete the need outright (the more of
  the commitment it uses, the better: consolidate rather than scatter); a need the
  commitment would only dent scores less, by how much of it would be met.

`best_needs` finds a commitment's best needs without scoring every need: needs
are blocked by (kind, theme, ward), and within a block read in two sorted orders
(the need's own score, and how well its size fits) until nothing unread can beat
what was found (Fagin's threshold algorithm). The result is the same as scoring
every need of that kind, which the tests check.
"""

from __future__ import annotations

import heapq
import math
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

WEIGHTS = {
    "theme": 20.0,
    "ward": 15.0,
    "priority": 15.0,
    "deprivation": 10.0,
    "need_urgency": 10.0,
    "commitment_urgency": 10.0,
    "fit": 20.0,
}
LSOAS_IN_ENGLAND = 32_844  # IMD 2019 ranks run from 1 (most deprived) to this
URGENT_DAYS = 14  # a deadline this close is as urgent as it gets
RELAXED_DAYS = 180  # a deadline this far away adds nothing
COMMITMENT_URGENT_DAYS = 30
COMMITMENT_RELAXED_DAYS = 365
MATCHES_PER_COMMITMENT = 10


@dataclass(frozen=True, slots=True)
class Priority:
    """How a need fared in its ward's latest published priority vote."""

    rank: int
    of: int
    won: bool
    area_name: str


@dataclass(frozen=True, slots=True)
class CommitmentFacts:
    id: int
    name: str  # the measure's name, as the supplier knows the commitment
    kind: str  # the need kind the measure is met by
    theme_id: int
    unit: str
    remaining: int  # in the measure's unit
    due_date: date
    ward_ids: frozenset[int] = frozenset()  # preferred wards; none: the contract's whole area


@dataclass(frozen=True, slots=True)
class NeedFacts:
    id: int
    kind: str
    theme_id: int
    unit: str
    remaining: int  # still to be pledged, in the need's unit
    deadline: date
    ward_id: int | None = None  # None: borough-wide
    ward_name: str | None = None
    theme_name: str = ""
    priority: Priority | None = None
    imd_rank: float | None = None  # the ward's mean IMD 2019 rank (1 = most deprived)


@dataclass(frozen=True, slots=True)
class ScoredMatch:
    commitment_id: int
    need_id: int
    score: float
    reasons: tuple[str, ...]
    factors: dict[str, float] = field(default_factory=dict, compare=False)


# Units --------------------------------------------------------------------------------


def unit_key(unit: str) -> str:
    """A unit reduced to what it counts, so "volunteer hours" and "hours" compare equal."""
    text = unit.strip().lower()
    if text.startswith("£") or text in ("pounds", "gbp", "pound"):
        return "£"
    for word, key in (("hour", "hours"), ("hrs", "hours"), ("week", "weeks"), ("day", "days")):
        if word in text:
            return key
    text = re.sub(r"\s+", " ", text)
    return text[:-1] if text.endswith("s") and len(text) > 1 else text


def same_unit(a: str, b: str) -> bool:
    return unit_key(a) == unit_key(b)


def amount_text(quantity: int, unit: str) -> str:
    if unit_key(unit) == "£":
        return f"£{quantity:,}"
    return f"{quantity:,} {unit.strip()}"


# The factors -------------------------------------------------------------------------


def theme_factor(commitment: CommitmentFacts, need_theme_id: int) -> float:
    return 1.0 if need_theme_id == commitment.theme_id else 0.0


def ward_factor(commitment: CommitmentFacts, need_ward_id: int | None) -> float:
    if not commitment.ward_ids or need_ward_id is None:
        return 0.5
    return 1.0 if need_ward_id in commitment.ward_ids else 0.0


def priority_factor(priority: Priority | None) -> float:
    if priority is None or priority.of < 1:
        return 0.0
    if priority.won:
        return 1.0
    rank = min(max(priority.rank, 1), priority.of)
    return 0.8 * (priority.of - rank + 1) / priority.of


def deprivation_factor(imd_rank: float | None) -> float:
    if imd_rank is None:
        return 0.5  # unknown: neither up nor down
    return min(max(1.0 - (imd_rank - 1) / (LSOAS_IN_ENGLAND - 1), 0.0), 1.0)


def need_urgency_factor(deadline: date, today: date) -> float:
    days = (deadline - today).days
    if days <= URGENT_DAYS:
        return 1.0
    return max(0.0, (RELAXED_DAYS - days) / (RELAXED_DAYS - URGENT_DAYS))


def commitment_urgency_factor(due_date: date, today: date) -> float:
    days = (due_date - today).days
    if days <= COMMITMENT_URGENT_DAYS:
        return 1.0
    return max(0.0, (COMMITMENT_RELAXED_DAYS - days) / (COMMITMENT_RELAXED_DAYS - COMMITMENT_URGENT_DAYS))


def fit_factor(need_amount: int | None, remaining: int) -> float:
    """Completing a need outright scores 0.6 to 1 (more of the commitment used is
    better); denting one scores up to 0.5, by the share of the need it would meet."""
    if need_amount is None or need_amount <= 0 or remaining <= 0:
        return 0.0
    if need_amount <= remaining:
        return 0.6 + 0.4 * need_amount / remaining
    return 0.5 * remaining / need_amount


def need_amount(commitment: CommitmentFacts, need: NeedFacts) -> int | None:
    """What the need still asks for, in the commitment's unit (None: not comparable)."""
    return need.remaining if same_unit(commitment.unit, need.unit) else None


def need_own_score(need: NeedFacts, today: date) -> float:
    """The part of the score that depends on the need alone."""
    return (
        WEIGHTS["priority"] * priority_factor(need.priority)
        + WEIGHTS["deprivation"] * deprivation_factor(need.imd_rank)
        + WEIGHTS["need_urgency"] * need_urgency_factor(need.deadline, today)
    )


def factors(commitment: CommitmentFacts, need: NeedFacts, today: date) -> dict[str, float]:
    return {
        "theme": theme_factor(commitment, need.theme_id),
        "ward": ward_factor(commitment, need.ward_id),
        "priority": priority_factor(need.priority),
        "deprivation": deprivation_factor(need.imd_rank),
        "need_urgency": need_urgency_factor(need.deadline, today),
        "commitment_urgency": commitment_urgency_factor(commitment.due_date, today),
        "fit": fit_factor(need_amount(commitment, need), commitment.remaining),
    }


def can_match(commitment: CommitmentFacts, need: NeedFacts) -> bool:
    return commitment.kind == need.kind and commitment.remaining > 0 and need.remaining > 0


def score_match(commitment: CommitmentFacts, need: NeedFacts, today: date) -> ScoredMatch | None:
    """The score (0 to 100) and the reasons in words; None when the need cannot match."""
    if not can_match(commitment, need):
        return None
    parts = factors(commitment, need, today)
    score = _total(parts)
    return ScoredMatch(commitment.id, need.id, score, tuple(reasons(commitment, need, today, parts)), parts)


def _total(parts: dict[str, float]) -> float:
    # Summed in one fixed order, so the search below adds the same floats the same way.
    return (
        WEIGHTS["commitment_urgency"] * parts["commitment_urgency"]
        + WEIGHTS["theme"] * parts["theme"]
        + WEIGHTS["ward"] * parts["ward"]
    ) + (
        WEIGHTS["priority"] * parts["priority"]
        + WEIGHTS["deprivation"] * parts["deprivation"]
        + WEIGHTS["need_urgency"] * parts["need_urgency"]
    ) + WEIGHTS["fit"] * parts["fit"]


# Reasons in words --------------------------------------------------------------------


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def time_until(when: date, today: date) -> str:
    """"in 12 days", "in 6 weeks", "in 5 months"; "3 weeks ago" for the past; "today"."""
    days = (when - today).days
    if days == 0:
        return "today"
    span = abs(days)
    if span < 14:
        text = plural(span, "day")
    elif span < 63:
        text = plural(round(span / 7), "week")
    else:
        text = plural(round(span / 30.4), "month")
    return f"in {text}" if days > 0 else f"{text} ago"


def share_text(part: int, whole: int) -> str:
    fraction = part / whole
    for value, words in ((1 / 4, "a quarter"), (1 / 3, "a third"), (1 / 2, "half"), (2 / 3, "two thirds"), (3 / 4, "three quarters")):
        if abs(fraction - value) < 0.02:
            return words
    return f"{max(1, math.floor(fraction * 100))}%"


def reasons(commitment: CommitmentFacts, need: NeedFacts, today: date, parts: dict[str, float] | None = None) -> list[str]:
    parts = parts or factors(commitment, need, today)
    said: list[str] = []
    priority = need.priority
    if priority is not None:
        if priority.won:
            said.append(f"won in {priority.area_name}'s priority vote")
        else:
            said.append(f"ranked {ordinal(priority.rank)} of {priority.of} in {priority.area_name}'s priority vote")
    due = commitment.due_date
    due_words = f"was due {time_until(due, today)}" if due < today else f"due {time_until(due, today)}"
    said.append(
        f"your ‘{commitment.name}’ commitment has {amount_text(commitment.remaining, commitment.unit)} left, {due_words}"
    )
    amount = need_amount(commitment, need)
    asks = f"this need asks for {amount_text(need.remaining, need.unit)}"
    if amount is None:
        said.append(f"{asks}, counted in other units than your commitment")
    elif amount <= commitment.remaining:
        said.append(f"{asks}, so your commitment can complete it outright")
    else:
        said.append(f"{asks}: your commitment would meet {share_text(commitment.remaining, amount)} of it")
    if commitment.ward_ids and need.ward_id in commitment.ward_ids:
        said.append(f"in {need.ward_name}, one of your commitment's preferred wards")
    elif commitment.ward_ids and need.ward_id is not None:
        said.append(f"in {need.ward_name}, not one of your commitment's preferred wards")
    elif need.ward_id is None:
        said.append("for the whole borough")
    else:
        said.append(f"in {need.ward_name}")
    if need.imd_rank is not None:
        decile = max(1, math.ceil(need.imd_rank / LSOAS_IN_ENGLAND * 10))
        if decile <= 3:
            place = need.ward_name or "this area"
            said.append(f"{place} is among the {decile * 10}% most deprived areas in England (IMD 2019)")
    if parts["need_urgency"] > 0:
        said.append(f"needed by {need.deadline.day} {need.deadline:%B %Y} ({time_until(need.deadline, today)})")
    if parts["theme"]:
        said.append("under the same priority theme as your commitment")
    elif need.theme_name:
        said.append(f"under another priority theme ({need.theme_name})")
    return said


def reasons_sentence(said: Iterable[str]) -> str:
    text = "; ".join(said)
    return text[:1].upper() + text[1:] + "." if text else ""


# Finding a commitment's best needs without scoring every need ---------------------------


class _Block:
    """The open needs of one (kind, theme, ward): by their own score, and by size per unit."""

    def __init__(self, needs: list[NeedFacts], today: date):
        scored = sorted(((need_own_score(need, today), need) for need in needs), key=lambda pair: (-pair[0], pair[1].id))
        self.own = [score for score, _ in scored]
        self.needs = [need for _, need in scored]
        self.units = [unit_key(need.unit) for need in self.needs]
        self.kind, self.theme_id, self.ward_id = needs[0].kind, needs[0].theme_id, needs[0].ward_id
        self._by_size: dict[str, tuple[list[int], list[int]]] = {}

    def by_size(self, key: str) -> tuple[list[int], list[int]]:
        """(amounts ascending, positions in self.needs) of the needs counted in this unit key."""
        if key not in self._by_size:
            pairs = sorted(
                (need.remaining, position) for position, need in enumerate(self.needs) if self.units[position] == key
            )
            self._by_size[key] = ([amount for amount, _ in pairs], [position for _, position in pairs])
        return self._by_size[key]


class NeedIndex:
    """Open needs blocked by kind, theme and ward, for `best_needs`."""

    def __init__(self, needs: Iterable[NeedFacts], today: date):
        self.today = today
        grouped: dict[tuple[str, int, int | None], list[NeedFacts]] = {}
        for need in needs:
            if need.remaining > 0:
                grouped.setdefault((need.kind, need.theme_id, need.ward_id), []).append(need)
        self.blocks_by_kind: dict[str, list[_Block]] = {}
        for key, members in grouped.items():
            self.blocks_by_kind.setdefault(key[0], []).append(_Block(members, today))

    def __len__(self) -> int:
        return sum(len(block.needs) for blocks in self.blocks_by_kind.values() for block in blocks)


def best_needs(
    commitment: CommitmentFacts, index: NeedIndex, limit: int = MATCHES_PER_COMMITMENT, exclude: Iterable[int] = ()
) -> list[ScoredMatch]:
    """The commitment's best `limit` needs, best first, with reasons; `exclude`: need ids
    not to suggest (dismissed). Ties go to the need with the lower id."""
    if commitment.remaining <= 0 or limit <= 0:
        return []
    today = index.today
    excluded = set(exclude)
    remaining = commitment.remaining
    unit = unit_key(commitment.unit)
    fit_weight = WEIGHTS["fit"]
    urgency = WEIGHTS["commitment_urgency"] * commitment_urgency_factor(commitment.due_date, today)
    plans = []
    for block in index.blocks_by_kind.get(commitment.kind, ()):
        constant = (
            urgency
            + WEIGHTS["theme"] * theme_factor(commitment, block.theme_id)
            + WEIGHTS["ward"] * ward_factor(commitment, block.ward_id)
        )
        plans.append((constant + block.own[0] + fit_weight, constant, block))
    plans.sort(key=lambda plan: -plan[0])

    top: list[tuple[float, int, NeedFacts]] = []  # a min-heap of (score, -need id, need)

    def kth() -> float:
        return top[0][0] if len(top) >= limit else -math.inf

    def consider(block: _Block, position: int, constant: float, seen: set[int]) -> None:
        if position in seen:
            return
        seen.add(position)
        need = block.needs[position]
        if need.id in excluded:
            return
        amount = need.remaining if block.units[position] == unit else None
        score = constant + block.own[position] + fit_weight * fit_factor(amount, remaining)
        entry = (score, -need.id, need)
        if len(top) < limit:
            heapq.heappush(top, entry)
        elif entry[:2] > top[0][:2]:
            heapq.heapreplace(top, entry)

    for bound, constant, block in plans:
        if bound < kth():
            break
        amounts, positions = block.by_size(unit)
        below = bisect_right(amounts, remaining) - 1  # the largest needs the commitment can complete
        above = below + 1  # the smallest it would only dent
        seen: set[int] = set()
        for rank in range(len(block.needs)):
            fit_below = fit_factor(amounts[below], remaining) if below >= 0 else 0.0
            fit_above = fit_factor(amounts[above], remaining) if above < len(amounts) else 0.0
            if constant + block.own[rank] + fit_weight * max(fit_below, fit_above) < kth():
                break  # nothing unread in this block can beat the current best
            consider(block, rank, constant, seen)
            if below >= 0 and fit_below >= fit_above:
                consider(block, positions[below], constant, seen)
                below -= 1
            elif above < len(amounts):
                consider(block, positions[above], constant, seen)
                above += 1
    found = sorted(top, key=lambda entry: (-entry[0], -entry[1]))
    return [match for _, _, need in found if (match := score_match(commitment, need, today)) is not None]


# Allocation --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenCommitment:
    """A supplier's approved, unsettled commitment with something still to deliver."""

    id: int
    kind: str | None
    theme_id: int
    unit: str
    remaining: int
    due_date: date


def propose_allocation(
    kind: str, theme_id: int, unit: str, quantity: int, commitments: Iterable[OpenCommitment]
) -> list[tuple[int, int]]:
    """Split a confirmed delivery across the supplier's open commitments that fit it:
    the measure must be met by the need's kind and counted in the need's unit; those
    under the need's theme come first, then the earliest due. Never more than a
    commitment still needs; what fits nowhere stays unallocated."""
    fitting = sorted(
        (c for c in commitments if c.kind == kind and same_unit(c.unit, unit) and c.remaining > 0),
        key=lambda c: (c.theme_id != theme_id, c.due_date, c.id),
    )
    left = quantity
    proposal: list[tuple[int, int]] = []
    for commitment in fitting:
        if left <= 0:
            break
        share = min(left, commitment.remaining)
        proposal.append((commitment.id, share))
        left -= share
    return proposal
