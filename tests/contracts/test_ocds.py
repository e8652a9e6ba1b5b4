"""Importing contracts from Open Contracting (OCDS) data: the real Contracts Finder
files, the bluetail folder and the fictional Barnet sample (the only one with
contracts[]); supplier matching and creation; what is skipped and why; bad files;
the officer's upload (a preview job, then the import job once confirmed, each with a
Task row) and `flask contracts import-ocds`.

Only the council's own releases are imported (tests/contracts/test_ocds_import_buyer.py):
these tests, about everything else, make every buyer in the file under test the council's
name first (`council_buys_everything_in`)."""

from __future__ import annotations

import copy
import io
import json

import pytest
from sqlalchemy import func, select

from models import Contract, DomainError, Event, Organisation, OrganisationKind, Role, Task, User, db
from models.contracts.ocds_import import (
    DATES_REVERSED,
    MANUAL_CONTRACT,
    MAX_OCDS_BYTES,
    NEGATIVE_VALUE,
    NO_AWARDS,
    NO_SUPPLIERS,
    NO_VALUE,
    NOT_A_NUMBER,
    NOT_GBP,
    SEVERAL_SUPPLIERS,
    SUPERSEDED,
    ZERO_VALUE,
    award_rows,
    import_ocds,
    load_releases,
)
from models.contracts.tiers import Tier
from tests.factories import login, post_form
from tests.contracts.ocds_files import BARNET, BLUETAIL, HUNDRED, LONDON, council_buys_everything_in

MATRIX = "ocds-b5fd17-df573cfb-5162-43b2-8790-19c1859f6f62/ocds-b5fd17-df573cfb-5162-43b2-8790-19c1859f6f62-1"
MARSTONS = "ocds-b5fd17-e3b5f385-5989-4cf1-8849-01c247fc9c30/ocds-b5fd17-e3b5f385-5989-4cf1-8849-01c247fc9c30-1"


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Contract)),
        db.session.scalar(select(func.count()).select_from(Organisation)),
    )


def one_release() -> dict:
    """A real single-supplier award release from the Contracts Finder file."""
    releases = json.loads(HUNDRED.read_bytes())["releases"]
    return copy.deepcopy(next(r for r in releases if r["ocid"] in MARSTONS))


# The real files -------------------------------------------------------------------


def test_contracts_finder_file_imports_every_award_and_says_why_the_rest_were_skipped(ctx):
    council_buys_everything_in(HUNDRED)
    report = import_ocds(HUNDRED.read_bytes())
    db.session.commit()
    # 100 releases, 59 with awards: 57 distinct awards (2 appear again in a later
    # release), 2 shared by several suppliers, 2 with a withheld (zero) value.
    assert (report.created, report.updated, report.unchanged) == (53, 0, 0)
    assert report.skipped == 47
    assert report.reasons == {NO_AWARDS: 41, SUPERSEDED: 2, SEVERAL_SUPPLIERS: 2, ZERO_VALUE: 2}
    assert report.suppliers_created == 53
    assert counts() == (53, 53)
    new_suppliers = db.session.scalars(select(Organisation)).all()
    assert {o.kind for o in new_suppliers} == {"supplier"}
    assert {o.status for o in new_suppliers} == {"pending"}
    assert {o.legal_form for o in new_suppliers} == {"company"}
    assert all(o.created_by_id is None for o in new_suppliers)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0  # no members made up

    matrix = db.session.scalar(select(Contract).where(Contract.reference == MATRIX))
    assert (matrix.value_pence, matrix.source, matrix.tier()) == (300_000_000, "ocds", Tier.KPI)
    assert matrix.ocid == MATRIX.split("/")[0]
    assert matrix.supplier.name == "Matrix SCM Limited"
    assert matrix.supplier.registration_number == "02227962"
    marstons = db.session.scalar(select(Contract).where(Contract.reference == MARSTONS))
    assert marstons.title == "Parking Pilot - CEO"
    assert marstons.buyer_department == "London Borough of Merton"
    assert (str(marstons.start_date), str(marstons.end_date)) == ("2025-01-23", "2025-04-23")
    # tender.suitability.sme was true: the default size band is small (an officer corrects it).
    assert marstons.supplier.size_band == "small"
    assert db.session.scalar(
        select(func.count()).select_from(Event).where(Event.action == "contract.recorded")
    ) == 53


def test_importing_the_same_file_twice_changes_nothing(ctx):
    council_buys_everything_in(HUNDRED)
    import_ocds(HUNDRED.read_bytes())
    db.session.commit()
    events_before = db.session.scalar(select(func.count()).select_from(Event))
    again = import_ocds(HUNDRED.read_bytes())
    db.session.commit()
    assert (again.created, again.updated, again.unchanged, again.suppliers_created) == (0, 0, 53, 0)
    assert counts() == (53, 53)
    assert db.session.scalar(select(func.count()).select_from(Event)) == events_before


