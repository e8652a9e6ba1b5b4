"""The public ledger of confirmed deliveries: what it lists, its filters and totals,
the CSV download, and that it names organisations but never people."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from models import Need, Organisation, db
from models.reporting.ledger import LedgerFilters, financial_year, ledger_totals
from models.pledges.models import Pledge
from models.reporting.delivery_totals import rebuild_delivery_totals
from models.places.themes import Theme
from tests import factories
from tests.factories import recorded_queries

PEOPLE = ("Olu Officer", "Gita Group", "Sam Supplier", "Sue Supplier", "officer@example.org", "owner@example.org",
          "supplier1@example.org", "supplier2@example.org")


@pytest.fixture
def ledger(app, places):
    """Two suppliers' deliveries to one group's needs, confirmed on known dates, and
    pledges at every earlier step (which must never show)."""
    with app.app_context():
        officer = factories.officer("officer@example.org", "Olu Officer")
        owner = factories.user("owner@example.org", "Gita Group")
        first = factories.user("supplier1@example.org", "Sam Supplier")
        second = factories.user("supplier2@example.org", "Sue Supplier")
        group = factories.organisation(owner, officer=officer, contact_email="hub@example.org")
        builders = factories.supplier(first, officer=officer)
        cleaners = factories.supplier(second, "Cleaners plc", officer=officer, registration_number="09000002")
        db.session.commit()
        factories.themes()
        themes = db.session.scalars(select(Theme).order_by(Theme.position)).all()
        harlesden = factories.ward(name="Harlesden & Kensal Green")
        sellers = {builders.id: first, cleaners.id: second}

        def need(title, kind, quantity, value_pence, ward, theme):
            return factories.inserted_need(
                group.id, owner.id, title, kind=kind, quantity=quantity,
                unit="hours" if kind == "volunteering" else "items", value_pence=value_pence,
                ward_id=ward.id if ward else None, theme_id=theme.id,
            )

        def pledge(found, supplier_id, quantity, until="confirmed", confirmed_at=None):
            made = factories.pledge(
                found, db.session.get(Organisation, supplier_id), sellers[supplier_id], quantity, "Glad to help",
                until=until, receiver=owner, officer=officer, reason="No evidence",
            )
            if until == "confirmed":
                made.confirmed_at = confirmed_at
                rebuild_delivery_totals()  # the totals follow the backdated confirmation
            db.session.commit()
            return made.id

        pantry = need("Pantry volunteers", "volunteering", 40, 60_000, harlesden, themes[0])
        laptops = need("Laptops for homework club", "goods", 3, 100_000, None, themes[1])
        ids = {
            # £600 × 30/40 = £450, in the 2024–25 financial year
            "pantry": pledge(pantry, builders.id, 30, confirmed_at=datetime(2025, 3, 31, 23, 0)),
            # £1,000 × 1/3 = £333.33 (rounded down), in 2025–26
            "laptop": pledge(laptops, cleaners.id, 1, confirmed_at=datetime(2025, 4, 1, 9, 0)),
            # £600 × 5/40 = £75, in 2025–26, the newest
            "pantry2": pledge(pantry, cleaners.id, 5, confirmed_at=datetime(2025, 6, 1, 9, 0)),
            "offered": pledge(laptops, builders.id, 1, until="offered"),
            "accepted": pledge(pantry, builders.id, 1, until="accepted"),
            "delivered": pledge(pantry, builders.id, 1, until="received"),
            "disputed": pledge(laptops, builders.id, 1, until="disputed"),
        }
        return {
            "ids": ids, "builders": builders.id, "cleaners": cleaners.id, "harlesden": harlesden.code,
            "themes": [theme.slug for theme in themes], "pantry": pantry.id, "laptops": laptops.id,
        }


def rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_ledger_lists_confirmed_deliveries_newest_first_to_anyone(client, ledger):
    page = client.get("/ledger")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "3</strong> confirmed deliveries worth <strong>£858.33" in html
    # newest first: Cleaners' pantry hours, then the laptop, then Builders' pantry hours
    assert html.index("£75") < html.index("£333.33") < html.index("£450")
    assert "1 June 2025" in html and "1 April 2025" in html and "31 March 2025" in html
    assert "30 hours" in html and "1 items" in html and "Borough-wide" in html and "Harlesden &amp; Kensal Green" in html
    assert f'href="/needs/{ledger["pantry"]}"' in html and "Harlesden Food Hub" in html
    assert "Builders Ltd" in html and "Cleaners plc" in html


def test_unconfirmed_pledges_never_appear(app, client, ledger):
    html = client.get("/ledger").get_data(as_text=True)
    assert html.count('class="govuk-table__row"') == 1 + 3  # the header and the three confirmed
    with app.app_context():
        assert ledger_totals(LedgerFilters()).count == 3
        unconfirmed = [ledger["ids"][name] for name in ("offered", "accepted", "delivered", "disputed")]
        statuses = db.session.scalars(select(Pledge.status).where(Pledge.id.in_(unconfirmed))).all()
        assert sorted(statuses) == ["accepted", "delivered", "disputed", "offered"]
    assert len(rows(client.get("/ledger.csv"))) == 1 + 3


@pytest.mark.parametrize(
    "query, count, value",
    [
        ("", 3, "£858.33"),
        ("ward={harlesden}", 2, "£525"),
        ("ward=borough", 1, "£333.33"),
        ("theme={theme0}", 2, "£525"),
        ("theme={theme1}", 1, "£333.33"),
        ("supplier={builders}", 1, "£450"),
        ("supplier={cleaners}", 2, "£408.33"),
        ("kind=goods", 1, "£333.33"),
        ("kind=volunteering", 2, "£525"),
        ("year=2024", 1, "£450"),  # April 2024 to March 2025: 31 March is in it
        ("year=2025", 2, "£408.33"),  # 1 April starts the next one
        ("year=2023", 0, "£0"),
        ("ward={harlesden}&supplier={cleaners}&year=2025", 1, "£75"),
        ("ward=E05000000", 0, "£0"),  # no such ward
        ("supplier=banana&kind=rockets&year=soon", 3, "£858.33"),  # nonsense is ignored
    ],
)
def test_filters_and_totals(client, ledger, query, count, value):
    url = "/ledger?" + query.format(
        harlesden=ledger["harlesden"], theme0=ledger["themes"][0], theme1=ledger["themes"][1],
        builders=ledger["builders"], cleaners=ledger["cleaners"],
    )
    html = client.get(url).get_data(as_text=True)
    noun = "delivery" if count == 1 else "deliveries"
    assert f"{count}</strong> confirmed {noun} worth <strong>{value}</strong>" in html
    assert html.count('class="govuk-table__row"') == (1 + count if count else 0)


def test_the_csv_has_the_filtered_rows_and_links_to_the_needs(client, ledger):
    response = client.get(f"/ledger.csv?supplier={ledger['cleaners']}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, *body = rows(response)
    assert header == ["Confirmed on", "Supplier", "Need", "Need link", "Group", "Ward", "Theme", "Kind",
                      "Quantity", "Unit", "Value (£)"]
    assert [row[0] for row in body] == ["2025-06-01", "2025-04-01"]
    pantry = body[0]
    assert pantry[1:3] == ["Cleaners plc", "Pantry volunteers"]
    assert pantry[3] == f"http://localhost/needs/{ledger['pantry']}"
    assert pantry[4:6] == ["Harlesden Food Hub", "Harlesden & Kensal Green"]
    assert pantry[7:] == ["Volunteer time", "5", "hours", "75.00"]
    assert body[1][5] == "Borough-wide" and body[1][-1] == "333.33"


def test_the_csv_link_keeps_the_filters(client, ledger):
    html = client.get("/ledger?kind=goods&year=2025&page=1").get_data(as_text=True)
    assert 'href="/ledger.csv?kind=goods&amp;year=2025"' in html
    assert len(rows(client.get("/ledger.csv?kind=goods&year=2025"))) == 2


def test_no_personal_data_on_the_page_or_in_the_csv(client, ledger):
    page = client.get("/ledger").get_data(as_text=True)
    download = client.get("/ledger.csv").get_data(as_text=True)
    for person in PEOPLE + ("hub@example.org",):
        assert person not in page
        assert person not in download


def test_a_title_that_looks_like_a_formula_is_text_in_the_csv(app, client, ledger):
    with app.app_context():
        db.session.get(Need, ledger["pantry"]).title = '=HYPERLINK("http://evil.example","x")'
        db.session.commit()
    body = rows(client.get("/ledger.csv"))[1:]
    assert body[0][2] == "'=HYPERLINK(\"http://evil.example\",\"x\")"


def test_pages_of_deliveries(client, ledger, monkeypatch):
    import brokerage.public.ledger as view

    monkeypatch.setattr(view, "PER_PAGE", 2)
    first = client.get("/ledger").get_data(as_text=True)
    second = client.get("/ledger?page=2").get_data(as_text=True)
    assert "£75" in first and "£333.33" in first and "£450" not in first
    assert "£450" in second and "£75" not in second
    assert "3</strong> confirmed deliveries" in second  # totals are for the whole filtered set
    assert client.get("/ledger?page=abc").status_code == 200


def test_the_page_makes_the_same_queries_however_many_rows(app, client, ledger):
    def queries(url: str) -> int:
        with recorded_queries(app) as statements:
            assert client.get(url).status_code == 200
        return len([s for s in statements if "pledges" in s or "needs" in s or "organisations" in s])

    one = queries(f"/ledger?supplier={ledger['builders']}")
    three = queries("/ledger")
    assert one == three


def test_the_ledger_is_in_the_navigation(client, ledger):
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/ledger">\s*Delivered\s*<', html)


def test_financial_years_run_april_to_march():
    assert financial_year(date(2025, 3, 31)) == 2024
    assert financial_year(date(2025, 4, 1)) == 2025
    assert financial_year(date(2026, 1, 15)) == 2025


def test_a_page_of_rows_says_what_the_pledges_say(app, ledger):
    """The ledger reads plain rows (models.reporting.ledger.ledger_rows), not ORM pledges:
    each row holds what the pledge, its need and its organisations say, a delivery confirmed
    before values were stored worth its share of the need's value, as Pledge.value_pence
    works it out, newest first, whatever page it is on."""
    from models.reporting.ledger import ledger_page

    with app.app_context():
        # As if confirmed before values were stored: £1,000 × 1/3, rounded down.
        laptop = db.session.get(Pledge, ledger["ids"]["laptop"])
        laptop.confirmed_value_pence = None
        db.session.commit()
        rows = ledger_page(LedgerFilters(), 1, 50)
        assert [row.id for row in rows] == [ledger["ids"][name] for name in ("pantry2", "laptop", "pantry")]
        for row in rows:
            pledge = db.session.get(Pledge, row.id)
            need = pledge.need
            assert (row.confirmed_at, row.quantity, row.value_pence, row.from_fund) == (
                pledge.confirmed_at, pledge.quantity, pledge.value_pence, pledge.from_fund)
            assert (row.supplier_id, row.supplier_name, row.supplier_is_verified) == (
                pledge.supplier.id, pledge.supplier.name, pledge.supplier.is_verified)
            assert (row.need_id, row.need_title, row.need_is_public, row.unit, row.kind_label) == (
                need.id, need.title, need.is_public, need.unit, need.kind_label)
            assert (row.theme_slug, row.theme_name, row.group_id, row.group_name) == (
                need.theme.slug, need.theme.name, need.organisation.id, need.organisation.name)
            assert (row.ward_code, row.ward_name) == ((need.ward.code, need.ward.name) if need.ward else (None, None))
        assert rows[1].value_pence == 33_333
        # A later page through OFFSET, and a ward's rows.
        assert [row.id for row in ledger_page(LedgerFilters(), 2, 2)] == [ledger["ids"]["pantry"]]
        in_harlesden = ledger_page(LedgerFilters(ward=ledger["harlesden"]), 1, 50)
        assert [row.id for row in in_harlesden] == [ledger["ids"]["pantry2"], ledger["ids"]["pantry"]]
        # A £1,000,000 need's share worked out in SQL: value × quantity passes 2³¹ (PostgreSQL's
        # integer), so it is worked out in 64 bits.
        db.session.get(Need, ledger["pantry"]).value_pence = 100_000_000
        db.session.get(Pledge, ledger["ids"]["pantry"]).confirmed_value_pence = None
        db.session.commit()
        [pantry] = [row for row in ledger_page(LedgerFilters(), 1, 50) if row.id == ledger["ids"]["pantry"]]
        assert pantry.value_pence == 100_000_000 * 30 // 40 == db.session.get(Pledge, pantry.id).value_pence


def test_a_delivery_is_filed_under_its_needs_ward_theme_and_kind_and_a_rebuild_files_it_afresh(app, client, ledger):
    """The ledger filters deliveries by the ward, theme and kind stored on each when it was
    confirmed (not by reading its need). A need can change them only before it takes pledges;
    after a direct edit of the database, rebuilding the totals files its deliveries afresh,
    and the list, the totals and the CSV move together."""
    from models.reporting.ledger import ledger_page
    from models.places.wards import Ward

    with app.app_context():
        pantry = db.session.get(Pledge, ledger["ids"]["pantry"])
        harlesden = db.session.scalar(select(Ward).where(Ward.code == ledger["harlesden"]))
        assert (pantry.confirmed_ward_id, pantry.confirmed_kind) == (harlesden.id, "volunteering")
        assert pantry.confirmed_theme_id == pantry.need.theme_id
        # Not yet confirmed: nothing stored.
        assert db.session.get(Pledge, ledger["ids"]["delivered"]).confirmed_ward_id is None
        # The need moved borough-wide and to goods, by hand.
        need = db.session.get(Need, ledger["pantry"])
        need.ward_id, need.kind = None, "goods"
        db.session.commit()
        rebuild_delivery_totals()
        db.session.commit()
        assert ledger_page(LedgerFilters(ward=ledger["harlesden"]), 1, 50) == []
        assert ledger_totals(LedgerFilters(ward=ledger["harlesden"])).count == 0
        borough = [row.id for row in ledger_page(LedgerFilters(ward="borough", kind="goods"), 1, 50)]
        assert borough == [ledger["ids"][name] for name in ("pantry2", "laptop", "pantry")]
        assert ledger_totals(LedgerFilters(ward="borough", kind="goods")).count == 3
        assert ledger_page(LedgerFilters(kind="volunteering"), 1, 50) == []
    page = client.get(f"/ledger?ward={ledger['harlesden']}")
    assert page.status_code == 200 and "Pantry volunteers" not in page.get_data(as_text=True)
    assert len(rows(client.get("/ledger.csv?ward=borough&kind=goods"))) == 1 + 3
