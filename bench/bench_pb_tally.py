"""`pb-tally` (pb_tally/) against pabutools 1.2.3 on the largest approval election we have,
equal shares, each timed as a whole process started from the shell: interpreter start,
imports, reading the file, counting, printing. That is what someone counting a file waits for
(`flask pb tally` spent 6-17 s building the app before it counted anything).

pabutools runs as bench/pabutools_tally.py: its own parser and rule, our tie-break. Each
command runs once untimed first, as anything does after installation (Python compiles the
modules to bytecode once; pip did it for pabutools), with Python's defaults: a
PYTHONDONTWRITEBYTECODE set for the shell is not passed on. The timed runs alternate, so both
see the same load on the machine, and the median of each is reported with
the speed-up (goal: at least 20 times faster) and whether the winners are the same. The CPU
time each process used (user and system) is given too: on a machine shared with other work,
wall-clock times stretch with the load, the short run's most.
"""

from __future__ import annotations

import os
import resource
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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def shell_run(command: list[str]) -> tuple[float, float, list[str]]:
    """Seconds the command takes from the shell, the CPU seconds it used, and what it printed,
    line by line."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    cpu = _children_cpu()
    started = time.perf_counter()
    result = subprocess.run(shlex.join(command), shell=True, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{shlex.join(command)} failed ({result.returncode}): {result.stderr.strip()}")
    return seconds, _children_cpu() - cpu, result.stdout.split()


def run() -> None:
    path = largest_approval_file()
    ours = [*our_command(), str(path), "--rule", "equal-shares"]
    theirs = [sys.executable, "-m", "bench.pabutools_tally", str(path), "--rule", "equal-shares"]
    print(f"\npb-tally beside pabutools 1.2.3: equal shares on {path.name}, whole processes from the shell")
    print(f"  ours:      {shlex.join(ours)}")
    print(f"  pabutools: {shlex.join(theirs)}")
    for command in (ours, theirs):
        shell_run(command)  # untimed: bytecode compiled, the file in the page cache
    times: dict[str, list[float]] = {"ours": [], "theirs": []}
    cpu: dict[str, list[float]] = {"ours": [], "theirs": []}
    winners: dict[str, list[str]] = {}
    for run_number in range(max(OUR_RUNS, THEIR_RUNS)):
        for side, command, runs in (("ours", ours, OUR_RUNS), ("theirs", theirs, THEIR_RUNS)):
            if run_number < runs:
                seconds, cpu_seconds, winners[side] = shell_run(command)
                times[side].append(seconds)
                cpu[side].append(cpu_seconds)
    wall = {side: statistics.median(values) for side, values in times.items()}
    used = {side: statistics.median(values) for side, values in cpu.items()}
    for side, label in (("ours", "pb-tally "), ("theirs", "pabutools")):
        runs = ", ".join(f"{t * 1000:.0f}" for t in times[side])
        print(f"  {label}  median {wall[side] * 1000:7.0f} ms over {len(times[side])} runs ({runs}); CPU {used[side] * 1000:6.0f} ms")
    speed_up = wall["theirs"] / wall["ours"]
    print(
        f"  speed-up   {speed_up:.1f}x ({'meets' if speed_up >= GOAL else 'MISSES'} the goal of {GOAL}x);"
        f" in CPU time {used['theirs'] / used['ours']:.1f}x"
    )
    same = winners["ours"] == winners["theirs"]
    print(f"  winners    {'the same' if same else 'DIFFERENT'}: {len(winners['ours'])} projects selected by pb-tally, {len(winners['theirs'])} by pabutools")


if __name__ == "__main__":
    run()
