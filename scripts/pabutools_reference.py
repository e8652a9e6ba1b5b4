"""Compute pabutools' winners on every election in shared/data/pb and write
tests/data/pb_reference.json, the yardstick the tests hold models/voting/pb_rules.py to
(tests/test_pb_rules.py, tests/voting/test_pabulib_check.py). Ranked and points ballots are
counted as approval of the projects they list, as `pb tally` counts them.

Usage: .venv/bin/python scripts/pabutools_reference.py [DATA_DIR] [--limit-minutes 40] [--recompute]

Results already in the file are kept (pabutools' add-one completion took 21 minutes on
Mokotów): only the files and rules missing from it are computed, unless --recompute.

The reference is computed by pabutools itself (its own Pabulib parser, its own rules), not by
our code, so the comparison is between two independent implementations. Ties are broken the
way models/pb_rules.py documents: lower cost first, then more approvals, then the project id
compared as a string. Each run gets its own process so a run that takes too long (pabutools'
add-one completion is slow on the large Warsaw district) can be stopped and recorded as not
computed instead of holding up the rest.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "pb"
OUTPUT = ROOT / "tests" / "data" / "pb_reference.json"
RULES = ("greedy", "equal-shares", "equal-shares-add1")


def pabutools_winners(path: str, rule: str) -> list[str]:
    """The project ids pabutools selects on one file under one rule, sorted as strings."""
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, parse_pabulib
    from pabutools.rules import completion_by_rule_combination, greedy_utilitarian_welfare, method_of_equal_shares
    from pabutools.tiebreaking import TieBreakingRule

    instance, profile = parse_pabulib(path)
    if not isinstance(profile, ApprovalProfile):
        profile = ApprovalProfile([ApprovalBallot(ballot) for ballot in profile], instance=instance)
    approvals = {project: profile.approval_score(project) for project in instance}
    ties = TieBreakingRule(lambda inst, prof, p: (p.cost, -approvals[p], p.name))
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat, tie_breaking=ties)
    elif rule == "equal-shares":
        outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, tie_breaking=ties)
    else:
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [
                {"sat_class": Cost_Sat, "tie_breaking": ties, "voter_budget_increment": 1},
                {"sat_class": Cost_Sat, "tie_breaking": ties},
            ],
        )
    return sorted(project.name for project in outcome)


def _run(path: str, rule: str, results: multiprocessing.Queue) -> None:
    results.put(pabutools_winners(path, rule))


def timed_winners(path: Path, rule: str, limit_seconds: float) -> dict:
    """pabutools' winners and the seconds taken, or why they were not computed."""
    results: multiprocessing.Queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=_run, args=(str(path), rule, results))
    started = time.perf_counter()
    process.start()
    process.join(limit_seconds)
    seconds = round(time.perf_counter() - started, 1)
    if process.is_alive():
        process.terminate()
        process.join()
        return {"selected": None, "not_computed": f"pabutools did not finish within {limit_seconds / 60:.0f} minutes"}
    if process.exitcode != 0 or results.empty():
        return {"selected": None, "not_computed": f"pabutools failed (exit code {process.exitcode})"}
    return {"selected": results.get(), "seconds": seconds}


def vote_type(path: Path) -> str | None:
    with open(path, encoding="utf-8-sig") as handle:
        for line in handle:
            if line.strip().lower() == "projects":
                return None
            key, _, value = line.strip().partition(";")
            if key == "vote_type":
                return value.strip()
    return None


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit-minutes", type=float, default=40)
    parser.add_argument("--recompute", action="store_true", help="compute every file and rule again")
    args = parser.parse_args(argv)

    files = sorted((path for path in args.data.glob("*.pb") if vote_type(path)), key=lambda path: path.stat().st_size)
    reference: dict = {
        "pabutools": version("pabutools"),
        "satisfaction": "Cost_Sat",
        "tie_breaking": "lower cost, then more approvals, then project id compared as a string",
        "ballots": "approval of the projects each vote lists, whatever the vote type",
        "instances": {},
    }
    if OUTPUT.exists() and not args.recompute:
        kept = json.loads(OUTPUT.read_text())
        if kept.get("pabutools") != reference["pabutools"]:
            raise SystemExit(f"{OUTPUT} is for pabutools {kept.get('pabutools')}: run with --recompute")
        reference["instances"] = kept["instances"]
    for path in files:
        reference["instances"].setdefault(path.name, {})
        for rule in RULES:
            if rule in reference["instances"][path.name] and reference["instances"][path.name][rule]["selected"] is not None:
                continue
            result = timed_winners(path, rule, args.limit_minutes * 60)
            reference["instances"][path.name][rule] = result
            print(f"{path.name:<70} {rule:<18} {result.get('seconds', result.get('not_computed'))}", flush=True)
            # written after every run so a long run in progress never loses the finished ones
            OUTPUT.parent.mkdir(exist_ok=True)
            OUTPUT.write_text(json.dumps(reference, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
