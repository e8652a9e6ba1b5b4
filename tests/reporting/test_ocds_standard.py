"""The OCDS export (/open-data/ocds.json) as the Open Contracting Partnership's own tools read
it, offline: libcoveocds (the Data Review Tool's checker, with its additional checks) finds no
error and loads the metrics extension, from the version the package names (a tag listed in
the OCDS Extension Registry); `ocdskit compile` merges the releases into records without a
warning; and the rules the schema cannot express hold: a metric observation carries a
`measure` (with a unit and its scheme) or a `value`, never both; every award has a date;
`initiationType: tender` (which OCDS 1.1 requires) only with the `tender` it names.

The standard and the extension come from tests/data/ocds/ through a local HTTP server
(tests/reporting/ocds_tools.py); the first tests check that the checker really used them,
and that it reports what is wrong in a package that is."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from models import Contract, User, db
from models.contracts.rules import CommitmentDetails, add_commitment
from models.places.themes import Theme, save_measure
from tests import factories
from tests.factories import OpenDataBorough as World
from tests.reporting.ocds_tools import METRICS_V1_1, STANDARD_ZIP, LocalMirror, errors, ocdskit_compile

@pytest.fixture
def world(app, places) -> World:
    return factories.open_data_borough(app)

METRICS_EXTENSION = METRICS_V1_1 + "extension.json"
UNCEFACT_CODES = {"HUR", "WEE", "DAY", "MON", "ANN", "C62", "TNE", "KGM", "KMT", "KWH", "LTR", "MTK"}


@pytest.fixture
def mirror():
    """A new server (so a new port) for each test: nothing comes from an earlier test's cache."""
    with LocalMirror() as served:
        yield served


def export(client) -> dict:
    response = client.get("/open-data/ocds.json")
    assert response.status_code == 200
    return response.get_json()


def observations(package: dict):
    """(release, metric, observation) for every observation, agreed and delivered."""
    for release in package["releases"]:
        for contract in release.get("contracts", []):
            metrics = contract.get("agreedMetrics", []) + contract.get("implementation", {}).get("metrics", [])
            for metric in metrics:
                for observation in metric.get("observations", []):
                    yield release, metric, observation


def assert_clean_in_libcoveocds(mirror: LocalMirror, package: dict, workdir) -> None:
    results = mirror.review(package, workdir)
    assert errors(results) == {}
    # The extension's fields are known to the checker (its schema was applied), none is extra.
    assert results["additional_fields"] == []
    assert results["extensions"]["is_extended_schema"] is True
    details, invalid = mirror.extensions(package)
    assert invalid == {}
    assert [extension["name"] for extension in details.values()] == ["Metrics"]


def assert_compiles_without_warnings(mirror: LocalMirror, package: dict, tmp_path) -> dict:
    schema = tmp_path / "patched-release-schema.json"
    schema.write_text(json.dumps(mirror.patched_release_schema(package)), encoding="utf-8")
    assert "agreedMetrics" in schema.read_text(encoding="utf-8")  # the extension is in the schema used
    compiled = ocdskit_compile(package, schema)
    assert compiled.returncode == 0, compiled.stderr
    assert compiled.stderr == ""  # no warning of any kind
    records = json.loads(compiled.stdout)["records"]
    assert sorted(record["ocid"] for record in records) == sorted(release["ocid"] for release in package["releases"])
    return {record["ocid"]: record for record in records}


# The export, as the tools read it -----------------------------------------------------------


def test_libcoveocds_finds_no_error_and_loads_the_registrys_metrics_extension(
    client, world: World, mirror, tmp_path
):
    package = export(client)
    # The tagged version listed in the OCDS Extension Registry, not a branch.
    assert package["extensions"] == [METRICS_EXTENSION]
    assert package["releases"], "the world has contracts to publish"
    assert_clean_in_libcoveocds(mirror, package, tmp_path)
    # ...and the checker read the standard and the extension from the vendored copies.
    served = {path for path, status in mirror.requests if status == 200}
    assert {
        STANDARD_ZIP.removeprefix("https://"),
        (METRICS_V1_1 + "extension.json").removeprefix("https://"),
        (METRICS_V1_1 + "release-schema.json").removeprefix("https://"),
    } <= served


