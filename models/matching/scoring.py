"""Match scoring and allocation, as pure rules: plain dataclasses in, a score and
its reasons in words out. Pure: no Flask, no session, so the tests, the worker and
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
are blocked by (kind, theme, ward) and, within a block, banded by their own score
and sorted by size; a best-first search over upper bounds opens only the blocks
and bands that could still beat what was found. The result is the same as scoring
every need of that kind, which the tests check.
"""

from __future__ import annotations

import heapq
import math
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
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
    # When an administrator chose another local indicator (models/places/indicators.py): the
    # ward's place among the council's wards on it, 0 least in need to 1 most, and its name.
    local_level: float | None = None
    local_indicator: str = ""


@dataclass(frozen=True, slots=True)
class ScoredMatch:
    commitment_id: int
    need_id: int
    score: float
    reasons: tuple[str, ...]
    factors: dict[str, float] = field(default_factory=dict, compare=False)


# Units --------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
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


def measure_fits(measure_kind: str | None, measure_unit: str, need_kind: str, need_unit: str) -> bool:
    """Whether what is given to a need can count towards a commitment under this measure:
    the measure is met by the need's kind and counted in the need's unit (goods counted in
    items never count as apprenticeship weeks, nor as goods valued in pounds)."""
    return measure_kind is not None and measure_kind == need_kind and same_unit(measure_unit, need_unit)


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


def local_need_factor(need: NeedFacts) -> float:
    """The chosen local indicator's level where there is one, else IMD's."""
    if need.local_level is not None:
        return min(max(need.local_level, 0.0), 1.0)
    return deprivation_factor(need.imd_rank)


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
        + WEIGHTS["deprivation"] * local_need_factor(need)
        + WEIGHTS["need_urgency"] * need_urgency_factor(need.deadline, today)
    )


