"""Compute pabutools' winners on every approval election in shared/data/pb and write
tests/data/pb_reference.json, the yardstick tests/test_pb_rules.py holds models/pb_rules.py to.

Usage: .venv/bin/python scripts/pabutools_reference.py [DATA_DIR] [--limit-minutes 40]

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
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import completion_by_rule_combination, greedy_utilitarian_welfare, method_of_equal_shares
    from pabutools.tiebreaking import TieBreakingRule

    instance, profile = parse_pabulib(path)
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


def is_approval(path: Path) -> bool:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip().lower() == "projects":
                return False
            key, _, value = line.strip().partition(";")
            if key == "vote_type":
                return value.strip() == "approval"
    return False


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit-minutes", type=float, default=40)
    args = parser.parse_args(argv)

    files = sorted((path for path in args.data.glob("*.pb") if is_approval(path)), key=lambda path: path.stat().st_size)
    reference: dict = {
        "pabutools": version("pabutools"),
        "satisfaction": "Cost_Sat",
        "tie_breaking": "lower cost, then more approvals, then project id compared as a string",
        "instances": {},
    }
    for path in files:
        reference["instances"][path.name] = {}
        for rule in RULES:
            result = timed_winners(path, rule, args.limit_minutes * 60)
            reference["instances"][path.name][rule] = result
            print(f"{path.name:<70} {rule:<18} {result.get('seconds', result.get('not_computed'))}", flush=True)
            # written after every run so a long run in progress never loses the finished ones
            OUTPUT.parent.mkdir(exist_ok=True)
            OUTPUT.write_text(json.dumps(reference, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
