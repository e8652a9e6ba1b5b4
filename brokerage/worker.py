"""RQ workers that run each job inside the application context, and the processes
`flask worker` starts and supervises (brokerage/supervisor.py): the RQ worker (which runs
RQ's scheduler for retries and delayed jobs) and the cron process (workers/cron.py).

What RQ leaves to us, done here:
- RQ's scheduler is started again within WORKER_HEARTBEAT_SECONDS when it has died (RQ
  itself only tries at its 10-minute maintenance run);
- a scheduler lock still held by a scheduler that is no longer running (killed with
  `kill -9` on this machine, or silent for SCHEDULER_STALE_SECONDS) is taken over at once,
  rather than when it expires and the next maintenance run comes round;
- every heartbeat is recorded for /readyz (workers/heartbeats.py), and the worker is put
  back in RQ's registry of workers if Redis restarted empty;
- RQ's reconnect back-off is capped at WORKER_BACKOFF_MAX_SECONDS (RQ: 60 s)."""

from __future__ import annotations

import logging
import math
import os
import socket
import sys
import time
from typing import Any

from flask import Flask
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import SimpleWorker, Worker, worker_registration
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler
from rq.scripts import release_lock
from rq.utils import decode_redis_hash, now, utcparse

from brokerage.supervisor import die_with_parent
from models import db
from workers.heartbeats import record_worker_heartbeat

log = logging.getLogger("brokerage.worker")

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)
# RQ's scheduler writes a heartbeat every second; one silent this long has stopped.
SCHEDULER_STALE_SECONDS = 30


class AppScheduler(RQScheduler):
    """RQ's scheduler, dying with the worker that started it, and taking over the locks
    of a scheduler that is no longer running."""

    _parent_pid = 0

    def start(self):
        self._parent_pid = os.getpid()
        return super().start()

    def work(self):  # in the scheduler's own process
        if self._parent_pid:
            die_with_parent(self._parent_pid)
        super().work()

    def acquire_locks(self, auto_start: bool = False):
        self.release_dead_owners_locks()
        return super().acquire_locks(auto_start=auto_start)

    def release_dead_owners_locks(self) -> None:
        for name in self._queue_names:
            key = self.get_locking_key(name)
            owner = self.connection.get(key)
            if owner is None:
                continue
            owner = owner.decode() if isinstance(owner, bytes) else str(owner)
            if owner != self.name and self._is_dead(owner) and release_lock(self.connection, key, owner):
                self.log.info("Scheduler %s: took over the lock for %s from scheduler %s, which has stopped", self.name, name, owner)

    def _is_dead(self, owner: str) -> bool:
        raw = self.connection.hgetall(SCHEDULER_KEY_TEMPLATE % owner)
        if not raw:
            return False  # not registered yet: its lock expires by itself if it never will be
        data = decode_redis_hash(raw, decode_values=True)
        pid = int(data.get("pid") or 0)
        if pid and data.get("hostname") == socket.gethostname() and pid != os.getpid():
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True  # on this machine, and gone
            except PermissionError:
                pass
        if not data.get("last_heartbeat"):
            return False
        return (now() - utcparse(data["last_heartbeat"])).total_seconds() > SCHEDULER_STALE_SECONDS


