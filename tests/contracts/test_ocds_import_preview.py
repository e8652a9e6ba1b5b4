"""A preview before anything is written (issue 12): the officer uploads a file, a background
task reads it and lists what would be created, updated and skipped, each with its release's
ocid and the reason; only when the officer confirms does the import run, and only if it
would still do what the preview showed. `flask contracts import-ocds FILE` prints the same
preview and asks (or takes --yes) before it writes."""

from __future__ import annotations

import copy
import io
import json
import os

import pytest
from sqlalchemy import func, select

from models import Contract, Event, Organisation, OrganisationKind, Role, Task, db
from models.contracts.models import ImportBatch
from models.contracts.ocds_import import MAX_OCDS_BYTES, PLAN_CHANGED, load_releases, other_buyer
from tests.factories import login, post_form
from tests.contracts.ocds_files import HUNDRED, council_is

MERTON = [
    "ocds-b5fd17-e3b5f385-5989-4cf1-8849-01c247fc9c30",  # Parking Pilot - CEO, Marstons
    "ocds-b5fd17-deddd0f5-7f54-41ae-9c16-bbd0e5933625",
    "ocds-b5fd17-d474bdd4-a0d8-4d20-b725-521e5199be07",
]


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Contract)),
        db.session.scalar(select(func.count()).select_from(Organisation)),
    )


@pytest.fixture
def officer(app, make_user):
    make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    with app.app_context():
        council_is(names=["London Borough of Merton"])
    client = app.test_client()
    assert login(client, "officer@example.org").status_code == 302
    return client


def upload(client, data: bytes, filename: str = "notices.json"):
    return post_form(client, "/officers/contracts/import", {"file": (io.BytesIO(data), filename)},
                     content_type="multipart/form-data")