def test_ocdskit_compile_merges_the_releases_into_records_without_warnings(client, world: World, mirror, tmp_path):
    package = export(client)
    records = assert_compiles_without_warnings(mirror, package, tmp_path)
    for release in package["releases"]:
        compiled = records[release["ocid"]]["compiledRelease"]
        assert compiled["contracts"] == release["contracts"]  # the metrics survive the merge whole
        assert compiled["awards"] == release["awards"]


# What the schema cannot say -----------------------------------------------------------------


def test_each_observation_carries_a_measure_with_a_unit_and_scheme_or_a_value_never_both(client, world: World):
    package = export(client)
    seen = list(observations(package))
    assert seen
    for _release, metric, observation in seen:
        assert ("measure" in observation) != ("value" in observation), observation
        if "measure" in observation:
            unit = observation["unit"]
            assert unit["scheme"] == "UNCEFACT" and unit["id"] in UNCEFACT_CODES and unit["name"], observation
        else:
            assert "unit" not in observation
            assert observation["value"]["currency"] == "GBP" and observation["value"]["amount"] >= 0

    fm = next(release for release in package["releases"] if release["contracts"][0]["id"] == "BRENT-FM-001")
    contract = fm["contracts"][0]
    agreed = {metric["id"]: metric["observations"] for metric in contract["agreedMetrics"]}
    delivered = {metric["id"]: metric["observations"] for metric in contract["implementation"]["metrics"]}
    investment, hours = f"commitment-{world.investment}", f"commitment-{world.hours}"
    # Community investment is counted in pounds: a financial metric, a value.
    assert agreed[investment] == [{
        "id": f"{investment}-target", "value": {"amount": 1_000, "currency": "GBP"},
        "period": agreed[investment][0]["period"],
    }]
    assert [observation["value"] for observation in delivered[investment]] == [{"amount": 200, "currency": "GBP"}]
    # Volunteering is counted in hours: a measure, in UN/CEFACT's hour.
    assert [(observation["measure"], observation["unit"]) for observation in agreed[hours]] == [
        (100, {"name": "hours", "scheme": "UNCEFACT", "id": "HUR"})
    ]
    assert [observation["measure"] for observation in delivered[hours]] == [30]


def test_a_measure_with_a_proxy_value_has_its_value_as_an_observation_of_its_own(
    app, client, world: World, mirror, tmp_path
):
    with app.app_context():
        officer = db.session.scalar(select(User).where(User.email == "officer@example.org"))
        theme = db.session.scalar(select(Theme).order_by(Theme.id))
        meals = save_measure(None, theme, "Meals for residents", "meals", 3_50, "goods", True, officer)
        due = date.today() + timedelta(days=100)
        commitment_id = add_commitment(
            db.session.get(Contract, world.contract), officer, CommitmentDetails(meals.id, 40, due)
        ).id
        db.session.commit()
    package = export(client)
    fm = next(release for release in package["releases"] if release["contracts"][0]["id"] == "BRENT-FM-001")
    metric = f"commitment-{commitment_id}"
    target = next(item for item in fm["contracts"][0]["agreedMetrics"] if item["id"] == metric)["observations"]
    assert [{key: value for key, value in observation.items() if key != "period"} for observation in target] == [
        {"id": f"{metric}-target", "measure": 40, "unit": {"name": "meals", "scheme": "UNCEFACT", "id": "C62"}},
        {"id": f"{metric}-target-value", "value": {"amount": 140, "currency": "GBP"},
         "notes": "The target valued at the measure's proxy value, £3.50 for each of its meals."},
    ]
    assert target[0]["period"] == target[1]["period"]
    delivered = next(item for item in fm["contracts"][0]["implementation"]["metrics"] if item["id"] == metric)
    assert [(observation.get("measure"), observation.get("value")) for observation in delivered["observations"]] == [
        (0, None), (None, {"amount": 0, "currency": "GBP"}),
    ]
    assert_clean_in_libcoveocds(mirror, package, tmp_path)