def factors(commitment: CommitmentFacts, need: NeedFacts, today: date) -> dict[str, float]:
    return {
        "theme": theme_factor(commitment, need.theme_id),
        "ward": ward_factor(commitment, need.ward_id),
        "priority": priority_factor(need.priority),
        "deprivation": local_need_factor(need),
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


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


# Each reason's wording, with the values it takes. The pages show them in the reader's
# language (brokerage/match_reasons.py reads a stored reason back into its key and values).
REASONS = {
    "won": "won in %(area)s's priority vote",
    "ranked": "ranked %(rank)s of %(of)s in %(area)s's priority vote",
    "commitment_due": "your ‘%(name)s’ commitment has %(left)s left, due %(when)s",
    "commitment_overdue": "your ‘%(name)s’ commitment has %(left)s left, was due %(when)s",
    "other_units": "this need asks for %(amount)s, counted in other units than your commitment",
    "completes": "this need asks for %(amount)s, so your commitment can complete it outright",
    "share": "this need asks for %(amount)s: your commitment would meet %(share)s of it",
    "preferred_ward": "in %(ward)s, one of your commitment's preferred wards",
    "other_ward": "in %(ward)s, not one of your commitment's preferred wards",
    "borough": "for the whole borough",
    "ward": "in %(ward)s",
    "local_need": "%(ward)s is among this council's wards most in need by %(indicator)s",
    "local_need_area": "this area is among this council's wards most in need by %(indicator)s",
    "deprived": "%(ward)s is among the %(percent)s%% most deprived areas in England (IMD 2019)",
    "deprived_area": "this area is among the %(percent)s%% most deprived areas in England (IMD 2019)",
    "needed_by": "needed by %(date)s (%(when)s)",
    "same_theme": "under the same priority theme as your commitment",
    "other_theme": "under another priority theme (%(theme)s)",
}


@lru_cache(maxsize=256)
def _commitment_reason(commitment: CommitmentFacts, today: date) -> str:
    """The same for each of a commitment's matches, so worded once."""
    due = commitment.due_date
    key = "commitment_overdue" if due < today else "commitment_due"
    return REASONS[key] % {"name": commitment.name, "left": amount_text(commitment.remaining, commitment.unit),
                           "when": time_until(due, today)}


def reasons(commitment: CommitmentFacts, need: NeedFacts, today: date, parts: dict[str, float] | None = None) -> list[str]:
    parts = parts or factors(commitment, need, today)
    said: list[str] = []
    priority = need.priority
    if priority is not None:
        if priority.won:
            said.append(REASONS["won"] % {"area": priority.area_name})
        else:
            said.append(REASONS["ranked"] % {"rank": ordinal(priority.rank), "of": priority.of, "area": priority.area_name})
    said.append(_commitment_reason(commitment, today))
    amount = need_amount(commitment, need)
    asks = {"amount": amount_text(need.remaining, need.unit)}
    if amount is None:
        said.append(REASONS["other_units"] % asks)
    elif amount <= commitment.remaining:
        said.append(REASONS["completes"] % asks)
    else:
        said.append(REASONS["share"] % {**asks, "share": share_text(commitment.remaining, amount)})
    ward = {"ward": need.ward_name}
    if commitment.ward_ids and need.ward_id in commitment.ward_ids:
        said.append(REASONS["preferred_ward"] % ward)
    elif commitment.ward_ids and need.ward_id is not None:
        said.append(REASONS["other_ward"] % ward)
    elif need.ward_id is None:
        said.append(REASONS["borough"])
    else:
        said.append(REASONS["ward"] % ward)
    if need.local_level is not None and need.local_level >= 0.8:
        said.append(REASONS["local_need" if need.ward_name else "local_need_area"] % {**ward, "indicator": need.local_indicator})
    if need.imd_rank is not None:
        decile = max(1, math.ceil(need.imd_rank / LSOAS_IN_ENGLAND * 10))
        if decile <= 3:
            said.append(REASONS["deprived" if need.ward_name else "deprived_area"] % {**ward, "percent": decile * 10})
    if parts["need_urgency"] > 0:
        deadline = need.deadline
        when = f"{deadline.day} {MONTHS[deadline.month - 1]} {deadline.year}"
        said.append(REASONS["needed_by"] % {"date": when, "when": time_until(deadline, today)})
    if parts["theme"]:
        said.append(REASONS["same_theme"])
    elif need.theme_name:
        said.append(REASONS["other_theme"] % {"theme": need.theme_name})
    return said


YOUR = re.compile(r"\b([Yy])our\b")


def possessive(name: str) -> str:
    """Northwest Facilities' and Builders Ltd's."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def addressed(said: Iterable[str], supplier_name: str | None) -> list[str]:
    """Reasons are worded for the supplier whose commitment it is ("your commitment");
    anyone else (an officer) reads whose it is: "Northwest Facilities' commitment"."""
    if supplier_name is None:
        return list(said)
    whose = possessive(supplier_name)
    return [YOUR.sub(whose, reason) for reason in said]


def reasons_sentence(said: Iterable[str]) -> str:
    text = "; ".join(said)
    return text[:1].upper() + text[1:] + "." if text else ""


# Finding a commitment's best needs without scoring every need ---------------------------


class _Band:
    """Needs of one block counted in one unit whose own scores share a whole point,
    sorted by what they still ask for (so the best fits sit either side of a bisection)."""

    __slots__ = ("max_own", "amounts", "positions")

    def __init__(self, max_own: float, amounts: list[int], positions: list[int]):
        self.max_own, self.amounts, self.positions = max_own, amounts, positions


class _Block:
    """Open needs of one kind and theme: all of them (for a commitment that prefers no
    ward, or for the wards it does not prefer), or one ward's (for those it does)."""

    def __init__(self, needs: list[NeedFacts], own: list[float], units: list[str]):
        self.needs, self.own, self.units = needs, own, units
        self.max_own = max(own)
        self.theme_id = needs[0].theme_id
        self._views: dict[str, tuple[list[_Band], list[int]]] = {}

    def view(self, key: str) -> tuple[list[_Band], list[int]]:
        """For a commitment counted in `key`: the bands of needs counted the same way, and
        the other needs (no fit), best own score first."""
        if key not in self._views:
            grouped: dict[int, list[int]] = {}
            others = []
            for position, unit in enumerate(self.units):
                if unit == key:
                    grouped.setdefault(math.floor(self.own[position]), []).append(position)
                else:
                    others.append(position)
            bands = []
            for positions in grouped.values():
                positions.sort(key=lambda position: self.needs[position].remaining)
                bands.append(_Band(max(self.own[p] for p in positions), [self.needs[p].remaining for p in positions], positions))
            others.sort(key=lambda position: -self.own[position])
            self._views[key] = (bands, others)
        return self._views[key]


class NeedIndex:
    """Open needs blocked by kind and theme, and by kind, theme and ward, for `best_needs`."""

    def __init__(self, needs: Iterable[NeedFacts], today: date):
        self.today = today
        themes: dict[tuple[str, int], list[NeedFacts]] = {}
        for need in needs:
            if need.remaining > 0:
                themes.setdefault((need.kind, need.theme_id), []).append(need)
        self.blocks_by_kind: dict[str, list[_Block]] = {}
        self.ward_blocks: dict[tuple[str, int, int | None], _Block] = {}
        for (kind, theme_id), members in themes.items():
            own = [need_own_score(need, today) for need in members]
            units = [unit_key(need.unit) for need in members]
            self.blocks_by_kind.setdefault(kind, []).append(_Block(members, own, units))
            by_ward: dict[int | None, list[int]] = {}
            for position, need in enumerate(members):
                by_ward.setdefault(need.ward_id, []).append(position)
            for ward_id, positions in by_ward.items():
                self.ward_blocks[(kind, theme_id, ward_id)] = _Block(
                    [members[p] for p in positions], [own[p] for p in positions], [units[p] for p in positions]
                )

    def __len__(self) -> int:
        return sum(len(block.needs) for blocks in self.blocks_by_kind.values() for block in blocks)


_BLOCK, _BAND, _OTHERS = 0, 1, 2


def best_needs(
    commitment: CommitmentFacts, index: NeedIndex, limit: int = MATCHES_PER_COMMITMENT, exclude: Iterable[int] = ()
) -> list[ScoredMatch]:
    """The commitment's best `limit` needs, best first, with reasons; `exclude`: need ids
    not to suggest (dismissed). Ties go to the need with the lower id.

    Best first over upper bounds: a block's bound is its constant part (commitment
    urgency, theme, ward) plus its best own score plus a perfect fit; opening a block
    yields its bands, each bounded by its best own score plus the better of the fits
    either side of where the commitment's remaining quantity falls; a band then yields
    its needs nearest that point first. The search stops when no bound left can beat
    the `limit`th best score found, so it reads a few needs, not the whole block."""
    if commitment.remaining <= 0 or limit <= 0:
        return []
    today = index.today
    excluded = set(exclude)
    remaining = commitment.remaining
    unit = unit_key(commitment.unit)
    fit_weight = WEIGHTS["fit"]
    urgency = WEIGHTS["commitment_urgency"] * commitment_urgency_factor(commitment.due_date, today)
    # A commitment with preferred wards reads those wards' (and borough-wide) needs from
    # their own blocks, with the ward's share of the score, and skips them in the rest.
    preferred = set(commitment.ward_ids) | {None} if commitment.ward_ids else set()
    frontier: list[tuple] = []  # a max-heap (negated bounds) of blocks, bands and other-unit lists
    counter = 0
    for theme_block in index.blocks_by_kind.get(commitment.kind, ()):
        theme = urgency + WEIGHTS["theme"] * theme_factor(commitment, theme_block.theme_id)
        parts = [(theme + WEIGHTS["ward"] * ward_factor(commitment, -1 if preferred else None), theme_block, preferred)]
        for ward_id in preferred:
            block = index.ward_blocks.get((commitment.kind, theme_block.theme_id, ward_id))
            if block is not None:
                parts.append((theme + WEIGHTS["ward"] * ward_factor(commitment, ward_id), block, set()))
        for constant, block, skip in parts:
            counter += 1
            frontier.append((-(constant + block.max_own + fit_weight), counter, _BLOCK, constant, block, skip, None))
    heapq.heapify(frontier)
    top: list[tuple[float, int, NeedFacts]] = []  # a min-heap of (score, -need id, need)

    def fit_at(amounts: list[int], at: int) -> float:
        return fit_factor(amounts[at], remaining) if 0 <= at < len(amounts) else -1.0

    while frontier:
        negative_bound, _, what, constant, block, skip, state = heapq.heappop(frontier)
        if len(top) >= limit and -negative_bound < top[0][0]:
            break  # nothing left can beat the current best
        if what == _BLOCK:
            bands, others = block.view(unit)
            for band in bands:
                below = bisect_right(band.amounts, remaining) - 1
                best = max(fit_at(band.amounts, below), fit_at(band.amounts, below + 1))
                counter += 1
                heapq.heappush(frontier, (-(constant + band.max_own + fit_weight * best), counter, _BAND, constant, block,
                                          skip, [band, below, below + 1]))
            if others:
                counter += 1
                heapq.heappush(frontier, (-(constant + block.own[others[0]]), counter, _OTHERS, constant, block, skip,
                                          [others, 0]))
            continue
        if what == _BAND:
            band, below, above = state
            if fit_at(band.amounts, below) >= fit_at(band.amounts, above):
                position, amount = band.positions[below], band.amounts[below]
                state[1] -= 1
            else:
                position, amount = band.positions[above], band.amounts[above]
                state[2] += 1
            score = constant + block.own[position] + fit_weight * fit_factor(amount, remaining)
            best = max(fit_at(band.amounts, state[1]), fit_at(band.amounts, state[2]))
            if best >= 0:
                counter += 1
                heapq.heappush(frontier, (-(constant + band.max_own + fit_weight * best), counter, _BAND, constant, block,
                                          skip, state))
        else:
            others, at = state
            position = others[at]
            score = constant + block.own[position] + 0.0
            if at + 1 < len(others):
                state[1] += 1
                counter += 1
                heapq.heappush(frontier, (-(constant + block.own[others[at + 1]]), counter, _OTHERS, constant, block, skip,
                                          state))
        need = block.needs[position]
        if need.id in excluded or need.ward_id in skip:
            continue
        entry = (score, -need.id, need)
        if len(top) < limit:
            heapq.heappush(top, entry)
        elif entry[:2] > top[0][:2]:
            heapq.heapreplace(top, entry)
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
        (c for c in commitments if measure_fits(c.kind, c.unit, kind, unit) and c.remaining > 0),
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
