"""The worker's settings: checked when the app starts (WORKER_*, HEALTH_*), and
PERIODIC_SCHEDULE checked before `flask worker` starts anything."""

from __future__ import annotations

import pytest

from brokerage.config import from_environment
from workers.schedule import effective_jobs, parse_schedule


def test_the_defaults_and_numbers_from_the_environment(tmp_path):
    defaults = from_environment({"APP_ENV": "test"}, str(tmp_path))
    assert (
        defaults["WORKER_HEARTBEAT_SECONDS"],
        defaults["WORKER_BACKOFF_SECONDS"],
        defaults["WORKER_BACKOFF_MAX_SECONDS"],
        defaults["WORKER_MAX_RESTARTS"],
        defaults["HEALTH_WORKER_MAX_AGE"],
        defaults["HEALTH_CRON_MAX_AGE"],
    ) == (30, 1, 60, 5, 300, 300)
    short = from_environment({"APP_ENV": "test", "WORKER_BACKOFF_SECONDS": "0.2", "WORKER_MAX_RESTARTS": "0"}, str(tmp_path))
    assert (short["WORKER_BACKOFF_SECONDS"], short["WORKER_MAX_RESTARTS"]) == (0.2, 0)


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("WORKER_HEARTBEAT_SECONDS", "0", "WORKER_HEARTBEAT_SECONDS must be more than 0 seconds"),
        ("WORKER_BACKOFF_MAX_SECONDS", "a minute", "WORKER_BACKOFF_MAX_SECONDS must be a number of seconds"),
        ("WORKER_MAX_RESTARTS", "-1", "WORKER_MAX_RESTARTS must be 0 or more"),
        ("HEALTH_CRON_MAX_AGE", "-5", "HEALTH_CRON_MAX_AGE must be more than 0 seconds"),
    ],
)
def test_a_setting_that_makes_no_sense_stops_the_app_starting(tmp_path, name, value, message):
    with pytest.raises(ValueError, match=message):
        from_environment({"APP_ENV": "test", name: value}, str(tmp_path))


def test_periodic_schedule_gives_jobs_other_times():
    jobs = {job.name: job.cron for job in effective_jobs("match_all_commitments=0 1 * * *; close_due_rounds = */2 * * * *")}
    assert jobs["match_all_commitments"] == "0 1 * * *"
    assert jobs["close_due_rounds"] == "*/2 * * * *"
    assert jobs["expire_needs"] == "5 * * * *"  # the others keep theirs
    assert parse_schedule("") == {}


@pytest.mark.parametrize(
    "schedule, message",
    [
        ("send_everything=* * * * *", "'send_everything' is not a periodic job"),
        ("expire_needs=every hour", "'every hour' for expire_needs is not a crontab time"),
        ("expire_needs", "'expire_needs' is not a job and a time"),
    ],
)
def test_flask_worker_refuses_a_schedule_it_cannot_read_before_starting_anything(app, runner, schedule, message):
    app.config["PERIODIC_SCHEDULE"] = schedule
    with app.app_context():
        result = runner.invoke(args=["worker"])
    assert result.exit_code == 1
    assert message in result.output
