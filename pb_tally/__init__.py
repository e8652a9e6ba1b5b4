"""`pb-tally FILE --rule greedy|equal-shares|equal-shares-add1`: count a Pabulib .pb file and
print the selected project ids, one a line, exactly as `flask pb tally` does (both call
`tally_file`). Errors are printed as `Error: line N: ...` with exit code 1, as click does.

Counting a file needs no app: this imports the parser and the rules and nothing else of the
project. Those two modules are pure (models/voting/pabulib.py and pb_rules.py import neither
Flask nor the session; tests/test_import_contract.py holds them to it), but importing them as
`models.voting...` would first run models/__init__.py, which builds the database session and
imports Flask and SQLAlchemy: more time than the count takes on the largest files we have.
So when the app is not loaded they are loaded from their files, under their own names; when it
is (inside `flask pb tally`), the modules already imported are used.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import os
import sys
from operator import attrgetter
from types import ModuleType

RULES = ("greedy", "equal-shares", "equal-shares-add1")


def _pure(name: str) -> ModuleType:
    """models.voting.<name>, without running models/__init__.py unless it has run already."""
    fullname = f"models.voting.{name}"
    if fullname in sys.modules or "models" in sys.modules:
        return importlib.import_module(fullname)
    package = importlib.util.find_spec("models")  # finds the package without importing it
    if package is None or not package.submodule_search_locations:
        raise ImportError("the models package is not installed")
    path = os.path.join(list(package.submodule_search_locations)[0], "voting", f"{name}.py")
    spec = importlib.util.spec_from_file_location(fullname, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[fullname] = module  # dataclasses look their module up while it runs
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[fullname]
        raise
    return module


class TallyError(Exception):
    """What to tell whoever asked for the count: the file cannot be read, or is malformed."""


def tally_file(path: str | os.PathLike, rule: str) -> list[str]:
    """The ids of the projects `rule` selects in the .pb file at `path`, sorted as text.

    Ranked and points ballots are counted as the set of projects they list. Amounts are exact
    (a cost of 12500.50 is counted as written) and the add-one rule raises each voter's share
    by one unit of the file's currency, as pabutools does."""
    pabulib = _pure("pabulib")
    if rule not in RULES:
        raise TallyError(f"Unknown rule {rule!r}: expected one of {', '.join(RULES)}.")
    try:
        if os.path.getsize(path) > pabulib.MAX_PB_BYTES:
            raise TallyError(f"The file is too large: Pabulib files must be {pabulib.MAX_PB_BYTES // (1024 * 1024)} MB or smaller.")
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise TallyError(f"Cannot read {os.fspath(path)!r}: {error.strerror or error}.") from None
    try:
        election = pabulib.parse_pb(data)
    except pabulib.PabulibError as error:
        raise TallyError(str(error)) from None
    rules = _pure("pb_rules")
    # The parser has checked that no vote lists a project twice: the lists are the ballots.
    ballots = list(map(attrgetter("projects"), election.votes))
    outcome = rules.tally(rule, election.budget, election.costs(), ballots)
    return sorted(outcome.selected)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="pb-tally",
        description="Count a Pabulib .pb file under a rule and print the selected project ids, one a line.",
    )
    parser.add_argument("file", metavar="FILE", help="a Pabulib .pb file")
    parser.add_argument("--rule", required=True, choices=RULES)
    args = parser.parse_args(argv)
    # A short-lived process whose objects (a city's hundreds of thousands of ballot entries)
    # hold no cycles: the cyclic garbage collector would only walk them, again and again.
    gc.disable()
    # The rules use numpy but no linear algebra: OpenBLAS need not start a thread per core when
    # numpy loads it (a quarter of numpy's import time). Set before the rules import numpy.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        selected = tally_file(args.file, args.rule)
    except TallyError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    sys.stdout.write("".join(f"{project_id}\n" for project_id in selected))
    return 0