def task_id_of(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"].rsplit("/", 1)[1]


def confirm(client, preview_id: str):
    return post_form(client, f"/officers/contracts/import/{preview_id}/confirm", {},
                     form_url=f"/officers/contracts/import/{preview_id}")


def previewed(client, work_jobs, data: bytes) -> str:
    preview_id = task_id_of(upload(client, data))
    assert work_jobs() == 0
    return preview_id


# The preview page --------------------------------------------------------------------------


def test_the_preview_lists_what_would_be_created_updated_and_skipped_with_ocids_and_reasons(app, officer, work_jobs):
    releases = load_releases(HUNDRED.read_bytes())
    preview_id = previewed(officer, work_jobs, HUNDRED.read_bytes())
    with app.app_context():
        assert counts() == (0, 0)  # nothing written
        assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0
        result = db.session.get(Task, preview_id).result
        assert (result["created"], result["updated"], result["skipped"], result["suppliers_created"]) == (3, 0, 97, 3)
        assert {item["ocid"] for item in result["items"]["create"]} == set(MERTON)
        assert len(result["items"]["skip"]) == 97
        # Counted on one line (68 other buyers); each skipped release names its own buyer.
        assert result["reasons"] == {"buyer is another organisation, not this council (68 buyers)": 97}
        assert {item["reason"] for item in result["items"]["skip"]} >= {other_buyer("Met Office"), other_buyer("Ofcom")}
        assert {item["ocid"] for item in result["items"]["skip"]} == {r["ocid"] for r in releases} - set(MERTON)
        event = db.session.scalar(select(Event).where(Event.action == "ocds_preview.finished"))
        assert "items" not in event.detail and event.detail["created"] == 3  # the trail keeps counts, not the list
    page = officer.get(f"/officers/contracts/import/{preview_id}").get_data(as_text=True)
    assert "Check the contracts in notices.json" in page
    assert "Nothing has been imported yet." in page
    assert "Import 3 contracts" in page
    assert "Parking Pilot - CEO" in page and MERTON[0] in page
    assert "new award of this council&#39;s (London Borough of Merton)" in page
    assert "ocds-b5fd17-df573cfb-5162-43b2-8790-19c1859f6f62" in page  # the Met Office's, skipped
    assert other_buyer("Met Office") in page
    assert "New, not verified" in page


def test_confirming_runs_the_import_once(app, officer, work_jobs):
    preview_id = previewed(officer, work_jobs, HUNDRED.read_bytes())
    first = confirm(officer, preview_id)
    import_id = task_id_of(first)
    # A second click (or a second officer) goes to the same import, not a second one.
    assert task_id_of(confirm(officer, preview_id)) == import_id
    assert work_jobs() == 0
    with app.app_context():
        task = db.session.get(Task, import_id)
        assert (task.name, task.status, task.result["created"]) == ("ocds_import", "finished", 3)
        batch = db.session.get(ImportBatch, task.result["batch_id"])
        assert (batch.preview_task_id, batch.file_name, batch.created_count) == (preview_id, "notices.json", 3)
        assert counts() == (3, 3)
        assert set(db.session.scalars(select(Contract.ocid))) == set(MERTON)
        assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 1
    page = officer.get(f"/officers/contracts/import/{import_id}").get_data(as_text=True)
    assert "3 created, 0 updated, 97 skipped" in page
    assert f"/officers/contracts/imports/{batch.id}" in page
    preview = officer.get(f"/officers/contracts/import/{preview_id}").get_data(as_text=True)
    assert "This preview has been confirmed." in preview and "Import 3 contracts" not in preview


def test_the_preview_shows_what_an_import_would_update(app, officer, work_jobs):
    releases = [release for release in load_releases(HUNDRED.read_bytes()) if release["ocid"] in MERTON]
    task_id_of(confirm(officer, previewed(officer, work_jobs, json.dumps(releases).encode())))
    work_jobs()
    changed = copy.deepcopy(releases)
    next(r for r in changed if r["ocid"] == MERTON[0])["awards"][0]["value"]["amount"] = 120000
    preview_id = previewed(officer, work_jobs, json.dumps(changed).encode())
    page = officer.get(f"/officers/contracts/import/{preview_id}").get_data(as_text=True)
    assert "Import 1 contract" in page and "changed in the file: value" in page
    assert "Already up to date: 2 contracts" in page


def test_an_import_that_would_no_longer_do_what_the_preview_showed_changes_nothing(app, officer, work_jobs):
    first = previewed(officer, work_jobs, HUNDRED.read_bytes())
    second = previewed(officer, work_jobs, HUNDRED.read_bytes())
    task_id_of(confirm(officer, first))
    work_jobs()
    # The second preview promised 3 new contracts; they exist now.
    stale = task_id_of(confirm(officer, second))
    work_jobs()
    with app.app_context():
        task = db.session.get(Task, stale)
        assert (task.status, task.error) == ("failed", PLAN_CHANGED)
        assert counts() == (3, 3)
        assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 1
    page = officer.get(f"/officers/contracts/import/{stale}").get_data(as_text=True)
    assert "The import failed" in page and "upload the file again" in page


def test_a_change_of_the_councils_buyer_after_the_preview_stops_the_import(app, officer, work_jobs):
    preview_id = previewed(officer, work_jobs, HUNDRED.read_bytes())
    with app.app_context():
        council_is(names=["Met Office"])
    stale = task_id_of(confirm(officer, preview_id))
    work_jobs()
    with app.app_context():
        assert db.session.get(Task, stale).error == PLAN_CHANGED
        assert counts() == (0, 0)


def test_a_file_with_nothing_to_import_offers_no_confirmation(app, officer, work_jobs):
    with app.app_context():
        council_is(names=["Brent Council"])
    preview_id = previewed(officer, work_jobs, HUNDRED.read_bytes())
    page = officer.get(f"/officers/contracts/import/{preview_id}").get_data(as_text=True)
    assert "There is nothing in this file to import" in page and "/confirm" not in page
    response = confirm(officer, preview_id)  # a tampered POST
    assert response.status_code == 302
    assert "This file has nothing to import." in officer.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Task).where(Task.name == "ocds_import")) == 0


def test_a_preview_whose_file_is_gone_asks_for_it_again(app, officer, work_jobs):
    preview_id = previewed(officer, work_jobs, HUNDRED.read_bytes())
    with app.app_context():
        upload_name = db.session.get(Task, preview_id).result["upload"]
        os.remove(os.path.join(app.config["UPLOAD_DIR"], "imports", upload_name))
    response = confirm(officer, preview_id)
    assert response.headers["Location"].endswith("/officers/contracts/import")
    assert "The uploaded file is no longer here: upload it again." in officer.get("/officers/contracts/import").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Task).where(Task.name == "ocds_import")) == 0


