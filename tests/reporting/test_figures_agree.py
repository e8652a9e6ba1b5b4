"""Published figures that agree with each other.

- The supplier scorecard, the officers' dashboard and the annual report show confirmed
  deliveries (valued at the needs' estimated values) beside what commitments show as
  delivered in pounds (valued through their measures). Each figure says what it counts,
  and the page shows how one becomes the other: the parts counted towards commitments
  valued in pounds, towards commitments counted in other units, and towards none; and, for
  a year, what crosses from or to other years. The parts add up to both figures exactly.
- The annual report and the dashboard count ballots only in ward votes that actually
  closed in the year (closed, or results published): never a round still open."""

from __future__ import annotations

import html
import json
import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from models import Measure, Organisation, OrganisationKind, Postcode, Role, User, db
from models.contracts.rules import CommitmentDetails, ContractDetails, add_commitment, record_contract
from models.needs.rules import NeedDetails, create_need, publish_need, submit_need
from models.places.themes import seed_themes
from models.pledges.rules import accept_pledge, confirm_delivery, confirm_receipt, make_pledge, record_delivery
from models.reporting import impact
from models.reporting.delivery_totals import rebuild_delivery_totals
from models.reporting.ledger import LedgerFilters, ledger_totals
from models.reporting.reconciliation import delivery_split
from models.reporting.scorecards import supplier_scorecard
from models.voting.ballots import enter_paper_batch
from models.voting.models import Round
from models.voting.setup import RoundFields, add_item_option, close_round, create_round, open_round, publish_results
from tests.factories import login

TODAY = date.today()
YEAR = impact.Year.of(TODAY)


