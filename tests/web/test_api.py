"""The read-only JSON API (/api/v1/): public things only, filters, pagination with
links, strict query strings (400 with a message), JSON 404s, drafts and unpublished
votes never shown (signed in or not), and a fixed number of queries per page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import RoundOption, Theme, db
from models.voting.models import RoundState
from tests import factories
from tests.factories import login, OpenDataBorough, recorded_queries

PUBLIC_NEEDS = ("fridge", "laptops", "pantry", "tools")
HIDDEN_NEEDS = ("draft", "submitted", "rejected", "withdrawn")

@pytest.fixture
def world(app, places) -> OpenDataBorough:
    return factories.open_data_borough(app)


def get(client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    return response.get_json()


def test_needs_lists_public_needs_only_newest_first(client, world: OpenDataBorough):
    found = get(client, "/api/v1/needs")
    assert found["total"] == 4 and found["page"] == 1 and found["per_page"] == 20
    assert found["next"] is None and found["previous"] is None
    assert [need["id"] for need in found["items"]] == sorted((world.needs[name] for name in PUBLIC_NEEDS), reverse=True)
    fridge = next(need for need in found["items"] if need["id"] == world.needs["fridge"])
    assert fridge["title"] == "Community fridge fund" and fridge["kind"] == "cash" and fridge["status"] == "published"
    assert fridge["quantity"] == 500 and fridge["value_pence"] == 500_00 and fridge["unit"] == "£"
    assert fridge["delivered_quantity"] == 200 and fridge["pledged_quantity"] == 207  # confirmed + disputed
    assert fridge["ward"] == {"code": world.harlesden, "name": "Harlesden & Kensal Green"}
    assert fridge["organisation"] == {"id": world.hub, "name": "Harlesden Food Hub"}
    assert fridge["url"] == f"http://localhost/needs/{world.needs['fridge']}"
    assert "description_markdown" not in fridge


def test_needs_filters(app, client, world: OpenDataBorough):
    with app.app_context():
        slug = db.session.scalar(select(Theme.slug).where(Theme.name.like("Building community%")))

    def ids(query: str) -> set[int]:
        return {need["id"] for need in get(client, f"/api/v1/needs?{query}")["items"]}

    assert ids(f"ward={world.harlesden}") == {world.needs["fridge"], world.needs["pantry"]}
    assert ids("ward=borough") == {world.needs["laptops"]}
    assert ids(f"ward={world.stonebridge}&kind=goods") == {world.needs["tools"]}
    assert ids("kind=goods") == {world.needs["laptops"], world.needs["tools"]}
    assert ids(f"theme={slug}") == {world.needs["pantry"]}
    assert ids("ward=E05000000") == set()  # well formed, but no such ward


def test_pages_link_to_each_other_and_keep_the_filters(client, world: OpenDataBorough):
    first = get(client, "/api/v1/needs?kind=goods&per_page=1")
    assert first["total"] == 2 and len(first["items"]) == 1 and first["previous"] is None
    # Newest first: the next link carries a cursor naming the last need shown (keyset pagination)
    assert first["next"].startswith("http://localhost/api/v1/needs?kind=goods&page=2&per_page=1&after=")
    assert first["total_capped"] is False
    second = get(client, first["next"].removeprefix("http://localhost"))
    assert second["next"] is None and second["previous"] == "http://localhost/api/v1/needs?kind=goods&page=1&per_page=1"
    assert second["items"] == get(client, "/api/v1/needs?kind=goods&per_page=1&page=2")["items"]  # as by page number
    assert second["items"][0]["id"] != first["items"][0]["id"]
    assert "'after' must be the cursor" in get(client, "/api/v1/needs?after=yesterday", 400)["detail"]
    seen, url = [], "/api/v1/needs?per_page=3"
    while url:
        found = get(client, url)
        seen += [need["id"] for need in found["items"]]
        url = found["next"] and found["next"].removeprefix("http://localhost")
    assert sorted(seen) == sorted(world.needs[name] for name in PUBLIC_NEEDS)
    beyond = get(client, "/api/v1/needs?page=9")
    assert beyond["items"] == [] and beyond["next"] is None
    assert beyond["previous"] == "http://localhost/api/v1/needs?page=1&per_page=20"  # the last page there is


@pytest.mark.parametrize(
    "query, names",
    [
        ("page=0", "'page'"),
        ("page=abc", "'page' must be a whole number from 1 to 100,000"),
        ("page=100001", "'page'"),
        ("page=-1", "'page'"),
        ("page=1.5", "'page'"),
        ("page=%EF%BC%91", "'page'"),  # a full-width digit one: int() would take it
        ("per_page=101", "'per_page' must be a whole number from 1 to 100"),
        ("per_page=0", "'per_page'"),
        ("ward=harlesden", "'ward' must be a ward's GSS code"),
        ("ward=", "'ward'"),
        ("kind=rockets", "'kind' must be one of: cash, goods, volunteering, skills, space"),
        ("theme=Not%20a%20slug", "'theme'"),
        ("colour=red", "Unknown query parameter 'colour'"),
        ("page=1&page=2", "Give 'page' once"),
    ],
)
def test_bad_query_strings_are_400s_that_say_why(client, world: OpenDataBorough, query, names):
    found = get(client, f"/api/v1/needs?{query}", status=400)
    assert found["error"] == "Sorry, there is a problem with the request"
    assert names in found["detail"]


def test_other_lists_check_their_query_strings_too(client, world: OpenDataBorough):
    assert "'year'" in get(client, "/api/v1/deliveries?year=1999", 400)["detail"]
    assert "'supplier'" in get(client, "/api/v1/deliveries?supplier=x", 400)["detail"]
    assert "'state'" in get(client, "/api/v1/rounds?state=draft", 400)["detail"]
    assert "'ward'" in get(client, "/api/v1/rounds?ward=borough", 400)["detail"]
    assert "Unknown query parameter 'page'" in get(client, "/api/v1/wards?page=2", 400)["detail"]
    assert "Unknown query parameter 'x'" in get(client, f"/api/v1/needs/{world.needs['fridge']}?x=1", 400)["detail"]


def test_a_need_in_full(client, world: OpenDataBorough):
    found = get(client, f"/api/v1/needs/{world.needs['pantry']}")
    assert found["title"] == "Pantry volunteers" and found["description_markdown"] == "**Pantry volunteers**"
    assert found["kind"] == "volunteering" and found["delivered_quantity"] == 30 and found["remaining_quantity"] == 7


def test_what_is_not_public_is_a_json_404(client, world: OpenDataBorough):
    urls = [
        *(f"/api/v1/needs/{world.needs[status]}" for status in HIDDEN_NEEDS),
        "/api/v1/needs/999999",
        "/api/v1/wards/E05999999",
        "/api/v1/wards/not-a-ward",
        f"/api/v1/rounds/{world.rounds['draft']}",
        "/api/v1/rounds/999999",
        f"/api/v1/suppliers/{world.pending}",  # not verified
        f"/api/v1/suppliers/{world.hub}",  # a community group, not a supplier
        "/api/v1/no-such-thing",
    ]
    for url in urls:
        assert get(client, url, status=404) == {"error": "Page not found", "detail": None}, url
    response = client.post("/api/v1/needs")
    assert response.status_code == 405 and response.mimetype == "application/json"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_signing_in_shows_nothing_more(client, world: OpenDataBorough):
    login(client, "officer@example.org")
    assert client.get(f"/rounds/{world.rounds['draft']}").status_code == 200  # the officer's own page shows it
    get(client, f"/api/v1/rounds/{world.rounds['draft']}", status=404)
    get(client, f"/api/v1/needs/{world.needs['draft']}", status=404)
    assert world.rounds["draft"] not in {item["id"] for item in get(client, "/api/v1/rounds")["items"]}
    closed = get(client, f"/api/v1/rounds/{world.rounds['closed']}")
    assert all("votes" not in option for option in closed["options"])


def test_wards_and_a_ward_in_figures(client, world: OpenDataBorough):
    wards = get(client, "/api/v1/wards")["items"]
    assert len(wards) == 22 and wards[0]["name"] == "Alperton" and "counts" not in wards[0]
    found = get(client, f"/api/v1/wards/{world.harlesden}")
    assert found["name"] == "Harlesden & Kensal Green" and found["lad_code"] == world.lad_code
    assert found["counts"] == {
        "open_needs": 2,  # the fridge and the pantry still want more
        "public_needs": 2,  # its drafts, reviews, rejections and withdrawals are not counted
        "confirmed_deliveries": 2,
        "delivered_value_pence": 650_00,
        "rounds": 3,  # not the draft
        "organisations": 0,
    }
    assert found["indicators"] == [  # by indicator, newest year first
        {"indicator": "Social Progress Index (test data)", "year": 2025, "value": 58.25, "source": "Brent Council (test data)"},
        {"indicator": "Unemployment rate, % (test data)", "year": 2025, "value": 6.4, "source": "Brent Council (test data)"},
        {"indicator": "Unemployment rate, % (test data)", "year": 2024, "value": 7.1, "source": "Brent Council (test data)"},
    ]
    assert get(client, f"/api/v1/wards/{world.stonebridge}")["indicators"] == []
    assert not any("indicators" in item for item in wards)


def test_rounds_never_list_drafts(client, world: OpenDataBorough):
    found = get(client, "/api/v1/rounds")
    assert {item["id"] for item in found["items"]} == {world.rounds[state] for state in ("open", "closed", "published")}
    assert found["items"][0]["ward"] == {"code": world.harlesden, "name": "Harlesden & Kensal Green"}
    only = get(client, "/api/v1/rounds?state=published")["items"]
    assert [item["id"] for item in only] == [world.rounds["published"]]
    assert get(client, "/api/v1/rounds?ward=E05013496")["total"] == 0


def test_votes_and_winners_only_once_published(app, client, world: OpenDataBorough):
    with app.app_context():
        counted = db.session.scalars(select(RoundOption.votes).where(RoundOption.id.in_(world.options["closed"]))).all()
    assert sorted(counted) == [0, 1, 2]  # counted, so the numbers exist: they must not show until published
    for state in ("open", "closed"):
        found = get(client, f"/api/v1/rounds/{world.rounds[state]}")
        assert found["state"] == state and "results" not in found
        assert [option["title"] for option in found["options"]] == [
            f"{state.capitalize()} round: benches", f"{state.capitalize()} round: bulbs", f"{state.capitalize()} round: mural"
        ]
        for option in found["options"]:
            assert not {"votes", "rank", "selected"} & set(option)
    published = get(client, f"/api/v1/rounds/{world.rounds['published']}")
    assert published["state"] == RoundState.PUBLISHED.value
    assert [(option["votes"], option["rank"], option["selected"]) for option in published["options"]] == [
        (2, 1, True), (1, 2, True), (0, 3, False)  # most votes first within £1,000: benches £600, bulbs £300
    ]
    assert published["results"]["spent_pence"] == 900_00
    assert published["results"]["turnout"] == {"online": 2, "paper": 0, "imported": 0, "total": 2}


def test_deliveries_come_from_the_ledger(client, world: OpenDataBorough):
    found = get(client, "/api/v1/deliveries")
    assert found["total"] == 4 and found["total_value_pence"] == 200_00 + 450_00 + 333_33 + 500_00
    assert [item["id"] for item in found["items"]] == [world.pledges[name] for name in ("cash", "tools", "laptop", "hours")]
    laptop = found["items"][2]
    assert laptop["confirmed_at"] == "2025-04-01T09:00:00Z" and laptop["value_pence"] == 333_33
    assert laptop["ward"] is None and laptop["kind"] == "goods" and laptop["quantity"] == 1
    assert laptop["supplier"] == {"id": world.cleaners, "name": "Cleaners plc"}
    assert laptop["group"] == {"id": world.hub, "name": "Harlesden Food Hub"}
    cleaners = get(client, f"/api/v1/deliveries?supplier={world.cleaners}&per_page=1")
    assert cleaners["total"] == 2 and cleaners["total_value_pence"] == 833_33 and (
        f"supplier={world.cleaners}&page=2&per_page=1&after=" in cleaners["next"]
    )
    following = get(client, cleaners["next"].removeprefix("http://localhost"))
    assert following["items"] == get(client, f"/api/v1/deliveries?supplier={world.cleaners}&per_page=1&page=2")["items"]
    assert following["next"] is None
    assert get(client, "/api/v1/deliveries?year=2024")["total"] == 1
    assert get(client, f"/api/v1/deliveries?ward={world.harlesden}&kind=volunteering")["total_value_pence"] == 450_00


def test_suppliers_and_their_scorecards(client, world: OpenDataBorough):
    found = get(client, "/api/v1/suppliers")
    assert [(item["name"], item["confirmed_deliveries"], item["delivered_value_pence"]) for item in found["items"]] == [
        ("Builders Ltd", 2, 650_00), ("Cleaners plc", 2, 833_33)  # not the unverified Shady Ltd
    ]
    card = get(client, f"/api/v1/suppliers/{world.builders}")
    assert card["company_number"] == "09000001" and card["url"] == f"http://localhost/organisations/{world.builders}"
    assert [contract["reference"] for contract in card["contracts"]] == ["BRENT-FM-001"]
    commitments = {item["id"]: item for item in card["commitments"]}
    expected = {
        "contract_id": world.contract, "measure": "Community investment", "unit": "£", "target_quantity": 1_000,
        "delivered_quantity": 200, "target_value_pence": 1_000_00, "delivered_value_pence": 200_00,
        "status": "on_track", "settlement": None,
    }
    assert {key: commitments[world.investment][key] for key in expected} == expected
    assert commitments[world.hours]["delivered_quantity"] == 30 and commitments[world.hours]["status"] == "at_risk"
    assert commitments[world.hours]["target_value_pence"] is None
    assert card["totals"]["committed_value_pence"] == 1_000_00
    assert card["totals"]["commitments_by_status"] == {"on_track": 1, "at_risk": 1, "met": 0, "unmet": 0}
    cleaners = get(client, f"/api/v1/suppliers/{world.cleaners}")
    assert cleaners["commitments"] == []  # its only commitment is proposed, not approved


def test_themes(client, world: OpenDataBorough):
    themes = get(client, "/api/v1/themes")["items"]
    assert len(themes) == 5 and themes[0]["name"] == "Good jobs and fair work"


def test_the_openapi_document_and_its_documentation(client, world: OpenDataBorough):
    document = get(client, "/api/v1/openapi.json")
    assert document["openapi"] == "3.1.0"
    assert {"/needs", "/needs/{need_id}", "/wards", "/wards/{code}", "/rounds", "/rounds/{round_id}", "/deliveries",
            "/suppliers", "/suppliers/{supplier_id}"} <= set(document["paths"])
    assert get(client, "/api/v1/") == {
        "openapi": "http://localhost/api/v1/openapi.json", "documentation": "http://localhost/open-data/api"
    }
    html = client.get("/open-data/api").get_data(as_text=True)
    assert 'href="/api/v1/openapi.json"' in html and "<code>/api/v1/deliveries</code>" in html


@pytest.mark.parametrize("url", ["/api/v1/needs?per_page={n}", "/api/v1/deliveries?per_page={n}", "/api/v1/suppliers?per_page={n}"])
def test_a_page_takes_the_same_queries_however_many_rows(app, client, world: OpenDataBorough, url):
    def queries(count: int) -> int:
        with recorded_queries(app) as statements:
            found = get(client, url.format(n=count))
        assert len(found["items"]) == min(count, found["total"])
        return len(statements)

    assert queries(1) == queries(4)
