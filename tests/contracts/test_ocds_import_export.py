"""An imported contract keeps its release's own ocid, and the OCDS export publishes it under
that ocid and award id (issue 12): before, it was republished under a second ocid of the
council's, as if it were a different contracting process. Contracts recorded by hand keep the
council's own ocid prefix. The export stays clean in libcoveocds and `ocdskit compile`, also
when two awards of one process are two releases with one ocid."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from sqlalchemy import select

from models import Contract, OrganisationKind, Role, User, db
from models.contracts.ocds_import import import_ocds, load_releases
from models.contracts.rules import CommitmentDetails, ContractDetails, add_commitment, record_contract
from models.people.organisations import verify_organisation
from models.places.themes import Measure, seed_themes
from tests.contracts.ocds_files import HUNDRED, council_is, dumps
from tests.reporting.ocds_tools import LocalMirror, errors, ocdskit_compile

PARKING = "ocds-b5fd17-e3b5f385-5989-4cf1-8849-01c247fc9c30"  # Merton's Parking Pilot - CEO
PREFIX = "ocds-brentsv-"  # the council's (OPEN_DATA_OCID_PREFIX's default)


@pytest.fixture
def mirror():
    with LocalMirror() as served:
        yield served


def parking_release() -> dict:
    return copy.deepcopy(next(r for r in load_releases(HUNDRED.read_bytes()) if r["ocid"] == PARKING))


def two_awards() -> dict:
    """The parking release with a second award of the same process, to another firm."""
    release = parking_release()
    second = copy.deepcopy(release["awards"][0])
    second.update(id=f"{PARKING}-2", suppliers=[{"id": "GB-COH-02227962", "name": "Matrix SCM Limited"}])
    second["value"]["amount"] = 41000
    release["awards"].append(second)
    release["parties"].append({
        "id": "GB-COH-02227962", "name": "Matrix SCM Limited", "roles": ["supplier"],
        "identifier": {"scheme": "GB-COH", "id": "02227962", "legalName": "Matrix SCM Limited"},
    })
    return release


@pytest.fixture
def published(app, make_user, make_organisation):
    """The parking process imported (two awards), its suppliers verified, a commitment on one;
    and a contract recorded by hand."""
    officer_id = make_user("officer@example.org", role=Role.OFFICER)
    owner = make_user("owner@example.org")
    hand_supplier = make_organisation(owner, OrganisationKind.SUPPLIER, name="Brent Green Builders Ltd", officer_id=officer_id)
    with app.app_context():
        seed_themes()
        council_is(names=["London Borough of Merton"])
        officer = db.session.get(User, officer_id)
        import_ocds(dumps(two_awards()), officer)
        for contract in db.session.scalars(select(Contract)):
            verify_organisation(contract.supplier, officer)
        measure = db.session.scalar(select(Measure).where(Measure.unit.ilike("%hour%")).order_by(Measure.id))
        parking = db.session.scalar(select(Contract).where(Contract.reference == f"{PARKING}/{PARKING}-1"))
        # Due while the contract runs (a commitment outside its contract is refused).
        add_commitment(parking, officer, CommitmentDetails(measure.id, 40, parking.end_date or parking.start_date))
        hand = record_contract(
            ContractDetails("BRENT-FM-001", "Facilities management", None, hand_supplier, 50_000_000,
                            date(2025, 4, 1), date(2028, 3, 31)),
            officer,
        )
        db.session.commit()
        return {"hand": hand.id}


def export(client) -> dict:
    response = client.get("/open-data/ocds.json")
    assert response.status_code == 200
    return response.get_json()


def test_an_imported_contract_is_published_under_its_own_ocid_and_award_id(client, published):
    package = export(client)
    by_contract = {release["contracts"][0]["id"]: release for release in package["releases"]}
    parking = by_contract[f"{PARKING}/{PARKING}-1"]
    assert parking["ocid"] == PARKING
    assert parking["awards"][0]["id"] == f"{PARKING}-1"
    assert parking["contracts"][0]["awardID"] == f"{PARKING}-1"
    assert parking["awards"][0]["suppliers"][0]["name"] == "Marstons holdings plc"
    assert parking["contracts"][0]["agreedMetrics"]  # its social value goes with it
    assert by_contract[f"{PARKING}/{PARKING}-2"]["ocid"] == PARKING
    # Not a second time under the council's prefix.
    assert [r["ocid"] for r in package["releases"] if r["ocid"].startswith(PREFIX)] == [f"{PREFIX}{published['hand']}"]
    # The hand-recorded contract keeps the council's prefix and its own id as the award's.
    hand = by_contract["BRENT-FM-001"]
    assert (hand["ocid"], hand["awards"][0]["id"]) == (f"{PREFIX}{published['hand']}", str(published["hand"]))
    # Release ids stay unique, and the same data gives the same ids.
    ids = [release["id"] for release in package["releases"]]
    assert len(ids) == len(set(ids)) == 3
    assert [release["id"] for release in export(client)["releases"]] == ids


def test_the_export_with_imported_contracts_passes_libcoveocds_and_ocdskit(client, published, mirror, tmp_path):
    import json

    package = export(client)
    results = mirror.review(package, tmp_path)
    assert errors(results) == {}
    assert results["additional_fields"] == []
    schema = tmp_path / "patched-release-schema.json"
    schema.write_text(json.dumps(mirror.patched_release_schema(package)), encoding="utf-8")
    compiled = ocdskit_compile(package, schema)
    assert compiled.returncode == 0, compiled.stderr
    assert compiled.stderr == ""  # no warning
    records = {record["ocid"]: record for record in json.loads(compiled.stdout)["records"]}
    assert set(records) == {PARKING, f"{PREFIX}{published['hand']}"}
    # The two releases of the parking process merge into one record with both awards.
    awards = records[PARKING]["compiledRelease"]["awards"]
    assert sorted(award["id"] for award in awards) == [f"{PARKING}-1", f"{PARKING}-2"]
