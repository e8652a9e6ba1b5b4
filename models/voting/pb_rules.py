"""Counting a participatory budgeting round: the greedy rule and the Method of Equal Shares.
Pure: no Flask, no session, no I/O, so the rules can be tested and benchmarked alone.

Ballots are approval sets (a knapsack ballot is the set of options it chose). Costs and the
budget are amounts in one unit: whole numbers (pence in the platform), or exact Decimals or
Fractions (a Pabulib file's `12500.50`), never floats. Amounts are brought to whole numbers of
the smallest unit they are written in (hundredths for `12500.50`) before counting, which
changes no outcome: both rules choose the same options when every amount is scaled alike.

The outcomes are those of pabutools 1.2.3 with the cost satisfaction (Cost_Sat), the
reference researchers and the cities running equal shares use, with ties broken by lower
cost, then more approvals, then the lower key (`tie_key`). The arithmetic is exact: a
fraction of a penny decides some real elections, and exact ties are common in small ones.

Equal shares runs on floats held in numpy arrays, which is fast, and is exact all the same:
floats only choose what to look at, and whenever they cannot tell two numbers apart the exact
fractions are worked out (see _EqualShares), and every float is used with a bound on its
error that says when it cannot be trusted. That makes a run on 100,000 ballots take a
fraction of a second, and the add-one variant, which repeats the run hundreds of times on a
city's election, take seconds.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from fractions import Fraction
from itertools import chain
from typing import Any, Callable, Collection, Hashable, Iterable, Mapping, TypeVar, Union

import numpy as np

K = TypeVar("K", bound=Hashable)
Amount = Union[int, Decimal, Fraction]  # exact: a float is refused

RULES = ("greedy", "equal-shares", "equal-shares-add1")

EPS = 2.0**-52  # the gap between 1.0 and the next float: every rounding is within half of it


@dataclass(frozen=True)
class Outcome:
    selected: list  # option keys in the order they were selected
    spent: Amount  # total cost of selected, as the costs were given (an int for whole numbers)
    votes: dict  # option key -> number of ballots approving it


def tally(
    rule: str,
    budget: Amount,
    costs: Mapping[K, Amount],
    ballots: Iterable[Collection[K]],
    *,
    tie_key: Callable[[K], Any] | None = None,
    increment: Amount = 1,
) -> Outcome:
    """The outcome of a round under one of RULES."""
    if rule == "greedy":
        return greedy(budget, costs, ballots, tie_key=tie_key)
    if rule in ("equal-shares", "equal-shares-add1"):
        return equal_shares(
            budget, costs, ballots, tie_key=tie_key, add_one=rule == "equal-shares-add1", increment=increment
        )
    raise ValueError(f"unknown rule {rule!r}: expected one of {', '.join(RULES)}")


def greedy(
    budget: Amount,
    costs: Mapping[K, Amount],
    ballots: Iterable[Collection[K]],
    *,
    tie_key: Callable[[K], Any] | None = None,
) -> Outcome:
    """Options by approvals, most first; each is funded if it still fits in what is left, and
    the count goes on to the end, so a cheap option below an expensive one can still win.
    (pabutools `greedy_utilitarian_welfare` with Cost_Sat.)"""
    round_ = _Round(budget, costs, ballots, tie_key)
    return round_.outcome(round_.fill([]))


def equal_shares(
    budget: Amount,
    costs: Mapping[K, Amount],
    ballots: Iterable[Collection[K]],
    *,
    tie_key: Callable[[K], Any] | None = None,
    add_one: bool = False,
    increment: Amount = 1,
) -> Outcome:
    """The Method of Equal Shares with cost utilities: every voter holds budget/n, and each step
    funds the option its supporters can pay for at the lowest price per unit of cost, the poorer
    supporters paying all they have left (pabutools `method_of_equal_shares` with Cost_Sat).

    With `add_one`, the way cities run it (Pabulib's "equalshares/add1"): raise every voter's
    budget by `increment` and count again, for as long as the result is within the real budget
    and another supported option would still fit; then fill what is left greedily. `increment`
    is "one unit of currency" in the units of the costs (100 when costs are in pence).
    (pabutools `completion_by_rule_combination` of MES with `voter_budget_increment` and greedy.)
    """
    if _exact("increment", increment) == 0:
        raise ValueError(f"increment must be more than 0, not {increment!r}")
    round_ = _Round(budget, costs, ballots, tie_key, increment)
    if round_.voters == 0:
        # pabutools returns the empty outcome at once when nobody voted.
        return round_.outcome(round_.fill([]) if add_one else [])
    per_voter = Fraction(round_.budget, round_.voters)
    if not add_one:
        return round_.outcome(_EqualShares(round_, per_voter).count())
    previous: list[int] = []
    while True:
        chosen = _EqualShares(round_, per_voter).count()
        spent = sum(round_.costs[j] for j in chosen)
        if spent > round_.budget:
            chosen = previous
            break
        left = round_.budget - spent
        if all(round_.costs[j] > left for j in set(round_.buyable) - set(chosen)):
            break
        previous = chosen
        per_voter += round_.increment
    return round_.outcome(round_.fill(chosen))


class _Round:
    """One round prepared for counting: options as indices 0..m-1 in the caller's order, each
    with its cost, its approvals, its place in the tie order and its supporters.

    Costs, the budget and the add-one increment are held as whole numbers of the smallest unit
    any of them is written in (`costs`, `budget`, `increment`); the caller's own amounts are
    kept to report what was spent."""

    def __init__(
        self,
        budget: Amount,
        costs: Mapping[K, Amount],
        ballots: Iterable[Collection[K]],
        tie_key: Callable[[K], Any] | None,
        increment: Amount = 1,
    ):
        self.keys = list(costs)
        self.amounts = [costs[key] for key in self.keys]
        exact = [_exact("budget", budget), _exact("increment", increment)]
        exact += [_exact(f"cost of {key!r}", cost) for key, cost in zip(self.keys, self.amounts)]
        unit = math.lcm(*(value.denominator for value in exact))
        whole = [int(value * unit) for value in exact]
        self.budget, self.increment, self.costs = whole[0], whole[1], whole[2:]
        self._read_ballots(ballots)
        self._order(tie_key)

    def _read_ballots(self, ballots: Iterable[Collection[K]]) -> None:
        """Who approves what, as arrays: each option's supporters (voter numbers, ascending) and
        how many there are. Done in bulk: a city's file has hundreds of thousands of approvals."""
        ballots = ballots if isinstance(ballots, (list, tuple)) else list(ballots)
        index = {key: j for j, key in enumerate(self.keys)}
        sizes = np.fromiter(map(len, ballots), dtype=np.int64, count=len(ballots))
        try:
            option_of = np.fromiter(
                map(index.__getitem__, chain.from_iterable(ballots)), dtype=np.int64, count=int(sizes.sum())
            )
        except (KeyError, TypeError):
            for number, ballot in enumerate(ballots, start=1):
                for key in ballot:
                    if key not in index:
                        raise ValueError(f"ballot {number} approves {key!r}, which is not an option") from None
            raise
        self.voters = len(ballots)
        voter_of = np.repeat(np.arange(self.voters, dtype=np.int64), sizes)
        # Grouped by option, voters ascending within each (the sort is stable); a ballot that
        # names an option twice approves it once.
        # (Option numbers fit in 16 bits, where numpy's stable sort is a radix sort: linear.)
        small = np.int16 if len(self.keys) <= np.iinfo(np.int16).max else np.int64
        by_option = np.argsort(option_of.astype(small), kind="stable")
        option_of, voter_of = option_of[by_option], voter_of[by_option]
        if len(option_of) > 1:
            again = (option_of[1:] == option_of[:-1]) & (voter_of[1:] == voter_of[:-1])
            if again.any():
                keep = np.concatenate(([True], ~again))
                option_of, voter_of = option_of[keep], voter_of[keep]
        self.approvals = np.bincount(option_of, minlength=len(self.keys)).tolist()
        self.supporters = np.split(voter_of, np.cumsum(self.approvals)[:-1])

    def _order(self, tie_key: Callable[[K], Any] | None) -> None:
        tie = tie_key or (lambda key: key)
        tie_order = sorted(
            range(len(self.keys)), key=lambda j: (self.costs[j], -self.approvals[j], tie(self.keys[j]))
        )
        self.rank = [0] * len(self.keys)
        for place, j in enumerate(tie_order):
            self.rank[j] = place
        # With cost utilities an option costing nothing gives nobody any satisfaction, so
        # equal shares never buys it (greedy does, as it fits in any budget).
        self.buyable = [j for j in range(len(self.keys)) if self.costs[j] > 0 and self.approvals[j] > 0]

    def outcome(self, chosen: list[int]) -> Outcome:
        return Outcome(
            selected=[self.keys[j] for j in chosen],
            spent=sum(self.amounts[j] for j in chosen),
            votes=dict(zip(self.keys, self.approvals)),
        )

    def fill(self, chosen: list[int]) -> list[int]:
        """`chosen` and then, by approvals (most first, ties in the tie order), every other option
        that still fits. With Cost_Sat an option's welfare per unit of cost is its approvals, and
        0 for an option costing nothing, which pabutools therefore ranks with the unapproved."""
        taken = set(chosen)
        left = self.budget - sum(self.costs[j] for j in chosen)
        result = list(chosen)
        for j in sorted(
            (j for j in range(len(self.keys)) if j not in taken),
            key=lambda j: (-(self.approvals[j] if self.costs[j] > 0 else 0), self.rank[j]),
        ):
            if self.costs[j] <= left:
                result.append(j)
                left -= self.costs[j]
        return result

    @cached_property
    def countdown(self) -> dict[int, np.ndarray]:
        """For each option, how many of its supporters are at or above each place when they are
        sorted by budget: len, len - 1, ..., 1. Built once, it is needed at every pricing."""
        return {j: np.arange(self.approvals[j], 0, -1) for j in self.buyable}

    @cached_property
    def approves(self) -> np.ndarray:
        """approves[i, j]: voter i approves option j. Built only for equal shares, which reads
        it to count how many of a set of voters paid for each winner."""
        matrix = np.zeros((self.voters, len(self.keys)), dtype=bool)
        for j, supporters in enumerate(self.supporters):
            matrix[supporters, j] = True
        return matrix


class _EqualShares:
    """One run of the Method of Equal Shares with every voter starting on `per_voter`.

    Voters' budgets are kept as floats, which is fast, and never stored exactly: a voter who
    still has money has paid the full price of every winner they approved, so their exact budget
    is per_voter minus those prices, and a voter who once could not pay in full has exactly
    nothing. The exact prices of the winners are therefore all the exact state there is, and any
    budget, or the sum of any voters' budgets, can be recovered exactly when the floats are too
    close to call. Floats choose; exact fractions decide and set the prices.
    """

    def __init__(self, round_: _Round, per_voter: Fraction):
        self.round = round_
        self.start = float(per_voter)
        self.budget = np.full(round_.voters, self.start)
        self.exhausted = np.zeros(round_.voters, dtype=bool)
        self.winners: list[int] = []
        # The starting budget and the prices over one common denominator, so that exact sums
        # are sums of integers: Fraction arithmetic would reduce at every step.
        self.denominator = per_voter.denominator
        self.scaled_start = per_voter.numerator
        self.scaled_prices: list[int] = []

    def count(self) -> list[int]:
        """The winners in the order they are bought.

        An option's price per unit of cost (pabutools' "affordability", rho) only rises as
        budgets fall, so a price once computed is a lower bound for later steps. Each step visits
        options by lower bound and stops at one above the best price found, like pabutools'
        own loop; then every option the floats cannot tell from the best is priced exactly, and
        the cheapest, ties in the tie order, is bought.
        """
        costs, rank = self.round.costs, self.round.rank
        # Every supporter paying an equal share is the lowest price an option can have.
        bound = {j: (1 - 4 * EPS) / self.round.approvals[j] for j in self.round.buyable}
        while bound:
            best = math.inf
            priced: list[tuple[float, int, float]] = []
            for j in sorted(bound, key=bound.__getitem__):
                if bound[j] > best:
                    break
                estimate = self.float_price(j)
                if estimate is None:
                    del bound[j]  # budgets only fall: it will never be affordable again
                    continue
                rho, error = estimate
                bound[j] = rho - error
                best = min(best, rho + error)
                priced.append((rho, j, error))
            close = [(j, self.exact_price(j, rho * costs[j], error * costs[j])) for rho, j, error in priced if rho - error <= best]
            if any(price is None for _, price in close):
                # A float price from an option that cannot be afforded after all may have cut
                # the visit short: drop it and look again.
                for j, price in close:
                    if price is None:
                        del bound[j]
                continue
            if not close:
                break
            _, _, winner, price = min((price / costs[j], rank[j], j, price) for j, price in close)
            del bound[winner]
            self.pay(winner, price)
        return self.winners

    def value_error(self) -> float:
        """A bound on how far any voter's float budget is from the exact one: each payment
        rounds twice (the price, then the subtraction), each time by at most half a unit in
        the last place of the starting budget."""
        return 2 * (len(self.winners) + 1) * EPS * self.start

    def float_price(self, j: int) -> tuple[float, float] | None:
        """Option j's price per unit of cost in floats and a bound on its error, or None when
        its supporters cannot afford it. Supporters are scanned from the poorest: the first who
        can pay an equal share of what the poorer ones could not is rich, as is everyone above.

        The bound: the price p solves sum(min(budget, p)) = cost. Float budgets are each within
        value_error() of the exact ones, so the float sum is within supporters * value_error()
        of the exact one at any p, plus the rounding of the sums; and the sum grows by at least
        1 for each 1 added to p (someone is rich), so p is out by no more than that either. It
        is widened 4 times over for the roundings of the bound itself."""
        cost = self.round.costs[j]
        held = self.budget[self.round.supporters[j]]
        supporters = len(held)
        total = float(held.sum())
        error = 4 * (supporters * self.value_error() + (supporters + 4) * EPS * (total + cost))
        if total + error < cost:
            return None
        if total - error < cost and self.exact_total(self.round.supporters[j]) < cost:
            return None
        held.sort()
        paid_before = np.cumsum(held)
        paid_before -= held
        # Voter k is rich when (cost - paid_before[k]) / rich[k] <= held[k], that is when
        # cost <= rich[k] * held[k] + paid_before[k]; the right side only grows with k, so the
        # first rich voter is found by bisection.
        rich = self.round.countdown[j]
        at = min(int(np.searchsorted(rich * held + paid_before, cost)), supporters - 1)
        share = (cost - float(paid_before[at])) / int(rich[at])
        return share / cost, (error + 4 * EPS * share) / cost

    def exact_price(self, j: int, estimate: float, error: float) -> Fraction | None:
        """What each rich supporter of option j pays, exactly, or None if they cannot afford it.

        Supporters whose float budgets are clearly below or above the estimate are poor or rich
        for certain; only those in between are looked at exactly. The answer is checked against
        the estimate, and the band widened until it agrees, so a wrong error bound costs time,
        never the right answer."""
        cost = self.round.costs[j]
        supporters = self.round.supporters[j]
        held = self.budget[supporters]
        margin = 4 * max(error, self.value_error())
        while True:
            poor = supporters[held < estimate - margin]
            unsure = supporters[(held >= estimate - margin) & (held <= estimate + margin)]
            paid = self.exact_total(poor)
            rich = len(supporters) - len(poor)
            price = None
            for value, count in self.exact_groups(unsure):
                share = (cost - paid) / rich
                if share <= value:
                    price = share
                    break
                paid += value * count
                rich -= count
            else:
                if rich > 0:
                    price = (cost - paid) / rich
            everyone_exact = len(unsure) == len(supporters)
            if price is None:
                if everyone_exact or self.exact_total(supporters) < cost:
                    return None
            elif everyone_exact or (abs(float(price) - estimate) <= margin / 2 and self.value_error() <= margin / 4):
                return price
            margin *= 1000

    def pay(self, winner: int, price: Fraction) -> None:
        """Every supporter of the winner pays the price, or all they have if that is less."""
        supporters = self.round.supporters[winner]
        held = self.budget[supporters]
        estimate = float(price)
        margin = 4 * (self.value_error() + EPS * estimate)
        unsure = supporters[(held >= estimate - margin) & (held <= estimate + margin)]
        unsure_left = [self.exact_budget(i) - price for i in unsure.tolist()]
        emptied = supporters[held < estimate - margin]
        self.budget[supporters] = held - estimate
        self.budget[emptied] = 0.0
        self.exhausted[emptied] = True
        for i, left in zip(unsure.tolist(), unsure_left):
            self.budget[i] = max(float(left), 0.0)
            self.exhausted[i] = left <= 0
        self.winners.append(winner)
        scale = price.denominator // math.gcd(self.denominator, price.denominator)
        self.denominator *= scale
        self.scaled_start *= scale
        self.scaled_prices = [scaled * scale for scaled in self.scaled_prices]
        self.scaled_prices.append(price.numerator * (self.denominator // price.denominator))

    def exact_budget(self, voter: int) -> Fraction:
        if self.exhausted[voter]:
            return Fraction(0)
        approved = self.round.approves[voter, self.winners].tolist()
        return Fraction(self.scaled_start - sum(p for p, yes in zip(self.scaled_prices, approved) if yes), self.denominator)

    def exact_total(self, voters: np.ndarray) -> Fraction:
        """The exact sum of these voters' budgets, from how many of them approved each winner."""
        live = voters[~self.exhausted[voters]]
        total = self.scaled_start * len(live)
        if self.winners:
            # Whole rows are gathered (fast, contiguous), then counted per winner.
            paid_for = np.count_nonzero(self.round.approves[live], axis=0)[self.winners].tolist()
            total -= sum(price * count for price, count in zip(self.scaled_prices, paid_for))
        return Fraction(total, self.denominator)

    def exact_groups(self, voters: np.ndarray) -> list[tuple[Fraction, int]]:
        """These voters' exact budgets as (value, how many) pairs, poorest first. Voters who
        approved the same winners and still have money hold the same budget."""
        if len(voters) <= 16:  # the usual case: a few voters, or none, too close to call
            return sorted(Counter(self.exact_budget(i) for i in voters.tolist()).items())
        live = voters[~self.exhausted[voters]]
        groups = []
        if len(live) < len(voters):
            groups.append((Fraction(0), len(voters) - len(live)))
        if len(live):
            patterns, counts = np.unique(self.round.approves[live][:, self.winners], axis=0, return_counts=True)
            for pattern, count in zip(patterns.tolist(), counts.tolist()):
                paid = sum(price for price, yes in zip(self.scaled_prices, pattern) if yes)
                groups.append((Fraction(self.scaled_start - paid, self.denominator), count))
        return sorted(groups)


def _exact(what: str, amount: object) -> Fraction:
    """An amount as an exact fraction; floats are refused, as 0.1 is not a tenth."""
    if isinstance(amount, bool) or not isinstance(amount, (int, Decimal, Fraction)):
        raise ValueError(f"{what} must be a whole number, a Decimal or a Fraction, not {amount!r}")
    if isinstance(amount, Decimal) and not amount.is_finite():
        raise ValueError(f"{what} must be a number, not {amount!r}")
    if amount < 0:
        raise ValueError(f"{what} must be at least 0, not {amount!r}")
    return Fraction(amount)
