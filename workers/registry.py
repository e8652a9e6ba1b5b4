"""How a job declares its queue, timeout and retries where it is defined."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from rq import Retry


@dataclass(frozen=True)
class JobOptions:
    queue: str = "default"
    timeout: int = 180
    retry: Retry | None = None


def job(queue: str = "default", timeout: int = 180, retries: int = 0, backoff: list[int] | None = None):
    """Mark a function as an RQ job. Jobs take ids, reload rows, and are safe to run twice."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        retry = Retry(max=retries, interval=backoff or [10, 60, 300]) if retries else None
        func.job_options = JobOptions(queue=queue, timeout=timeout, retry=retry)  # type: ignore[attr-defined]
        return func

    return decorate


def job_options(func: Callable[..., Any]) -> JobOptions:
    return getattr(func, "job_options", JobOptions())
