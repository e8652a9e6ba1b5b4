"""`flask worker` supervises the processes it starts (the RQ worker, which runs RQ's
scheduler, and the cron process) and restarts one that dies.

- A process that dies is started again after a back-off: WORKER_BACKOFF_SECONDS the
  first time, doubling each time to at most WORKER_BACKOFF_MAX_SECONDS. One that stays up
  that long counts as started: its back-off and count begin again.
- If Redis cannot be reached when a process dies, the death is Redis's fault, not the
  process's: it is not counted, and the process is started again as soon as Redis
  answers (asked at the same back-off). A Redis outage of any length is survived.
- A process that dies more than WORKER_MAX_RESTARTS times in a row, each time soon after
  starting and with Redis reachable, cannot be restarted: the worker stops the others and
  exits with status 1, so that the platform's supervisor (systemd, the Procfile's
  platform, Kubernetes) restarts the whole worker, or tells someone.
- Each process dies with the worker (Linux: PR_SET_PDEATHSIG; elsewhere it watches its
  parent), so a worker killed with `kill -9` leaves no cron or scheduler running on its
  own beside the one its replacement starts.

SIGTERM or SIGINT stops the worker: each process is asked to stop (the RQ worker finishes
its job first); a second signal is passed on (RQ then stops at once)."""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from typing import Callable

log = logging.getLogger("brokerage.worker")

PR_SET_PDEATHSIG = 1
GIVE_UP_WAIT_SECONDS = 30  # giving up: how long the others get to stop before SIGKILL


def die_with_parent(parent_pid: int, sig: int = signal.SIGTERM) -> None:
    """Ask the kernel to send this process `sig` when its parent dies (Linux), or watch
    the parent from a thread (elsewhere). If the parent is already gone, go now."""
    watched = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            watched = libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
        except (OSError, AttributeError):
            watched = False
    if not watched:

        def watch() -> None:
            while os.getppid() == parent_pid:
                time.sleep(1)
            os.kill(os.getpid(), sig)

        threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), sig)


@dataclass(frozen=True)
class ChildSpec:
    name: str
    target: Callable[[], None]  # runs in the forked process; returning means it stopped


@dataclass
class _Child:
    spec: ChildSpec
    backoff: float
    process: BaseProcess | None = None
    started_at: float = 0.0
    stable: bool = False
    failures: int = 0  # deaths in a row, each soon after starting, with Redis reachable
    restart_at: float | None = None
    waiting_for_redis: bool = False
    redis_wait: float = 0.0
    starts: int = field(default=0)


def _run_child(spec: ChildSpec, parent_pid: int) -> None:
    # The supervisor's handlers must not run here: the child installs its own.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    die_with_parent(parent_pid)
    spec.target()


class Supervisor:
    def __init__(
        self,
        specs: list[ChildSpec],
        redis_reachable: Callable[[], bool],
        backoff: float = 1.0,
        backoff_max: float = 60.0,
        max_restarts: int = 5,
    ):
        self.children = [_Child(spec, backoff) for spec in specs]
        self.redis_reachable = redis_reachable
        self.backoff = backoff
        self.backoff_max = max(backoff_max, backoff)
        self.max_restarts = max_restarts
        self.exit_code = 0
        self._stopping = False
        self._context = multiprocessing.get_context("fork")

    # ------------------------------------------------------------ the loop

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for child in self.children:
                self._start(child)
            while not self._stopping:
                self._check(time.monotonic())
                if self._stopping:
                    break
                sentinels = [child.process.sentinel for child in self.children if child.process is not None]
                wait(sentinels, timeout=self._sleep(time.monotonic()))
        finally:
            self._stop_all(GIVE_UP_WAIT_SECONDS if self.exit_code else None)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return self.exit_code

    def _on_signal(self, signum, _frame) -> None:
        if self._stopping:  # a second signal: pass it on
            for child in self.children:
                if child.process is not None and child.process.pid and child.process.exitcode is None:
                    try:
                        os.kill(child.process.pid, signum)
                    except ProcessLookupError:
                        pass
            return
        log.info("Worker: stopping (%s)", signal.Signals(signum).name)
        self._stopping = True

    def _sleep(self, now: float) -> float:
        moments = [now + 1.0]
        for child in self.children:
            if child.restart_at is not None:
                moments.append(child.restart_at)
            elif child.process is not None and not child.stable:
                moments.append(child.started_at + self.backoff_max)
        return max(0.05, min(moments) - now)

    def _check(self, now: float) -> None:
        for child in self.children:
            process = child.process
            if process is not None and process.is_alive():
                if not child.stable and now - child.started_at >= self.backoff_max:
                    child.stable, child.failures, child.backoff = True, 0, self.backoff
                continue
            if process is not None:
                self._died(child, now)
                if self._stopping:
                    return
            elif child.restart_at is not None and now >= child.restart_at:
                if child.waiting_for_redis:
                    if not self.redis_reachable():
                        child.redis_wait = min(child.redis_wait * 2, self.backoff_max)
                        child.restart_at = now + child.redis_wait
                        continue
                    log.info("Worker: Redis answers again; starting %s", child.spec.name)
                    child.waiting_for_redis = False
                self._start(child)

    def _died(self, child: _Child, now: float) -> None:
        process = child.process
        assert process is not None
        code = process.exitcode
        lived = now - child.started_at
        child.process = None
        how = f"was killed by {signal.Signals(-code).name}" if code is not None and code < 0 else f"exited with status {code}"
        if lived >= self.backoff_max:
            child.failures, child.backoff = 0, self.backoff
        if not self.redis_reachable():
            child.waiting_for_redis = True
            child.redis_wait = self.backoff
            child.restart_at = now + child.redis_wait
            log.warning("Worker: %s (pid %s) %s; Redis cannot be reached: starting it again once Redis answers", child.spec.name, process.pid, how)
            return
        child.failures += 1
        if child.failures > self.max_restarts:
            log.error(
                "Worker: %s (pid %s) %s, %s times in a row soon after starting: it cannot be restarted; stopping the worker",
                child.spec.name,
                process.pid,
                how,
                child.failures,
            )
            self.exit_code = 1
            self._stopping = True
            return
        child.restart_at = now + child.backoff
        log.warning("Worker: %s (pid %s) %s; starting it again in %.1f s", child.spec.name, process.pid, how, child.backoff)
        child.backoff = min(child.backoff * 2, self.backoff_max)

    def _start(self, child: _Child) -> None:
        process = self._context.Process(target=_run_child, args=(child.spec, os.getpid()), name=child.spec.name)
        process.start()
        child.process, child.started_at, child.stable, child.restart_at = process, time.monotonic(), False, None
        child.starts += 1
        log.info("Worker: %s started (pid %s)", child.spec.name, process.pid)

    def _stop_all(self, timeout: float | None) -> None:
        running = [child.process for child in self.children if child.process is not None and child.process.exitcode is None]
        for process in running:
            try:
                os.kill(process.pid, signal.SIGTERM)  # type: ignore[arg-type]
            except ProcessLookupError:
                pass
        deadline = None if timeout is None else time.monotonic() + timeout
        for process in running:
            process.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if process.exitcode is None:
                process.kill()
                process.join(5)
