"""`pb-tally` (pb_tally/) against pabutools 1.2.3 on the largest approval election we have,
equal shares, each timed as a whole process started from the shell: interpreter start,
imports, reading the file, counting, printing. That is what someone counting a file waits for
(`flask pb tally` spent 6-17 s building the app before it counted anything).

pabutools runs as bench/pabutools_tally.py: its own parser and rule, our tie-break. The runs
alternate, so both see the same load on the machine, and the median of each is reported with
the speed-up (goal: at least 20 times faster) and whether the winners are the same.
"""

from __future__ import annotations

import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 20
OUR_RUNS = 5
THEIR_RUNS = 3


def pb_data() -> Path:
    """shared/data/pb beside the checkout (or beside a git worktree's parent folder)."""
    for up in ROOT.parents:
        if (up / "shared" / "data" / "pb").is_dir():
            return up / "shared" / "data" / "pb"
    raise FileNotFoundError("no shared/data/pb beside the repository")


def vote_type(path: Path) -> str | None:
    with open(path, encoding="utf-8-sig") as handle:
        for line in handle:
            if line.strip().lower() == "projects":
                return None
            key, _, value = line.strip().partition(";")
            if key == "vote_type":
                return value.strip()
    return None


def largest_approval_file() -> Path:
    approval = [path for path in pb_data().glob("*.pb") if vote_type(path) == "approval"]
    return max(approval, key=lambda path: path.stat().st_size)


def our_command() -> list[str]:
    """The `pb-tally` console script when the one installed beside this Python runs this
    checkout's code, otherwise the same entry point as `python -m pb_tally`."""
    script = Path(sys.executable).parent / "pb-tally"
    if script.exists():
        where = subprocess.run(
            [sys.executable, "-c", "import pb_tally; print(pb_tally.__file__)"], cwd="/", capture_output=True, text=True
        ).stdout.strip()
        if where and Path(where).resolve().is_relative_to(ROOT):
            return [str(script)]
    return [sys.executable, "-m", "pb_tally"]


def shell_run(command: list[str]) -> tuple[float, list[str]]:
    """Seconds the command takes from the shell, and what it printed, line by line."""
    started = time.perf_counter()
    result = subprocess.run(shlex.join(command), shell=True, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{shlex.join(command)} failed ({result.returncode}): {result.stderr.strip()}")
    return seconds, result.stdout.split()


def run() -> None:
    path = largest_approval_file()
    ours = [*our_command(), str(path), "--rule", "equal-shares"]
    theirs = [sys.executable, "-m", "bench.pabutools_tally", str(path), "--rule", "equal-shares"]
    print(f"\npb-tally beside pabutools 1.2.3: equal shares on {path.name}, whole processes from the shell")
    print(f"  ours:      {shlex.join(ours)}")
    print(f"  pabutools: {shlex.join(theirs)}")
    our_times: list[float] = []
    their_times: list[float] = []
    our_winners: list[str] = []
    their_winners: list[str] = []
    for run_number in range(max(OUR_RUNS, THEIR_RUNS)):
        if run_number < OUR_RUNS:
            seconds, our_winners = shell_run(ours)
            our_times.append(seconds)
        if run_number < THEIR_RUNS:
            seconds, their_winners = shell_run(theirs)
            their_times.append(seconds)
    ours_s, theirs_s = statistics.median(our_times), statistics.median(their_times)
    speed_up = theirs_s / ours_s
    same = our_winners == their_winners
    print(f"  pb-tally   median {ours_s * 1000:8.0f} ms over {OUR_RUNS} runs ({', '.join(f'{t * 1000:.0f}' for t in our_times)})")
    print(f"  pabutools  median {theirs_s * 1000:8.0f} ms over {THEIR_RUNS} runs ({', '.join(f'{t * 1000:.0f}' for t in their_times)})")
    print(f"  speed-up   {speed_up:.1f}x ({'meets' if speed_up >= GOAL else 'MISSES'} the goal of {GOAL}x)")
    print(f"  winners    {'the same' if same else 'DIFFERENT'}: {len(our_winners)} projects selected by pb-tally, {len(their_winners)} by pabutools")


if __name__ == "__main__":
    run()