def test_a_changed_award_updates_its_contract(ctx):
    release = one_release()
    council_buys_everything_in(release)
    import_ocds(json.dumps([release]).encode())
    db.session.commit()
    release["awards"][0]["value"]["amount"] = 250000.5
    report = import_ocds(json.dumps([release]).encode())
    db.session.commit()
    assert (report.created, report.updated) == (0, 1)
    contract = db.session.scalar(select(Contract).where(Contract.reference == MARSTONS))
    assert contract.value_pence == 25_000_050
    assert contract.tier() == Tier.BASIC
    event = db.session.scalar(select(Event).where(Event.action == "contract.updated"))
    assert event.detail["fields"] == ["value_pence"]


def test_london_subset(ctx):
    council_buys_everything_in(LONDON)
    report = import_ocds(LONDON.read_bytes())
    assert (report.created, report.skipped, report.reasons) == (6, 4, {NO_AWARDS: 4})


def test_barnet_sample_takes_title_value_and_period_from_contracts(ctx):
    council_buys_everything_in(BARNET)
    report = import_ocds(BARNET.read_bytes())
    db.session.commit()
    # 6 releases of one process: 3 without awards, the award in 3 releases (the latest wins).
    assert (report.created, report.reasons) == (1, {NO_AWARDS: 3, SUPERSEDED: 2})
    contract = db.session.scalar(select(Contract))
    assert contract.reference == "ocds-213czf-000-00001/ocds-213czf-000-00001-award-01"
    assert contract.title == "Contract to build new cycle lanes in the centre of town."
    assert contract.value_pence == 11_000_000_00
    assert contract.tier() == Tier.STRATEGIC
    assert (str(contract.start_date), str(contract.end_date)) == ("2010-07-01", "2011-06-30")
    assert contract.buyer_department == "London Borough of Barnet"
    # Companies House number "11111111.0" (via a spreadsheet) is cleaned; no SME flag: large.
    assert contract.supplier.registration_number == "11111111"
    assert contract.supplier.size_band == "large"
    assert contract.supplier.status == "pending"


def test_bluetail_awards_shared_by_several_suppliers_are_skipped(ctx):
    council_buys_everything_in(*BLUETAIL)
    for path in BLUETAIL:
        report = import_ocds(path.read_bytes())
        assert report.created == 0
        assert report.reasons == {SEVERAL_SUPPLIERS: 1}, path.name
    assert len(BLUETAIL) == 10
    assert counts() == (0, 0)


# Supplier matching -----------------------------------------------------------------


def test_suppliers_are_matched_by_company_number_or_by_name(app, make_user, make_organisation):
    owner = make_user("owner@example.org")
    # Matrix SCM's Companies House number, typed without its leading zero.
    matrix_id = make_organisation(owner, OrganisationKind.SUPPLIER, name="Matrix (trading name)", registration_number="2227962")
    marstons_id = make_organisation(owner, OrganisationKind.SUPPLIER, name="MARSTONS HOLDINGS PLC", registration_number="01234567")
    with app.app_context():
        council_buys_everything_in(HUNDRED)
        report = import_ocds(HUNDRED.read_bytes())
        db.session.commit()
        assert report.suppliers_created == 51
        assert db.session.scalar(select(Contract.supplier_id).where(Contract.reference == MATRIX)) == matrix_id
        assert db.session.scalar(select(Contract.supplier_id).where(Contract.reference == MARSTONS)) == marstons_id
        assert db.session.scalar(
            select(func.count()).select_from(Organisation).where(Organisation.registration_number == "02227962")
        ) == 1
        # The matched suppliers keep their verified status and names.
        assert db.session.get(Organisation, matrix_id).status == "verified"
        assert db.session.get(Organisation, matrix_id).name == "Matrix (trading name)"


def test_a_community_group_is_not_matched_as_a_supplier(app, make_user, make_organisation):
    owner = make_user("owner@example.org")
    group = make_organisation(owner, name="Marstons Holdings plc")
    with app.app_context():
        council_buys_everything_in(one_release())
        import_ocds(json.dumps([one_release()]).encode())
        contract = db.session.scalar(select(Contract))
        assert contract.supplier_id != group
        assert contract.supplier.kind == "supplier"


