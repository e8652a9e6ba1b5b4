"""pabutools 1.2.3 doing what `pb-tally` does, for bench/bench_pb_tally.py to time as a whole
process: `python -m bench.pabutools_tally FILE --rule RULE` reads the file with pabutools'
own parser, counts it with pabutools' own rule (cost satisfaction, Cost_Sat, and the project's
tie-break: lower cost, then more approvals, then the project id as text) and prints the
selected project ids, sorted, one a line, as pb-tally does. Ranked and points ballots are
counted as approval of the projects they list, as pb-tally counts them.

The rules are called as scripts/pabutools_reference.py calls them; approval scores for the
tie-break are counted once, in one pass (profile.approval_scores), so pabutools is not charged
for our tie-break.
"""

from __future__ import annotations

import argparse
import sys

RULES = ("greedy", "equal-shares", "equal-shares-add1")


def read(path: str):
    """pabutools' instance and approval profile of a .pb file, read by pabutools."""
    from pabutools.election import ApprovalBallot, ApprovalProfile, parse_pabulib

    instance, profile = parse_pabulib(path)
    if not isinstance(profile, ApprovalProfile):
        profile = ApprovalProfile([ApprovalBallot(ballot) for ballot in profile], instance=instance)
    return instance, profile


def count(instance, profile, rule: str, grouped: bool = False) -> list[str]:
    """pabutools' winners under `rule`, sorted as text. `grouped` counts identical ballots once
    with their number (pabutools' multiprofile): the same winners, faster where many voters
    chose alike (add-one reruns equal shares hundreds of times)."""
    from pabutools.election import Cost_Sat
    from pabutools.rules import completion_by_rule_combination, greedy_utilitarian_welfare, method_of_equal_shares
    from pabutools.tiebreaking import TieBreakingRule

    approvals = profile.approval_scores()
    ties = TieBreakingRule(lambda inst, prof, p: (p.cost, -approvals.get(p, 0), p.name))
    if grouped:
        profile = profile.as_multiprofile()
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat, tie_breaking=ties)
    elif rule == "equal-shares":
        outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, tie_breaking=ties)
    elif rule == "equal-shares-add1":
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [
                {"sat_class": Cost_Sat, "tie_breaking": ties, "voter_budget_increment": 1},
                {"sat_class": Cost_Sat, "tie_breaking": ties},
            ],
        )
    else:
        raise ValueError(f"unknown rule {rule!r}")
    return sorted(project.name for project in outcome)


def winners(path: str, rule: str) -> list[str]:
    return count(*read(path), rule)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pabutools_tally", description=__doc__.split("\n\n")[0])
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--rule", required=True, choices=RULES)
    args = parser.parse_args(argv)
    sys.stdout.write("".join(f"{name}\n" for name in winners(args.file, args.rule)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
