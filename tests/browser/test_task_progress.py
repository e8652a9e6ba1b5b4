"""A long task's page shows its progress without reloading: the page's script asks the
task's status route, moves the progress bar, says what changed in the live region and opens
the outcome once the task has finished. Without JavaScript, "Check progress" reloads it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from models import Role, Task, User, db
from models.core.tasks import create_task, finish_task
from tests import factories

from .conftest import run_axe, sign_in


@pytest.fixture
def report_task(app) -> str:
    with app.app_context():
        officer = factories.user("officer@example.org", "Oona Officer", role=Role.OFFICER)
        db.session.commit()
        task = create_task("impact_report", "The annual report for 2026/27", db.session.get(User, officer.id))
        task.status, task.progress = "running", 10
        db.session.commit()
        return task.id


def set_task(app, task_id: str, progress: int | None = None, result: dict | None = None) -> None:
    with app.app_context():
        task = db.session.get(Task, task_id)
        if result is None:
            task.progress = progress
        else:
            finish_task(task, result=result)
        db.session.commit()


def test_the_progress_moves_without_reloading_and_the_outcome_follows(app, new_context, report_task, tmp_path):
    page = new_context().new_page()
    page.set_viewport_size({"width": 375, "height": 700})
    sign_in(page, "officer@example.org")
    page.goto(f"/officers/report/pdf/{report_task}")
    bar = page.get_by_label("Progress")
    expect(bar).to_have_attribute("value", "10")
    assert not run_axe(page)["violations"]
    page.evaluate("window.__samePage = true")  # gone if the page reloads
    set_task(app, report_task, progress=60)
    expect(page.locator("#task-status")).to_have_text("60% done.")
    assert page.evaluate("bar => bar.value", bar.element_handle()) == 60
    assert page.evaluate("window.__samePage === true")
    assert page.locator("#task-status").get_attribute("aria-live") == "polite"
    page.screenshot(path=str(Path(os.environ.get("SCREENSHOT_DIR") or tmp_path) / "task-running.png"))
    set_task(app, report_task, result={"pages": 3, "file": "x.pdf", "download_name": "report.pdf"})
    expect(page.get_by_text("The PDF is ready")).to_be_visible()
    assert not run_axe(page)["violations"]


def test_without_javascript_check_progress_reloads_the_page(app, browser, live_server, report_task):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, "officer@example.org")
        page.goto(f"/officers/report/pdf/{report_task}")
        assert page.locator('meta[http-equiv="refresh"]').count() == 0
        set_task(app, report_task, progress=70)
        page.get_by_role("button", name="Check progress").click()
        expect(page.get_by_label("Progress")).to_have_attribute("value", "70")
        set_task(app, report_task, result={"pages": 3, "file": "x.pdf", "download_name": "report.pdf"})
        page.get_by_role("button", name="Check progress").click()
        expect(page.get_by_text("The PDF is ready")).to_be_visible()
    finally:
        context.close()