# Skipped, with reasons ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda r: r["awards"][0]["value"].update(currency="EUR"), NOT_GBP),
        (lambda r: r["awards"][0]["value"].update(amount=-5), NEGATIVE_VALUE),
        (lambda r: r["awards"][0].pop("value"), NO_VALUE),
        (lambda r: r["awards"][0]["value"].update(amount="lots"), NOT_A_NUMBER),
        (lambda r: r["awards"][0].update(suppliers=[]), NO_SUPPLIERS),
        (lambda r: r.update(awards=[]), NO_AWARDS),
        (lambda r: r["awards"][0]["contractPeriod"].update(startDate="2026-01-01T00:00:00Z"), DATES_REVERSED),
    ],
)
def test_awards_that_cannot_be_contracts_are_skipped_with_a_reason(ctx, change, reason):
    release = one_release()
    council_buys_everything_in(release)
    change(release)
    report = import_ocds(json.dumps({"releases": [release]}).encode())
    assert (report.created, report.skipped, report.reasons) == (0, 1, {reason: 1})
    assert counts() == (0, 0)


def test_a_contract_recorded_by_hand_is_not_overwritten(app, make_user, make_organisation):
    from datetime import date

    from models.contracts.rules import ContractDetails, record_contract

    officer_id = make_user("officer@example.org", role=Role.OFFICER)
    owner = make_user("owner@example.org")
    supplier = make_organisation(owner, OrganisationKind.SUPPLIER, name="Someone Else Ltd", officer_id=officer_id)
    with app.app_context():
        officer = db.session.get(User, officer_id)
        council_buys_everything_in(one_release())
        record_contract(ContractDetails(MARSTONS, "Ours", None, supplier, 100, date(2025, 1, 1), None), officer)
        db.session.commit()
        report = import_ocds(json.dumps([one_release()]).encode(), officer)
        assert report.reasons == {MANUAL_CONTRACT: 1}
        assert db.session.scalar(select(Contract.title)) == "Ours"


def test_record_packages_are_read_from_compiled_or_embedded_releases(ctx):
    release = one_release()
    council_buys_everything_in(release)
    compiled = {"records": [{"ocid": release["ocid"], "compiledRelease": release}]}
    assert len(award_rows(load_releases(json.dumps(compiled).encode()))[0]) == 1
    embedded = {"records": [{"ocid": release["ocid"], "releases": [release, {"url": "https://example.org/r.json"}]}]}
    report = import_ocds(json.dumps(embedded).encode())
    assert report.created == 1


