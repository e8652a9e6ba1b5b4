"""Ward priority rounds: the clock closes rounds at their closing time, and the
count runs as a job (a large round has too many ballots to count in a request).
Which changes need a count is decided by the rules (models/voting/setup.py)."""

from __future__ import annotations

from models import DomainError, Round, db, utcnow
from models.voting.setup import close_round, rounds_due_to_close
from models.voting.count import count_round
from workers.registry import job


@job("low", timeout=1800)
def count_round_votes(round_id: int) -> dict:
    """Count a closed round under every rule; safe to run twice (it recounts)."""
    result = count_round(round_id)
    db.session.commit()
    return result


@job("default", timeout=300)
def close_due_rounds() -> int:
    """Run every minute: close open rounds whose time is up. Closing registers the count
    (models.voting.setup.close_round), which is enqueued as each close commits."""
    closed = 0
    for round_id in rounds_due_to_close(utcnow()):
        try:
            close_round(db.session.get(Round, round_id), None, utcnow())
            db.session.commit()
        except DomainError:  # an officer closed it a moment ago
            db.session.rollback()
            continue
        closed += 1
    return closed


@job("low", timeout=1800)
def import_round_file(task_id: str, path: str, officer_id: int) -> str:
    """Import an uploaded .pb file as a round and count it; the Task row reports how it
    went, and how far it has got as it goes. On the `low` queue: a large election takes minutes."""
    from models import User
    from models.core.tasks import record_progress
    from models.voting.round_pabulib import import_pb_round
    from workers.imports import run_task

    def importer(task, file_path):
        with open(file_path, "rb") as handle:
            data = handle.read()
        record_progress(task.id, 10)
        report = import_pb_round(data, db.session.get(User, officer_id))
        record_progress(task.id, 60)
        count_round(report.round_id)
        record_progress(task.id, 90)
        return report

    return run_task(task_id, path, importer)