def test_every_award_has_a_date_and_no_release_claims_a_tender_it_does_not_have(client, world: World):
    package = export(client)
    for release in package["releases"]:
        if release.get("initiationType") == "tender":
            assert release["tender"]["id"] and release["tender"]["status"] == "complete", release["ocid"]
        for award in release["awards"]:
            awarded = datetime.fromisoformat(award["date"].replace("Z", "+00:00"))
            assert awarded <= datetime.fromisoformat(release["date"].replace("Z", "+00:00"))
            start = release["contracts"][0].get("period", {}).get("startDate")
            if start:  # awarded before the contract starts, or on that day
                assert awarded <= datetime.fromisoformat(start.replace("Z", "+00:00"))
    dates = {release["contracts"][0]["id"]: release["awards"][0]["date"] for release in package["releases"]}
    assert dates["BRENT-FM-001"] == "2025-04-01T00:00:00Z"  # started before it was recorded here: its start


def test_a_fresh_demo_passes_both_tools(app, client, mirror, tmp_path):
    from brokerage.demo import load_demo

    with app.app_context():
        load_demo()
    package = export(client)
    assert len(package["releases"]) >= 2 and any(True for _ in observations(package))
    assert_clean_in_libcoveocds(mirror, package, tmp_path)
    assert_compiles_without_warnings(mirror, package, tmp_path)


# The checks can fail ------------------------------------------------------------------------


def test_the_offline_checker_reports_what_is_wrong(client, world: World, mirror, tmp_path):
    package = export(client)
    broken = copy.deepcopy(package)
    release = broken["releases"][0]
    release["tag"] = ["awarded"]  # not in the closed releaseTag codelist
    release["awards"][0]["value"]["amount"] = "a lot"  # not a number
    release["awards"][0]["title"] = " "  # empty, which the additional checks report
    found = errors(mirror.review(broken, tmp_path / "broken"))
    assert set(found) == {"validation_errors", "additional_closed_codelist_values", "additional_checks"}
    assert [error["field"] for error in found["validation_errors"]] == ["releases/awards/value/amount"]
    assert list(found["additional_closed_codelist_values"]) == ["releases/tag"]
    assert found["additional_checks"] == {"empty_field": [{"json_location": "releases/0/awards/0/title"}]}

    # An extension that is not where the package says (a branch that does not exist) does not
    # load: the checker says so, and the fields it would define are unknown.
    missing = {**package, "extensions": [METRICS_EXTENSION.replace("/v1.1/", "/master/")]}
    _details, invalid = mirror.extensions(missing)
    assert list(invalid.values()) == ["404: not found"]
    results = mirror.review(missing, tmp_path / "missing")
    assert {field["field"] for field in results["additional_fields"]} == {"agreedMetrics", "metrics"}


def test_ocdskit_compile_reports_a_warning(client, world: World, mirror, tmp_path):
    package = export(client)
    contract = next(
        release["contracts"][0] for release in package["releases"] if "agreedMetrics" in release["contracts"][0]
    )
    contract["agreedMetrics"].append(copy.deepcopy(contract["agreedMetrics"][0]))  # two metrics with one id
    schema = tmp_path / "patched-release-schema.json"
    schema.write_text(json.dumps(mirror.patched_release_schema(package)), encoding="utf-8")
    compiled = ocdskit_compile(package, schema)
    assert "Multiple objects have the `id` value" in compiled.stderr
