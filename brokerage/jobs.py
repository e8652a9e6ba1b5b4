"""One way to enqueue: a small Flask extension around RQ.

Jobs declare their queue and timeout where they are defined (workers/registry.py);
views and the CLI call `rq.enqueue(job_function, *ids)`.
"""

from __future__ import annotations

from typing import Any, Callable

from flask import Flask, current_app
from redis import Redis
from rq import Queue
from rq.job import Job

from workers.registry import job_options

QUEUES = ("high", "default", "emails", "low")


class RQ:
    def __init__(self, app: Flask | None = None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.extensions["rq"] = {"connection": None}

    @property
    def connection(self) -> Redis:
        state = current_app.extensions["rq"]
        if state["connection"] is None:
            state["connection"] = Redis.from_url(current_app.config["REDIS_URL"])
        return state["connection"]

    def queue(self, name: str = "default") -> Queue:
        return Queue(name, connection=self.connection, is_async=current_app.config["RQ_ASYNC"])

    def enqueue(self, func: Callable[..., Any], *args: Any, job_id: str | None = None, **kwargs: Any) -> Job:
        options = job_options(func)
        return self.queue(options.queue).enqueue(
            func,
            *args,
            job_id=job_id,
            job_timeout=options.timeout,
            retry=options.retry,
            **kwargs,
        )

    def try_enqueue(self, func: Callable[..., Any], *args: Any) -> Job | None:
        """Enqueue work whose loss a later run makes good (the nightly matching), so a
        Redis blip after the change committed does not turn the page into an error."""
        try:
            return self.enqueue(func, *args)
        except Exception:  # noqa: BLE001 - the change is saved; the periodic job catches up
            current_app.logger.exception("Could not enqueue %s%r", func.__name__, args)
            return None
