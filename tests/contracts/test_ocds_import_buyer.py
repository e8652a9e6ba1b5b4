"""Only this council's contracts are imported from an Open Contracting file (issue 12, "Other
buyers' contracts"): the Contracts Finder search file holds 69 buyers' releases (the Ministry
of Defence, the Met Office, Merton...), and none of them is Brent's. A release is the
council's when its buyer carries one of the council's organisation identifiers or names
(an administrator's setting, seeded with Brent's in the demo); the others are skipped,
"buyer is X, not this council", and create no contract and no supplier."""

from __future__ import annotations

import copy
import io
import json

import pytest
from sqlalchemy import func, select

from models import Contract, Event, Organisation, Role, Setting, db
from models.contracts.council_buyer import (
    BRENT_IDS,
    BRENT_NAMES,
    CouncilBuyer,
    buyer_of,
    council_buyer,
    normalise_name,
)
from models.contracts.ocds_import import NO_AWARDS, NO_BUYER, award_rows, import_ocds, load_releases, other_buyer, plan_import
from tests.factories import login, post_form
from tests.contracts.ocds_files import BARNET, BLUETAIL, HUNDRED, council_is, dumps

MATRIX = "ocds-b5fd17-df573cfb-5162-43b2-8790-19c1859f6f62"  # the Met Office's award to Matrix SCM
MERTON_OCIDS = {
    "ocds-b5fd17-e3b5f385-5989-4cf1-8849-01c247fc9c30",
    "ocds-b5fd17-deddd0f5-7f54-41ae-9c16-bbd0e5933625",
    "ocds-b5fd17-d474bdd4-a0d8-4d20-b725-521e5199be07",
}


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Contract)),
        db.session.scalar(select(func.count()).select_from(Organisation)),
    )


def hundred() -> list[dict]:
    return load_releases(HUNDRED.read_bytes())


# Names, as councils are written ----------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Brent Council", "London Borough of Brent"),
        ("London Borough of Brent", "LONDON BOROUGH OF BRENT"),
        ("Brent Council", "The Mayor and Burgesses of the London Borough of Brent"),
        ("Brent Council", "London Borough of Brent Council"),
        ("Brent Council", "Brent London Borough Council"),
        ("North Yorkshire Council", "The North Yorkshire Council"),
        ("Kensington and Chelsea", "Royal Borough of Kensington &amp; Chelsea"),
        ("Dudley Council", "Dudley Metropolitan Borough Council"),
        ("Westminster City Council", "City of Westminster"),
    ],
)
def test_the_same_council_written_two_ways_is_one_name(one, other):
    assert normalise_name(one) == normalise_name(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Brent Council", "Brentwood Borough Council"),
        ("Brent Council", "Brent Housing Partnership"),
        ("London Borough of Merton", "London Borough of Brent"),
        ("Brent Council", "Council"),
    ],
)
def test_different_organisations_stay_different(one, other):
    assert normalise_name(one) != normalise_name(other)


def test_the_buyer_is_read_from_the_reference_and_the_parties_with_the_buyer_role():
    barnet = load_releases(BARNET.read_bytes())[0]
    found = buyer_of(barnet)
    # The party's identifier ({"scheme": "GB-LAC", "id": "E09000003"}) as an org-id.
    assert "GB-LAC-E09000003" in found.ids and found.label == "London Borough of Barnet"
    # A bluetail notice: the buyer's id is a hash, its only useful mark is its name.
    kirklees = next(
        release for path in BLUETAIL for release in load_releases(path.read_bytes()) if "Kirklees" in json.dumps(release["buyer"])
    )
    assert buyer_of(kirklees).names == ("Kirklees Council",)
    assert CouncilBuyer(names=("Kirklees Metropolitan Council",)).matches(buyer_of(kirklees))


# The Contracts Finder file -----------------------------------------------------------------