# Bad files: a clear error, nothing written -------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"releases": [', "The file is not valid JSON: Expecting value at line 1, column 15."),
        (b"\xff\xfe\x00not json", "The file is not valid JSON: it is not UTF-8 text."),
        (b"", "The file is empty."),
        (b'{"type": "FeatureCollection", "features": []}', "not Open Contracting data"),
        (b"[1, 2, 3]", "not Open Contracting data"),
        (b'{"releases": "none"}', "not Open Contracting data"),
        (b'[{"name": "a list of something else"}]', "not Open Contracting data"),
        (b'{"records": [{"ocid": "x"}]}', "not Open Contracting data"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(ctx, data, message):
    with pytest.raises(DomainError) as error:
        import_ocds(data)
    assert message in error.value.message
    assert counts() == (0, 0)


def test_a_huge_file_is_refused_before_it_is_parsed(ctx):
    huge = b"[" + b" " * MAX_OCDS_BYTES + b"]"
    with pytest.raises(DomainError) as error:
        import_ocds(huge)
    assert error.value.message == "The file is too large: Open Contracting files must be 20 MB or smaller."


def test_a_half_good_file_writes_nothing_when_it_fails(ctx):
    with pytest.raises(DomainError):
        import_ocds(HUNDRED.read_bytes()[:-200])
    db.session.rollback()
    assert counts() == (0, 0)


# The officer's upload and the CLI -------------------------------------------------------


@pytest.fixture
def officer(app, make_user):
    make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    client = app.test_client()
    assert login(client, "officer@example.org").status_code == 302
    return client


def upload(client, data: bytes, filename: str = "contracts.json"):
    return post_form(
        client,
        "/officers/contracts/import",
        {"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def task_id_of(response) -> str:
    return response.headers["Location"].rsplit("/", 1)[1]


def test_officer_uploads_a_file_sees_the_preview_confirms_and_the_job_reports(app, officer, work_jobs):
    with app.app_context():
        council_buys_everything_in(HUNDRED)
    response = upload(officer, HUNDRED.read_bytes(), "cf.json")
    assert response.status_code == 302
    preview_id = task_id_of(response)
    waiting = officer.get(f"/officers/contracts/import/{preview_id}").get_data(as_text=True)
    assert "Nothing is imported until you check and confirm it" in waiting
    assert work_jobs() == 0
    with app.app_context():
        assert counts() == (0, 0)  # the preview wrote nothing
        preview = db.session.get(Task, preview_id)
        assert (preview.status, preview.name) == ("finished", "ocds_preview")
    page = officer.get(f"/officers/contracts/import/{preview_id}").get_data(as_text=True)
    assert "Check the contracts in cf.json" in page and "Import 53 contracts" in page

    confirmed = post_form(officer, f"/officers/contracts/import/{preview_id}/confirm", {},
                          form_url=f"/officers/contracts/import/{preview_id}")
    assert confirmed.status_code == 302
    task_id = task_id_of(confirmed)
    assert "The import is queued" in officer.get(f"/officers/contracts/import/{task_id}").get_data(as_text=True)
    assert work_jobs() == 0
    with app.app_context():
        task = db.session.get(Task, task_id)
        assert (task.status, task.name, task.description) == ("finished", "ocds_import", "Contracts from cf.json")
        assert (task.result["created"], task.result["skipped"], task.result["suppliers_created"]) == (53, 47, 53)
        officer_id = db.session.scalar(select(User.id).where(User.email == "officer@example.org"))
        assert set(db.session.scalars(select(Contract.created_by_id))) == {officer_id}
    page = officer.get(f"/officers/contracts/import/{task_id}").get_data(as_text=True)
    assert "53 created, 0 updated, 47 skipped" in page
    assert f"{SEVERAL_SUPPLIERS}: 2" in page
    assert "53 new suppliers, added as not verified" in page
    listing = officer.get("/officers/contracts").get_data(as_text=True)
    assert "53 contracts" in listing and "Parking Pilot - CEO" in listing

    again = upload(officer, HUNDRED.read_bytes(), "cf.json")
    second = task_id_of(again)
    work_jobs()
    page = officer.get(f"/officers/contracts/import/{second}").get_data(as_text=True)
    assert "There is nothing in this file to import" in page and "Import 0" not in page
    with app.app_context():
        assert db.session.get(Task, second).result["unchanged"] == 53


def test_a_malformed_upload_fails_the_preview_and_changes_nothing(app, officer, work_jobs):
    response = upload(officer, b'{"releases": [}')
    task_id = task_id_of(response)
    work_jobs()
    with app.app_context():
        task = db.session.get(Task, task_id)
        assert task.status == "failed"
        assert task.error.startswith("The file is not valid JSON")
        assert counts() == (0, 0)
    page = officer.get(f"/officers/contracts/import/{task_id}").get_data(as_text=True)
    assert "The file could not be read" in page and "Nothing was changed" in page
    assert "/confirm" not in page  # nothing to confirm


def test_an_upload_over_the_limit_is_refused_with_a_message(app, officer):
    response = upload(officer, b" " * (MAX_OCDS_BYTES + 2 * 1024 * 1024))
    assert response.status_code == 413
    assert "The file must be 20 MB or smaller" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Task)) == 0


def test_the_upload_needs_a_json_file_and_a_csrf_token(app, officer):
    response = upload(officer, b"a,b\n", "contracts.csv")
    assert response.status_code == 400
    assert "The file must be JSON (.json)" in response.get_data(as_text=True)
    missing = officer.post("/officers/contracts/import", data={"file": (io.BytesIO(b"[]"), "x.json")},
                           content_type="multipart/form-data")
    assert missing.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Task)) == 0


def test_only_officers_can_import(app, make_user, make_organisation):
    make_user("resident@example.org")
    supplier_member = make_user("member@example.org")
    make_organisation(supplier_member, OrganisationKind.SUPPLIER, name="Builders Ltd")
    for email in ("resident@example.org", "member@example.org"):
        client = app.test_client()
        login(client, email)
        assert client.get("/officers/contracts/import").status_code == 403
        assert client.post("/officers/contracts/import").status_code == 403
        assert client.get("/officers/contracts").status_code == 403


def test_cli_prints_the_report(app, runner):
    with app.app_context():
        council_buys_everything_in(BARNET)
    result = runner.invoke(args=["contracts", "import-ocds", str(BARNET), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Contracts: 1 created, 0 updated, 0 unchanged, 5 skipped; 1 new supplier to verify" in result.output
    assert f"{SUPERSEDED}: 2" in result.output
    again = runner.invoke(args=["contracts", "import-ocds", str(BARNET), "--yes"])
    assert "0 created, 0 updated, 1 unchanged" in again.output


def test_cli_refuses_a_malformed_file(app, runner, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"releases": [')
    result = runner.invoke(args=["contracts", "import-ocds", str(bad)])
    assert result.exit_code == 1
    assert "The file is not valid JSON" in result.output