def test_a_preview_nobody_confirms_loses_its_file_after_a_day(app, officer, work_jobs):
    from workers.imports import remove_stale_uploads

    preview_id = previewed(officer, work_jobs, HUNDRED.read_bytes())
    with app.app_context():
        path = os.path.join(app.config["UPLOAD_DIR"], "imports", db.session.get(Task, preview_id).result["upload"])
        assert remove_stale_uploads() == 0 and os.path.exists(path)  # kept while it is fresh
        day_old = os.path.getmtime(path) - 25 * 3600
        os.utime(path, (day_old, day_old))
        assert remove_stale_uploads() == 1 and not os.path.exists(path)
    response = confirm(officer, preview_id)
    assert response.headers["Location"].endswith("/officers/contracts/import")


def test_a_preview_that_is_still_running_cannot_be_confirmed(app, officer):
    preview_id = task_id_of(upload(officer, HUNDRED.read_bytes()))  # no worker has run it
    response = confirm(officer, preview_id)
    assert response.status_code == 302
    page = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert "The file has not been read yet" in page


def test_a_malformed_file_fails_its_preview_with_the_reason(app, officer, work_jobs):
    preview_id = previewed(officer, work_jobs, b'{"releases": [{"ocid": "x"},')
    page = officer.get(f"/officers/contracts/import/{preview_id}").get_data(as_text=True)
    assert "The file could not be read" in page and "The file is not valid JSON" in page
    response = confirm(officer, preview_id)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Task).where(Task.name == "ocds_import")) == 0


def test_only_officers_preview_and_confirm(app, officer, work_jobs, make_user, make_organisation):
    preview_id = previewed(officer, work_jobs, HUNDRED.read_bytes())
    make_user("resident@example.org")
    member = make_user("member@example.org")
    make_organisation(member, kind=OrganisationKind.SUPPLIER, name="Builders Ltd")
    for email in ("resident@example.org", "member@example.org"):
        client = app.test_client()
        login(client, email)
        assert client.get(f"/officers/contracts/import/{preview_id}").status_code == 403
        response = post_form(client, f"/officers/contracts/import/{preview_id}/confirm", {}, form_url="/account")
        assert response.status_code == 403
    assert officer.post(f"/officers/contracts/import/{preview_id}/confirm").status_code == 400  # no CSRF token
    assert officer.get("/officers/contracts/import/not-a-task").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Task).where(Task.name == "ocds_import")) == 0
        assert counts()[0] == 0


# The command line ------------------------------------------------------------------------------


def test_the_command_line_prints_the_preview_and_asks_before_it_writes(app, runner):
    with app.app_context():
        council_is(names=["London Borough of Merton"])
    answered_no = runner.invoke(args=["contracts", "import-ocds", str(HUNDRED)], input="n\n")
    assert answered_no.exit_code == 1 and "Aborted" in answered_no.output
    assert "This council, as a buyer: London Borough of Merton" in answered_no.output
    assert f"create {MERTON[0]}  Parking Pilot - CEO (Marstons holdings plc, new supplier)" in answered_no.output
    assert f"skip   ocds-b5fd17-df573cfb-5162-43b2-8790-19c1859f6f62: {other_buyer('Met Office')}" in answered_no.output
    assert "Preview: 3 created, 0 updated, 0 unchanged, 97 skipped; 3 new suppliers to verify" in answered_no.output
    with app.app_context():
        assert counts() == (0, 0)
    answered_yes = runner.invoke(args=["contracts", "import-ocds", str(HUNDRED)], input="y\n")
    assert answered_yes.exit_code == 0, answered_yes.output
    assert "Contracts: 3 created, 0 updated, 0 unchanged, 97 skipped; 3 new suppliers to verify" in answered_yes.output
    assert "undo it with `flask contracts undo-import" in answered_yes.output
    with app.app_context():
        assert counts() == (3, 3)
        batch = db.session.scalar(select(ImportBatch))
        assert (batch.file_name, batch.created_by_id) == (HUNDRED.name, None)
    again = runner.invoke(args=["contracts", "import-ocds", str(HUNDRED)])
    assert again.exit_code == 0 and "Nothing to import." in again.output


def test_the_command_line_refuses_a_huge_file_before_reading_it(app, runner, tmp_path):
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as handle:
        handle.truncate(MAX_OCDS_BYTES + 1)  # sparse: no 20 MB written
    result = runner.invoke(args=["contracts", "import-ocds", str(huge), "--yes"])
    assert result.exit_code == 1
    assert "The file is too large: Open Contracting files must be 20 MB or smaller." in result.output