def test_brent_imports_nothing_from_the_contracts_finder_file_and_says_whose_each_release_is(ctx):
    council_is(names=BRENT_NAMES, ids=BRENT_IDS)
    report = import_ocds(HUNDRED.read_bytes())
    db.session.commit()
    # Before: 53 contracts of 39 other buyers created as this council's, and 53 suppliers to verify.
    assert (report.created, report.updated, report.suppliers_created, report.skipped) == (0, 0, 0, 100)
    assert counts() == (0, 0)
    assert report.reasons[other_buyer("Ministry of Defence")] == 3
    assert report.reasons[other_buyer("Met Office")] == 1
    assert report.reasons[other_buyer("London Borough of Merton")] == 3
    assert sum(report.reasons.values()) == 100
    assert all(reason.startswith("buyer is ") and reason.endswith(", not this council") for reason in report.reasons)
    assert {item["ocid"] for item in report.skipped_items} >= MERTON_OCIDS
    assert report.batch_id is None  # nothing was imported: no batch to undo
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0


def test_a_council_named_in_other_words_imports_only_its_own_releases(ctx):
    council_is(names=["Merton Council"])  # the file says "London Borough of Merton"
    report = import_ocds(HUNDRED.read_bytes())
    db.session.commit()
    assert (report.created, report.suppliers_created) == (3, 3)
    assert set(db.session.scalars(select(Contract.ocid))) == MERTON_OCIDS
    assert set(db.session.scalars(select(Contract.buyer_department))) == {"London Borough of Merton"}
    assert report.reasons[other_buyer("Ministry of Defence")] == 3
    assert other_buyer("London Borough of Merton") not in report.reasons


def test_the_council_is_found_by_its_org_id(ctx):
    council_is(ids=["GB-GOR-EA46"])  # the Met Office in the Government Organisation Register
    report = import_ocds(HUNDRED.read_bytes())
    db.session.commit()
    assert report.created == 1
    contract = db.session.scalar(select(Contract))
    assert (contract.ocid, contract.supplier.name) == (MATRIX, "Matrix SCM Limited")


def test_one_council_under_two_names_and_two_ids_in_one_file(ctx):
    # North Yorkshire publishes as "North Yorkshire Council" (GB-SRS-...) and as "The North
    # Yorkshire Council" (GB-CFS-245947): one name setting finds both.
    council_is(names=["North Yorkshire Council"])
    plan = plan_import(HUNDRED.read_bytes())
    assert plan.count("create") == 5
    assert {item.reason for item in plan.items if item.action == "create"} == {
        "new award of this council's (North Yorkshire Council)",
        "new award of this council's (The North Yorkshire Council)",
    }
    # The tender notice of the council's has no award: skipped for that, not for its buyer.
    assert any(item.reason == NO_AWARDS and item.ocid == "ocds-b5fd17-006c0e1c-43cf-49a7-9bfc-e4326f08d2cc" for item in plan.items)


def test_the_identifier_in_the_buyers_party_counts(ctx):
    release = copy.deepcopy(next(r for r in hundred() if r["ocid"] == MATRIX))
    release["buyer"] = {"id": "buyer-1", "name": "Procurement team"}
    release["parties"][0].update(id="buyer-1", name="Procurement team", identifier={"scheme": "GB-LAE", "id": "BEN"})
    council_is(names=BRENT_NAMES, ids=BRENT_IDS)
    report = import_ocds(dumps(release))
    assert report.created == 1


def test_a_release_that_names_no_buyer_is_skipped(ctx):
    release = copy.deepcopy(next(r for r in hundred() if r["ocid"] == MATRIX))
    release.pop("buyer")
    release["parties"] = [party for party in release["parties"] if "buyer" not in party["roles"]]
    council_is(names=BRENT_NAMES, ids=BRENT_IDS)
    report = import_ocds(dumps(release))
    assert (report.created, report.reasons) == (0, {NO_BUYER: 1})


def test_with_no_buyer_set_nothing_is_imported_and_the_preview_says_why(ctx):
    assert council_buyer().configured is False
    plan = plan_import(HUNDRED.read_bytes())
    assert (plan.count("create"), plan.count("skip")) == (0, 100)
    assert plan.as_dict()["buyer"] == {"ids": [], "names": []}


def test_without_a_buyer_rule_the_parser_still_reads_every_award():
    # The pure parser, asked for no buyer, reads every award as before.
    rows, _skipped = award_rows(hundred())
    assert len(rows) == 53


# The setting ------------------------------------------------------------------------------


