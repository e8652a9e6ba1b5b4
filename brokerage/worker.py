"""RQ workers that run each job inside the application context."""

from __future__ import annotations

from typing import Any

from flask import Flask
from rq import SimpleWorker, Worker

from models import db


class AppContextMixin:
    app: Flask

    def perform_job(self, job, queue, *args: Any, **kwargs: Any) -> bool:
        with self.app.app_context():
            # A forked work horse must not reuse the parent's database connections.
            db.engine.dispose(close=False)
            try:
                return super().perform_job(job, queue, *args, **kwargs)  # type: ignore[misc]
            finally:
                db.session.remove()


class AppWorker(AppContextMixin, Worker):
    """Forks a work horse per job (production)."""


class AppSimpleWorker(AppContextMixin, SimpleWorker):
    """Runs jobs in this process (tests, `flask worker --burst --simple`)."""


def make_worker(app: Flask, queues, connection, simple: bool = False) -> Worker:
    worker_class = AppSimpleWorker if simple else AppWorker
    worker = worker_class(queues, connection=connection)
    worker.app = app
    return worker
