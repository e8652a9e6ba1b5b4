"""Long jobs a person starts and watches: the Task row and its audit event come from one
rule (models/core/tasks.py), the job is started by one helper (brokerage/tasks.py), and
every kind of task has the same status page (templates/components/task.html) in its own
words: waiting, finished, failed."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from models import Event, Role, Task, User, db
from models.core.tasks import create_task, finish_task
from tests.factories import login, post_form


@pytest.fixture
def officer(make_user) -> int:
    return make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)


def test_create_task_records_who_started_it(app, officer):
    with app.app_context():
        task = create_task("ocds_import", "Contracts from cf.json", db.session.get(User, officer), detail={"file": "cf.json"})
        db.session.commit()
        again = create_task("impact_report", "Report", db.session.get(User, officer), action="requested")
        db.session.commit()
        assert (task.status, task.progress, task.user_id, task.finished) == ("queued", 0, officer, False)
        assert len(task.id) == 32 and task.id != again.id
        events = db.session.scalars(select(Event).where(Event.subject_type == "tasks").order_by(Event.id)).all()
        assert [(e.action, e.subject_id, e.actor_id, e.to_state, e.detail) for e in events] == [
            ("ocds_import.started", task.id, officer, "queued", {"file": "cf.json"}),
            ("impact_report.requested", again.id, officer, "queued", None),
        ]
        finish_task(task, error="The file is not JSON")
        assert (task.status, task.progress, task.finished, task.error) == ("failed", 100, True, "The file is not JSON")
        assert task.finished_at is not None


def test_starting_an_import_creates_the_task_and_queues_its_job_under_the_tasks_id(app, client, officer):
    from brokerage.extensions import rq

    login(client, "officer@example.org")
    response = post_form(
        client, "/officers/contracts/import", {"file": (io.BytesIO(b'{"releases": []}'), "cf.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        task = db.session.scalar(select(Task))
        assert response.headers["Location"].endswith(f"/officers/contracts/import/{task.id}")
        # The upload starts the preview: nothing is imported until the officer confirms it.
        assert (task.name, task.description, task.status) == ("ocds_preview", "Contracts in cf.json", "queued")
        [job] = rq.queue("low").jobs
        assert job.id == task.id and job.func_name == "workers.contracts.preview_ocds_file"
        assert job.args[0] == task.id


KINDS = {
    # url, task name, result, words when finished, words when waiting, words when it failed
    "wards": (
        "/admin/tasks/{id}", "wards_import",
        {"created": 3, "updated": 1, "skipped": 2, "reasons": {"no boundary": 2}},
        ["Import finished", "3 created, 1 updated, 2 skipped", "Skipped rows", "no boundary: 2", "Back to wards and postcodes"],
        ["The import is queued.", "Waiting to start.", "Check progress"],
        ["The import failed", "Nothing was changed."],
    ),
    "contracts": (
        "/officers/contracts/import/{id}", "ocds_import",
        {"created": 2, "updated": 0, "unchanged": 1, "skipped": 1, "suppliers_created": 1,
         "reasons": {"value is negative": 1}, "skipped_items": [{"where": "release 7", "reason": "value is negative"}]},
        ["Import finished", "2 created, 0 updated, 1 skipped", "1 contract already up to date",
         "1 new supplier, added as not verified: ", "check their details and verify them", "Why some were skipped",
         "Each skipped release or award", "release 7", "See the contracts", "Back to contracts"],
        ["The import is queued.", "Waiting to start.", "Check progress"],
        ["The import failed", "Nothing was changed.", "Try another file"],
    ),
    "round": (
        "/officers/rounds/import/{id}", "round_import",
        {"round_id": 41, "options": 1200, "ballots": 15000},
        ["Import finished", "1,200 options and 15,000 ballots", "Go to the round", "/officers/rounds/41", "All rounds"],
        ["The import is queued.", "Waiting to start.", "Check progress"],
        ["The import failed", "Nothing was saved."],
    ),
    "report": (
        "/officers/report/pdf/{id}", "impact_report",
        {"file": "x.pdf", "pages": 12, "download_name": "social-value-impact-report-2026-27.pdf"},
        ["The PDF is ready", "12 pages", "Download social-value-impact-report-2026-27.pdf", "Back to the dashboard"],
        ["The PDF is being produced.", "Waiting to start.", "Check progress"],
        ["The PDF could not be produced"],
    ),
}


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_task_has_the_same_page_in_its_own_words(app, client, make_user, officer, kind):
    url, name, result, finished_words, waiting_words, failed_words = KINDS[kind]
    make_user("admin@example.org", "Ada Admin", role=Role.ADMIN)
    login(client, "admin@example.org" if kind == "wards" else "officer@example.org")
    with app.app_context():
        task = create_task(name, f"A {kind} task", db.session.get(User, officer))
        db.session.commit()
        task_id = task.id

    page = client.get(url.format(id=task_id)).get_data(as_text=True)
    # No meta refresh (axe `meta-refresh`): a progress bar the page's script updates from
    # the status route, a live region, and a button to check by hand.
    assert f"A {kind} task" in page and 'http-equiv="refresh"' not in page
    assert f'data-status-url="{url.format(id=task_id)}/status"' in page and 'aria-live="polite"' in page
    assert '<progress class="app-task-progress" id="task-progress" max="100" value="0">' in page
    for words in waiting_words:
        assert words in page

    with app.app_context():
        finish_task(db.session.get(Task, task_id), result=result)
        db.session.commit()
    page = client.get(url.format(id=task_id)).get_data(as_text=True)
    assert "Check progress" not in page and "data-status-url" not in page
    for words in finished_words:
        assert words in page, words

    with app.app_context():
        finish_task(db.session.get(Task, task_id), error="Line 3 is not valid")
        db.session.commit()
    page = client.get(url.format(id=task_id)).get_data(as_text=True)
    assert "Line 3 is not valid" in page
    for words in failed_words:
        assert words in page, words
    assert finished_words[0] not in page


@pytest.mark.parametrize("url", ["/officers/contracts/import/{id}", "/officers/rounds/import/{id}", "/officers/report/pdf/{id}"])
def test_a_task_page_shows_only_its_own_kind_of_task(app, client, officer, url):
    login(client, "officer@example.org")
    with app.app_context():
        task = create_task("wards_import", "Wards", db.session.get(User, officer))
        db.session.commit()
        task_id = task.id
    assert client.get(url.format(id=task_id)).status_code == 404
    assert client.get(url.format(id="not-a-task")).status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_task_says_its_progress_as_json(app, client, make_user, officer, kind):
    url, name, result, *_ = KINDS[kind]
    make_user("admin@example.org", "Ada Admin", role=Role.ADMIN)
    login(client, "admin@example.org" if kind == "wards" else "officer@example.org")
    with app.app_context():
        task = create_task(name, f"A {kind} task", db.session.get(User, officer))
        task.status, task.progress = "running", 40
        db.session.commit()
        task_id = task.id
    page_url = url.format(id=task_id)
    response = client.get(page_url + "/status")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {"id": task_id, "status": "running", "progress": 40, "finished": False,
                                   "message": "40% done.", "url": page_url}
    with app.app_context():
        finish_task(db.session.get(Task, task_id), result=result)
        db.session.commit()
    assert client.get(page_url + "/status").get_json() == {
        "id": task_id, "status": "finished", "progress": 100, "finished": True, "message": "Finished.", "url": page_url}


@pytest.mark.parametrize("kind", KINDS)
def test_a_tasks_progress_is_only_for_those_who_may_see_its_page(app, client, make_user, officer, kind):
    url, name, *_ = KINDS[kind]
    make_user("resident@example.org", "Rita Resident")
    with app.app_context():
        task = create_task(name, f"A {kind} task", db.session.get(User, officer))
        db.session.commit()
        status_url = url.format(id=task.id) + "/status"
    signed_out = client.get(status_url)
    assert signed_out.status_code in (302, 401) and b'"progress"' not in signed_out.data
    login(client, "resident@example.org")
    assert client.get(status_url).status_code == 403
    if kind == "wards":  # an officer who is not an administrator may not see the administrator's tasks
        other = app.test_client()
        login(other, "officer@example.org")
        assert other.get(status_url).status_code == 403


@pytest.mark.parametrize("url", ["/officers/contracts/import/{id}", "/officers/rounds/import/{id}", "/officers/report/pdf/{id}"])
def test_a_tasks_status_route_answers_only_for_its_own_kind(app, client, officer, url):
    login(client, "officer@example.org")
    with app.app_context():
        task = create_task("wards_import", "Wards", db.session.get(User, officer))
        db.session.commit()
        task_id = task.id
    assert client.get(url.format(id=task_id) + "/status").status_code == 404
    assert client.get(url.format(id="not-a-task") + "/status").status_code == 404