def test_an_administrator_sets_the_councils_buyer_names_and_ids(app, make_user):
    make_user("admin@example.org", role=Role.ADMIN)
    client = app.test_client()
    login(client, "admin@example.org")
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Names this council buys under" in page
    response = post_form(client, "/admin/settings", {
        "council_name": "Brent Council", "live_need_cap": "5", "tier_basic_from": "215,000",
        "tier_kpi_from": "1,000,000", "tier_strategic_over": "5,000,000", "at_risk_days": "60",
        "at_risk_percent": "75", "return_months_none": "12", "return_months_basic": "12", "return_months_kpi": "6",
        "return_months_strategic": "3", "return_due_days": "30", "return_remind_days": "14", "rating_good_percent": "100",
        "rating_approaching_percent": "85", "rating_requires_improvement_percent": "60",
        "council_buyer_names": "Brent Council\r\n  London Borough of Brent \r\n\r\nbrent council",
        "council_buyer_ids": "GB-LAE-BEN\r\nGB-CFS-12345",
    })
    assert response.status_code == 302
    with app.app_context():
        assert council_buyer() == CouncilBuyer(ids=("GB-LAE-BEN", "GB-CFS-12345"), names=("Brent Council", "London Borough of Brent"))
        event = db.session.scalar(select(Event).where(Event.action == "settings.changed"))
        assert event.detail["council_buyer_names"] == ["Brent Council", "London Borough of Brent"]
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "GB-CFS-12345" in page


def test_too_many_names_are_refused_beside_the_field_and_nothing_is_saved(app, make_user):
    make_user("admin@example.org", role=Role.ADMIN)
    client = app.test_client()
    login(client, "admin@example.org")
    response = post_form(client, "/admin/settings", {
        "council_name": "Brent Council", "live_need_cap": "5", "tier_basic_from": "215,000",
        "tier_kpi_from": "1,000,000", "tier_strategic_over": "5,000,000", "at_risk_days": "60",
        "at_risk_percent": "75", "return_months_none": "12", "return_months_basic": "12", "return_months_kpi": "6",
        "return_months_strategic": "3", "return_due_days": "30", "return_remind_days": "14", "rating_good_percent": "100",
        "rating_approaching_percent": "85", "rating_requires_improvement_percent": "60",
        "council_buyer_names": "\n".join(f"Council {n}" for n in range(101)), "council_buyer_ids": "",
    })
    assert response.status_code == 200
    assert "Enter at most 100 names, one a line" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Setting)) == 0


def test_only_an_administrator_changes_the_buyer(app, make_user):
    make_user("officer@example.org", role=Role.OFFICER)
    client = app.test_client()
    login(client, "officer@example.org")
    assert client.get("/admin/settings").status_code == 403
    # With a good CSRF token (from a page the officer may see), still refused.
    response = post_form(client, "/admin/settings", {"council_buyer_names": "Ministry of Defence"},
                         form_url="/officers/contracts")
    assert response.status_code == 403
    with app.app_context():
        assert council_buyer().configured is False


def test_the_demo_is_brent_and_its_officer_sees_none_of_the_files_contracts_in_the_preview(app, work_jobs):
    from brokerage.demo import DEMO_PASSWORD, load_demo

    with app.app_context():
        load_demo()
        assert council_buyer() == CouncilBuyer(ids=BRENT_IDS, names=BRENT_NAMES)
        pending = db.session.scalar(select(func.count()).select_from(Organisation).where(Organisation.status == "pending"))
        contracts = db.session.scalar(select(func.count()).select_from(Contract))
    client = app.test_client()
    assert login(client, "officer@example.org", DEMO_PASSWORD).status_code == 302
    response = post_form(client, "/officers/contracts/import",
                         {"file": (io.BytesIO(HUNDRED.read_bytes()), "notices.json")}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert work_jobs() == 0
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Check the contracts in notices.json" in page
    assert "There is nothing in this file to import" in page
    assert "buyer is Ministry of Defence, not this council" in page
    assert "Brent Council, London Borough of Brent, GB-LAE-BEN" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contract)) == contracts
        # The verification queue did not grow (it went from 1 to 53 before).
        assert db.session.scalar(
            select(func.count()).select_from(Organisation).where(Organisation.status == "pending")
        ) == pending