def words(page: str) -> str:
    """The page's text without tags, whitespace collapsed."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def signed_in(app, email):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


# Deliveries and commitments ---------------------------------------------------------------


@pytest.fixture
def supplier_world(app, places, make_user, make_organisation):
    """A supplier with three commitments: £1,000 of community investment due this financial
    year (A) and £2,000 due next year (B), both valued in pounds; 100 volunteering hours due
    this year (H), not valued in pounds. Four confirmed deliveries:

    - P1: £300 to a £500 fridge fund, counted £200 towards A and £50 towards B (£50 towards none);
    - P2: 24 of 40 pantry volunteer hours (the need worth £360), counted towards H;
    - P3: 1 of 3 laptops (worth £1,000 together), counted towards no commitment;
    - P4: £50 to a £100 kit fund, counted towards A, confirmed last financial year."""
    with app.app_context():
        seed_themes()
        db.session.commit()
    officer_id = make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    owner_id = make_user("group@example.org", "Gita Group")
    seller_id = make_user("seller@example.org", "Sid Seller")
    group_id = make_organisation(owner_id, name="Harlesden Food Hub", officer_id=officer_id)
    supplier_id = make_organisation(seller_id, kind=OrganisationKind.SUPPLIER, name="Builders Ltd", officer_id=officer_id)
    with app.app_context():
        officer, owner, seller = (db.session.get(User, i) for i in (officer_id, owner_id, seller_id))
        group, supplier = db.session.get(Organisation, group_id), db.session.get(Organisation, supplier_id)
        cash = db.session.scalar(select(Measure).where(Measure.name == "Community investment"))
        hours = db.session.scalar(select(Measure).where(Measure.name == "Employee volunteering hours"))
        contract = record_contract(ContractDetails("BRENT-FM-001", "Facilities management", None, supplier_id,
                                                   2_000_000_00, None, None), officer)
        a = add_commitment(contract, officer, CommitmentDetails(cash.id, 1_000, YEAR.last_day))
        b = add_commitment(contract, officer, CommitmentDetails(cash.id, 2_000, YEAR.last_day + timedelta(days=40)))
        h = add_commitment(contract, officer, CommitmentDetails(hours.id, 100, YEAR.last_day))
        ward_id = db.session.get(Postcode, "NW10 8AB").ward_id

        def delivered(title, kind, quantity, unit, pounds, theme_id, given, allocations):
            need = create_need(group, owner, NeedDetails(title, f"{title} for families", "", kind, quantity, unit,
                                                         pounds * 100, ward_id, theme_id, 50, TODAY + timedelta(days=60)), TODAY)
            submit_need(need, owner, TODAY)
            publish_need(need, officer, TODAY)
            pledge = make_pledge(need, supplier, seller, given, "Glad to help")
            accept_pledge(pledge, owner)
            record_delivery(pledge, seller, TODAY, "Done", None, TODAY)
            confirm_receipt(pledge, owner)
            confirm_delivery(pledge, officer, allocations)
            return pledge

        delivered("Fridge fund", "cash", 500, "£", 500, cash.theme_id, 300, [(a.id, 200), (b.id, 50)])
        delivered("Pantry volunteers", "volunteering", 40, "hours", 360, hours.theme_id, 24, [(h.id, 24)])
        delivered("Laptops for homework club", "goods", 3, "laptops", 1_000, cash.theme_id, 1, [])
        last_year = delivered("Kit fund", "cash", 100, "£", 100, cash.theme_id, 50, [(a.id, 50)])
        last_year.confirmed_at = datetime.combine(YEAR.first_day - timedelta(days=10), time(12))
        db.session.flush()
        rebuild_delivery_totals()  # the totals follow the backdated confirmation
        db.session.commit()
        return {"supplier": supplier_id}


def test_the_scorecard_splits_the_deliveries_value_into_parts_that_add_up_to_both_figures(app, supplier_world):
    with app.app_context():
        card = supplier_scorecard(db.session.get(Organisation, supplier_world["supplier"]), TODAY)
        split = card.split
        assert split.value_pence == card.deliveries.value_pence == ledger_totals(
            LedgerFilters(supplier=supplier_world["supplier"])).value_pence == 899_33
        assert split.count == card.deliveries.count == 4
        # £250 of the fridge fund and the £50 kit fund count towards commitments valued in pounds;
        # the pantry hours towards hours; £50 of the fridge fund and the laptop towards none.
        assert (split.to_priced_pence, split.to_unpriced_pence, split.unallocated_pence) == (300_00, 216_00, 383_33)
        assert split.to_priced_pence + split.to_unpriced_pence + split.unallocated_pence == split.value_pence
        assert split.unallocated_count == 1
        assert split.proxy_pence == split.commitments_delivered_pence == card.commitments_delivered_value_pence == 300_00


def test_the_scorecard_page_says_what_each_figure_counts_and_explains_the_gap(app, client, supplier_world):
    page = words(client.get(f"/organisations/{supplier_world['supplier']}").get_data(as_text=True))
    assert "Confirmed deliveries 4, worth £899.33 at the needs' estimated values" in page
    assert ("Commitments in pounds £300 delivered of £3,000 committed, through the values per unit of the commitments' "
            "measures; 1 commitment is counted in its own units only") in page
    assert ("The £899.33 of deliveries and the £300 delivered against commitments in pounds count different things. "
            "Deliveries are valued at what each group estimated its need was worth.") in page
    assert "How the 4 confirmed deliveries count towards commitments" in page
    assert "Commitments valued in pounds £300 £300" in page
    assert "Commitments counted in other units only £216 Not in pounds" in page
    assert "No commitment: the need only (1 delivery counted towards none) £383.33 None" in page
    assert "All £899.33 £300" in page


def test_the_dashboard_figures_agree_and_the_page_explains_the_gap_between_years(app, supplier_world):
    with app.app_context():
        headline = impact.headline(YEAR, TODAY)
        split = delivery_split(YEAR)
        assert (split.count, split.value_pence) == (headline.deliveries_in_year, headline.delivered_in_year_pence) == (3, 849_33)
        assert (split.to_priced_pence, split.to_unpriced_pence, split.unallocated_pence) == (250_00, 216_00, 383_33)
        # Through the measures: £250 from this year's deliveries, less £50 towards B (due next
        # year), plus £50 from last year's kit fund towards A: what A shows as delivered.
        assert (split.proxy_pence, split.to_other_years_pence, split.from_other_years_pence) == (250_00, 50_00, 50_00)
        assert split.commitments_delivered_pence == headline.delivered_against_commitments_pence == 250_00
        # All years: nothing crosses a year, and the figures meet again.
        everything = delivery_split(None)
        assert everything.commitments_delivered_pence == impact.headline(None, TODAY).delivered_against_commitments_pence
        assert everything.value_pence == impact.headline(None, TODAY).delivered_in_year_pence == 899_33
    officer = signed_in(app, "officer@example.org")
    page = words(officer.get("/officers/impact").get_data(as_text=True))
    assert "Confirmed deliveries in the period: 3, worth £849.33 at the needs' estimated values" in page
    assert f"How the 3 deliveries confirmed in {YEAR.label} count towards commitments" in page
    assert "Commitments valued in pounds £250 £250" in page
    assert ("The £250 delivered against commitments due in the year is the £250 above, less £50 counted towards "
            "commitments due in other years, plus £50 from deliveries confirmed in other years.") in page
    report = officer.get(f"/officers/report?year={YEAR.start}")
    assert "Commitments counted in other units only £216 Not in pounds" in words(report.get_data(as_text=True))
    data = json.loads(officer.get(f"/officers/report/data.json?year={YEAR.start}").get_data(as_text=True))
    assert data["deliveries_split"]["commitments_delivered_pence"] == data["headline"]["delivered_against_commitments_pence"]
    assert data["deliveries_split"]["value_pence"] == data["headline"]["delivered_in_year_pence"]
    # The figures are for officers only.
    assert signed_in(app, "seller@example.org").get("/officers/impact").status_code == 403


# Rounds closed in the year ------------------------------------------------------------------


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour))


@pytest.fixture
def rounds(app, places, make_user):
    """Four ward votes in Harlesden, each with paper ballots: one still open though its closing
    time is in this financial year (2 ballots), one closed (3) and one with results
    published (1) in the year, and one closed last year (4). Plus a draft."""
    officer_id = make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    with app.app_context():
        officer = db.session.get(User, officer_id)
        ward_id = db.session.get(Postcode, "NW10 8AB").ward_id
        made = {}
        for key, closes, ballots in (("open", YEAR.first_day + timedelta(days=60), 2),
                                     ("closed", YEAR.first_day + timedelta(days=90), 3),
                                     ("published", YEAR.first_day + timedelta(days=120), 1),
                                     ("last_year", YEAR.first_day - timedelta(days=20), 4),
                                     ("draft", YEAR.first_day + timedelta(days=30), 0)):
            opens = _at(closes - timedelta(days=14))
            round_ = create_round(officer, RoundFields(f"Harlesden priorities ({key})", "Choose.", ward_id, 10_000_00,
                                                       opens, _at(closes), "approval", 1, None, "greedy"))
            add_item_option(round_, officer, "Benches", "Three benches", 2_000_00)
            add_item_option(round_, officer, "Trees", "Watering bags", 800_00)
            if key != "draft":
                open_round(round_, officer, opens - timedelta(hours=1))
                enter_paper_batch(round_, officer, "Bundle 1", "\n".join("1" for _ in range(ballots)), opens + timedelta(hours=1))
            if key in ("closed", "published", "last_year"):
                close_round(round_, officer, _at(closes) + timedelta(hours=1))
            made[key] = round_.id
        db.session.commit()
    return {"officer": officer_id, **made}


def test_only_rounds_that_closed_in_the_year_count(app, rounds, work_jobs):
    assert work_jobs() == 0  # the counts of the closed rounds
    with app.app_context():
        publish_results(db.session.get(Round, rounds["published"]), db.session.get(User, rounds["officer"]))
        db.session.commit()
        assert db.session.get(Round, rounds["open"]).state == "open"
        [row] = impact.participation(YEAR)
        assert (row.ward, row.rounds, row.digital, row.paper, row.total) == ("Harlesden & Kensal Green", 2, 0, 4, 4)
        assert impact.build_report(YEAR, TODAY).participation == [row]
        [last] = impact.participation(impact.Year(YEAR.start - 1))
        assert (last.rounds, last.paper) == (1, 4)
        [every] = impact.participation(None)
        assert (every.rounds, every.paper) == (3, 8)  # the open round is in no year until it closes
    officer = signed_in(app, "officer@example.org")
    report = words(officer.get(f"/officers/report?year={YEAR.start}").get_data(as_text=True))
    assert "Ballots cast in ward votes that closed in the year Ward Online Paper Total Harlesden & Kensal Green 0 4 4" in report
    dashboard = words(officer.get(f"/officers/impact?year={YEAR.start}").get_data(as_text=True))
    assert "Harlesden & Kensal Green 2 0 4 4" in dashboard
