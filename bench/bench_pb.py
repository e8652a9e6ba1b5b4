"""The counting rules (models/pb_rules.py) on the largest real elections in shared/data/pb and
on a synthetic ward round of 100,000 ballots and 200 options, beside pabutools 1.2.3 (the
reference implementation) on the same input, with the same tie-breaking.

pabutools' time is for the rule alone (its instance and profile are built beforehand, untimed);
ours includes turning the ballots into arrays, as a caller pays it. Each is run once: the
slowest take minutes in pabutools."""

from __future__ import annotations

import math
import time
from collections import Counter
from pathlib import Path
from typing import Callable

import numpy as np

from models.voting.pabulib import parse_pb
from models.voting.pb_rules import RULES, tally

# shared/ sits beside the repository, as in tests/conftest.py.
PB_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "pb"

SYNTHETIC_BALLOTS = 100_000
SYNTHETIC_OPTIONS = 200
# pabutools' add-one reruns equal shares from scratch for every one-unit rise in the voters'
# budgets: 349 reruns and 1,255 s on Mokotów (scripts/pabutools_reference.py), 149 reruns on
# Kraków. It is run here only when one run is quick enough for that to take seconds.
ADD_ONE_IF_ONE_RUN_UNDER_SECONDS = 1.0


def synthetic_ward_round(seed: int = 2026) -> tuple[int, dict[str, int], list[set[str]]]:
    """A ward round in pence: 200 costed priorities from £2k to about £100k, popularity
    falling off like a power law, each resident approving 1 to 12, a budget that funds about 20."""
    rng = np.random.default_rng(seed)
    options = [f"option-{n:03d}" for n in range(SYNTHETIC_OPTIONS)]
    costs_pounds = np.clip(np.round(rng.lognormal(math.log(12_000), 0.8, SYNTHETIC_OPTIONS), -2), 2_000, 100_000)
    costs = {option: int(pounds) * 100 for option, pounds in zip(options, costs_pounds)}
    popularity = np.log(1.0 / np.arange(1, SYNTHETIC_OPTIONS + 1) ** 0.9)
    rng.shuffle(popularity)
    sizes = np.clip(rng.poisson(4, SYNTHETIC_BALLOTS) + 1, 1, 12)
    ballots: list[set[str]] = []
    for start in range(0, SYNTHETIC_BALLOTS, 10_000):
        # Weighted sampling without replacement: the largest of log-weight plus Gumbel noise.
        noisy = popularity + rng.gumbel(size=(min(10_000, SYNTHETIC_BALLOTS - start), SYNTHETIC_OPTIONS))
        ranked = np.argsort(-noisy, axis=1)
        ballots.extend({options[j] for j in row[:size]} for row, size in zip(ranked.tolist(), sizes[start : start + 10_000]))
    favourites = np.argsort(-popularity)[:20]
    budget = int(round(sum(costs[options[j]] for j in favourites), -5))
    return budget, costs, ballots


def pabutools_rules(budget: int, costs: dict[str, int], ballots: list[set[str]]) -> dict[str, Callable[[], list[str]]]:
    """Each of our rules as pabutools computes it, ready to time."""
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
    from pabutools.rules import completion_by_rule_combination, greedy_utilitarian_welfare, method_of_equal_shares
    from pabutools.tiebreaking import TieBreakingRule

    projects = {name: Project(name, cost) for name, cost in costs.items()}
    instance = Instance(projects.values(), budget_limit=budget)
    profile = ApprovalProfile([ApprovalBallot(projects[name] for name in ballot) for ballot in ballots], instance=instance)
    # profile.approval_score walks every ballot for every project; counted once here instead.
    votes = Counter(name for ballot in ballots for name in ballot)
    approvals = {project: votes[project.name] for project in instance}
    ties = TieBreakingRule(lambda inst, prof, p: (p.cost, -approvals[p], p.name))

    def names(outcome) -> list[str]:
        return sorted(project.name for project in outcome)

    return {
        "greedy": lambda: names(greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat, tie_breaking=ties)),
        "equal-shares": lambda: names(method_of_equal_shares(instance, profile, sat_class=Cost_Sat, tie_breaking=ties)),
        "equal-shares-add1": lambda: names(
            completion_by_rule_combination(
                instance,
                profile,
                [method_of_equal_shares, greedy_utilitarian_welfare],
                [
                    {"sat_class": Cost_Sat, "tie_breaking": ties, "voter_budget_increment": 1},
                    {"sat_class": Cost_Sat, "tie_breaking": ties},
                ],
            )
        ),
    }


def timed(action: Callable[[], list[str]]) -> tuple[list[str], float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def compare(label: str, budget: int, costs: dict[str, int], ballots: list[set[str]], in_pence: bool = False) -> None:
    """Our three rules and pabutools' on one round. A round `in_pence` is counted by us in pence
    with add-one by £1 (increment 100), as the app does, and by pabutools in pounds (its
    increment is 1): the same election scaled, so the winners must be the same."""
    print(f"\n{label}: {len(ballots):,} ballots, {len(costs)} options")
    scale = 100 if in_pence else 1
    theirs = pabutools_rules(budget // scale, {key: cost // scale for key, cost in costs.items()}, ballots)
    equal_shares_seconds = math.inf
    for rule in RULES:
        ours, our_seconds = timed(lambda: sorted(tally(rule, budget, costs, ballots, increment=scale).selected))
        line = f"  {rule:<20} ours {our_seconds * 1000:9.0f} ms"
        if rule == "equal-shares-add1" and equal_shares_seconds > ADD_ONE_IF_ONE_RUN_UNDER_SECONDS:
            print(
                f"{line}   pabutools skipped: its add-one reruns this {equal_shares_seconds:.1f} s equal-shares run"
                " once per 1-unit rise in every voter's budget (1,255 s for Mokotów's 349 reruns)"
            )
            continue
        reference, their_seconds = timed(theirs[rule])
        if rule == "equal-shares":
            equal_shares_seconds = their_seconds
        same = "same winners" if reference == ours else "DIFFERENT WINNERS"
        print(f"{line}   pabutools {their_seconds * 1000:9.0f} ms   {their_seconds / our_seconds:6.0f}x faster   {same}")


def run() -> None:
    print("\nParticipatory budgeting rules, ours beside pabutools 1.2.3 (exact arithmetic in both)")
    krakow = parse_pb((PB_DATA / "Poland_Krakow_2022.pb").read_bytes())
    compare("Kraków 2022 (ranked ballots counted as approval of the 3 ranked)", krakow.budget, krakow.costs(), krakow.approval_ballots())
    mokotow = parse_pb((PB_DATA / "Poland_Warszawa_2023_Mokotow.pb").read_bytes())
    compare("Warszawa Mokotów 2023", mokotow.budget, mokotow.costs(), mokotow.approval_ballots())
    budget, costs, ballots = synthetic_ward_round()
    compare(f"Synthetic ward round, £{budget // 100:,}", budget, costs, ballots, in_pence=True)
