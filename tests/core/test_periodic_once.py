"""Several workers at once (the Procfile scales them), each running the cron: every
periodic job still runs once per scheduled time (workers/cron.py)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from rq.cron import get_cron_job_ids
from rq.job import Job, JobStatus

from tests.core.worker_processes import RedisServer, WorkerProcess, cron_pids, wait_for

EVERY_SECOND = "close_due_rounds=* * * * * *"


def test_two_workers_run_each_periodic_job_once_per_scheduled_time(app, tmp_path):
    server = RedisServer(tmp_path / "redis")
    server.start()
    first = WorkerProcess(app, server.url, tmp_path / "one", PERIODIC_SCHEDULE=EVERY_SECOND)
    second = WorkerProcess(app, server.url, tmp_path / "two", PERIODIC_SCHEDULE=EVERY_SECOND)
    connection = server.client()
    try:
        both = wait_for(lambda: len(cron_pids(connection)) == 2 and cron_pids(connection), "both workers run their cron")
        since = datetime.fromtimestamp(connection.time()[0]).astimezone()  # Redis's clock, this machine's

        def jobs() -> list[Job]:
            ids = get_cron_job_ids("close_due_rounds", connection)
            return [job for job in Job.fetch_many(ids, connection=connection) if job is not None]

        def times_while_both_ran() -> list[datetime]:
            found = []
            for job in jobs():
                scheduled = job.meta.get("scheduled_for")
                assert scheduled, f"job {job.id} does not say which time it was scheduled for"
                if datetime.fromisoformat(scheduled) > since:
                    found.append(datetime.fromisoformat(scheduled))
            return found

        # Four scheduled times after both cron processes were up, the newest left aside
        # (the other process might still be about to enqueue it, were it going to).
        wait_for(lambda: len(set(times_while_both_ran())) >= 5, "five scheduled times pass with both workers running")
        assert cron_pids(connection) == both, "a cron process died during the test"
        counts = Counter(times_while_both_ran())
        newest = max(counts)
        judged = {moment: count for moment, count in counts.items() if moment != newest}
        assert len(judged) >= 4
        assert set(judged.values()) == {1}, f"enqueued more than once for a time: {sorted(judged.items())}"

        # And each ran (on one worker or the other).
        def finished() -> bool:
            statuses = {job.meta.get("scheduled_for"): job.get_status() for job in jobs()}
            return all(statuses.get(moment.isoformat()) == JobStatus.FINISHED for moment in judged)

        wait_for(finished, "every one of those jobs has run")
    finally:
        connection.close()
        first.stop()
        second.stop()
        server.stop()