class AppContextMixin:
    app: Flask
    heartbeat_interval: float = 30.0
    _burst = False
    _next_scheduler_check = 0.0

    def perform_job(self, job, queue, *args: Any, **kwargs: Any) -> bool:
        with self.app.app_context():
            # A forked work horse must not reuse the parent's database connections.
            db.engine.dispose(close=False)
            try:
                return super().perform_job(job, queue, *args, **kwargs)  # type: ignore[misc]
            finally:
                db.session.remove()

    def work(self, burst: bool = False, *args: Any, **kwargs: Any) -> bool:
        self._burst = burst
        return super().work(burst, *args, **kwargs)  # type: ignore[misc]

    def heartbeat(self, timeout: int | None = None, pipeline=None) -> None:
        super().heartbeat(timeout, pipeline)  # type: ignore[misc]
        if pipeline is not None:  # during a job: RQ executes the pipeline
            record_worker_heartbeat(pipeline, self.name)  # type: ignore[attr-defined]
            return
        with self.connection.pipeline() as ours:  # type: ignore[attr-defined]
            record_worker_heartbeat(ours, self.name)  # type: ignore[attr-defined]
            if not self.is_horse and self.birth_date is not None:  # type: ignore[attr-defined]
                # Back in RQ's registry of workers if Redis restarted empty.
                ours.hset(self.key, mapping=self.serialize())  # type: ignore[attr-defined]
                worker_registration.register(self, ours)  # type: ignore[arg-type]
            ours.execute()
        self.keep_scheduler_running()

    def _start_scheduler(self, burst: bool = False, logging_level=None, date_format=None, log_format=None, **_kw):
        # As RQ's, with our scheduler.
        options = {"date_format": date_format} if date_format else {}
        if log_format:
            options["log_format"] = log_format
        self.scheduler = AppScheduler(  # type: ignore[attr-defined]
            self.queues,  # type: ignore[attr-defined]
            connection=self.connection,  # type: ignore[attr-defined]
            logging_level=logging_level if logging_level is not None else self.log.level,  # type: ignore[attr-defined]
            serializer=self.serializer,  # type: ignore[attr-defined]
            **options,
        )
        self.scheduler.acquire_locks()
        if self.scheduler.acquired_locks:
            if burst:
                try:
                    self.scheduler.register_birth()
                    self.scheduler.enqueue_scheduled_jobs()
                finally:
                    self.scheduler.release_locks()
                    self.scheduler.register_death()
            else:
                self.scheduler.start()

    def keep_scheduler_running(self) -> None:
        """Start RQ's scheduler again if it has died (or take over from one that has),
        at most once a heartbeat. Only one worker's scheduler runs at a time (RQ's locks):
        the others keep asking, so one of them takes over when it stops."""
        scheduler = getattr(self, "scheduler", None)
        if self._burst or scheduler is None or self.is_horse:  # type: ignore[attr-defined]
            return
        moment = time.monotonic()
        if moment < self._next_scheduler_check:
            return
        self._next_scheduler_check = moment + self.heartbeat_interval
        process = scheduler._process
        if process is not None and process.is_alive():
            return
        try:
            scheduler.acquire_locks(auto_start=True)
        except REDIS_DOWN as error:
            log.warning("Worker %s: cannot start RQ's scheduler while Redis is unreachable (%s)", self.name, type(error).__name__)  # type: ignore[attr-defined]
            return
        if scheduler._process is not None and scheduler._process is not process and scheduler._process.is_alive():
            log.warning("Worker %s: RQ's scheduler was not running; started it again (pid %s)", self.name, scheduler._process.pid)  # type: ignore[attr-defined]


class AppWorker(AppContextMixin, Worker):
    """Forks a work horse per job (production)."""


class AppSimpleWorker(AppContextMixin, SimpleWorker):
    """Runs jobs in this process (tests, `flask worker --burst --simple`)."""


def make_worker(app: Flask, queues, connection, simple: bool = False) -> Worker:
    heartbeat = float(app.config.get("WORKER_HEARTBEAT_SECONDS") or 30)
    worker_class = AppSimpleWorker if simple else AppWorker
    # RQ waits for a job (and so heartbeats, while idle) every worker_ttl - 15 seconds.
    worker = worker_class(queues, connection=connection, worker_ttl=max(1, math.ceil(heartbeat)) + 15)
    worker.app = app
    worker.heartbeat_interval = heartbeat
    worker.max_connection_wait_time = float(app.config.get("WORKER_BACKOFF_MAX_SECONDS") or 60)
    return worker


# ---------------------------------------------------------------- the supervised processes


def run_rq_worker(app: Flask, queues: list[str], simple: bool) -> None:
    """The RQ worker's process: its own connections, RQ's scheduler beside it."""
    with app.app_context():
        db.engine.dispose(close=False)
        app.extensions["rq"]["connection"] = None  # its own connection, not the parent's
        connection = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=5)
        worker = make_worker(app, queues, connection, simple=simple)
        try:
            worker.work(with_scheduler=True)
        finally:
            scheduler = worker.scheduler
            if scheduler is not None and scheduler._process is not None and scheduler._process.is_alive():
                scheduler._process.terminate()
                scheduler._process.join(10)
        if worker._shutdown_requested_date is None:
            # RQ's loop ended by itself (Redis timed out, an unexpected error): say so.
            log.error("Worker %s: the RQ worker stopped by itself", worker.name)
            sys.exit(1)


def run_cron(app: Flask) -> None:
    """The cron process: it only enqueues the periodic jobs (workers/schedule.py)."""
    from workers.cron import OncePerScheduleCronScheduler
    from workers.schedule import register_periodic_jobs

    with app.app_context():
        connection = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=5, socket_timeout=30)
        scheduler = OncePerScheduleCronScheduler(connection=connection)
        register_periodic_jobs(scheduler, app.config.get("PERIODIC_SCHEDULE"))
        scheduler.start()


def redis_answers(url: str) -> bool:
    """Whether Redis answers a PING now (one try, short timeouts)."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    client = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2, retry=Retry(NoBackoff(), 0))
    try:
        return bool(client.ping())
    except REDIS_DOWN:
        return False
    except Exception:  # noqa: BLE001 - any other failure: not answering either
        return False
    finally:
        client.close()
