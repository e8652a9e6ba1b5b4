"""Officers fund a need directly from the Social Value Fund (issue 18): a pledge from the
council (counted in the need's progress and the ledger, towards no commitment) and a Fund
out-entry linked to it, in one transaction with an audit event; never beyond what the need
still lacks or what the Fund holds, even two officers at once (PostgreSQL)."""

from __future__ import annotations

import html

import re
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from models import DomainError, Need, PermissionDenied, db, utcnow
from models.core.events import Event
from models.core.mail import EmailMessage
from models.digests.content import DigestBuilder
from models.digests.periods import period_for
from models.fund.ledger import FundEntry, _move, fund_need, fund_summary, fund_year, fund_years
from models.pledges.models import Pledge
from models.pledges.rules import set_allocations
from models.reporting.delivery_totals import financial_year_of
from models.reporting.ledger import LedgerFilters, ledger_totals
from tests import factories
from tests.factories import csrf_token, login, post_form, signed_in
from tests.pledges.test_pledge_invariants import check_need, race, unexpected


@pytest.fixture
def needs(app, world):
    """Three of the hub's needs: £800 for a kitchen (800 £), 40 volunteer hours worth £600 (a
    draft), and 10 laptops worth £2,500."""
    with app.app_context():
        officer = factories.get(factories.User, world["officer"])
        hub_owner = db.session.scalar(select(factories.User).where(factories.User.email == "hub@example.org"))
        hub = hub_owner.organisations()[0]
        theme = factories.first_theme_id()
        kitchen = factories.need(hub, hub_owner, "A new kitchen", kind="cash", quantity=800, unit="£",
                                 value_pence=800_00, theme_id=theme, officer=officer)
        draft = factories.need(hub, hub_owner, "Volunteers", status="draft", theme_id=theme)
        laptops = factories.need(hub, hub_owner, "Laptops for the homework club", kind="goods", quantity=10,
                                 unit="laptops", value_pence=2_500_00, theme_id=theme, officer=officer)
        db.session.commit()
        return {**world, "kitchen": kitchen.id, "draft": draft.id, "laptops": laptops.id}


def fund(client, need_id: int, amount: str):
    return post_form(client, f"/officers/needs/{need_id}/fund", {"amount": amount}, form_url=f"/officers/needs/{need_id}")


def test_an_officer_funds_a_need_from_the_fund(app, needs):
    client = app.test_client()
    login(client, "officer@example.org")
    page = client.get(f"/officers/needs/{needs['kitchen']}").get_data(as_text=True)
    assert "Fund it from the Social Value Fund" in page and "It still lacks <strong id=\"need-lacks\">£800</strong>" in page
    response = fund(client, needs["kitchen"], "300")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        need = check_need(needs["kitchen"])
        assert (need.pledged_quantity, need.delivered_quantity, need.status) == (300, 300, "published")
        pledge = db.session.scalar(select(Pledge).where(Pledge.need_id == need.id))
        assert pledge.from_fund and pledge.status == "confirmed" and pledge.commitment_id is None
        assert pledge.value_pence == 300_00 and pledge.giver_name == "Funded by the council's Social Value Fund"
        entry = db.session.scalar(select(FundEntry).where(FundEntry.source == "need"))
        assert (entry.direction, entry.amount_pence, entry.pledge_id) == ("out", 300_00, pledge.id)
        assert fund_summary().balance_pence == 700_00
        assert ledger_totals(LedgerFilters()).value_pence == 300_00
        audit = db.session.scalars(select(Event.action).where(Event.subject_type.in_(("pledges", "needs")))).all()
        assert {"pledge.funded", "need.funded"} <= set(audit) and db.session.scalar(
            select(func.count()).select_from(Event).where(Event.action == "fund.need")) == 1
    # shown on the public ledger and on the Fund's page
    ledger = html.unescape(client.get("/ledger").get_data(as_text=True))
    assert "Funded by the council's Social Value Fund" in ledger
    fund_page = client.get("/officers/fund").get_data(as_text=True)
    assert "Funded a community need" in fund_page
    # the Fund's page lists the open needs that lack the most, each linked to where it is funded
    lacking = fund_page[fund_page.index('id="needs-lacking"'):]
    lacking = lacking[:lacking.index("</ul>")]
    assert lacking.index("Laptops for the homework club") < lacking.index("A new kitchen")
    assert f"/officers/needs/{needs['kitchen']}#fund" in lacking and "lacks £500" in lacking
    public = app.test_client().get(f"/needs/{needs['kitchen']}").get_data(as_text=True)
    assert 'id="funded-by-fund">£300 of it is funded by the council\'s Social Value Fund.</p>' in public
    with app.app_context():
        hub_id = db.session.get(Need, needs["kitchen"]).organisation_id
    page = html.unescape(signed_in(app, "hub@example.org").get(f"/groups/{hub_id}/pledges").get_data(as_text=True))
    assert "The council paid £300 from its Social Value Fund" in page and "Funded by the council's Social Value Fund" in page
    history = client.get(f"/officers/needs/{needs['kitchen']}").get_data(as_text=True)
    assert "Olu Officer paid towards the need “A new kitchen” from the Social Value Fund" in history


def test_the_same_form_sent_twice_funds_once(app, needs):
    """A double click: the form's token is the same, so the second submission finds the first's
    payment and spends nothing more."""
    client = app.test_client()
    login(client, "officer@example.org")
    page = client.get(f"/officers/needs/{needs['kitchen']}").get_data(as_text=True)
    token = re.search(r'name="client_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_token(client, f"/officers/needs/{needs['kitchen']}"), "amount": "300", "client_token": token}
    for _ in range(2):
        assert client.post(f"/officers/needs/{needs['kitchen']}/fund", data=data).status_code == 302
    with app.app_context():
        # the group is told once: "Funded by the Social Value Fund"
        [email] = db.session.scalars(select(EmailMessage).where(EmailMessage.kind == "need_funded")).all()
        assert email.to_address == "hub@example.org" and email.subject == "Funded by the Social Value Fund: A new kitchen"
        assert "has funded your need \"A new kitchen\" from its Social Value Fund: £300.\n" in email.text_body
        assert check_need(needs["kitchen"]).pledged_quantity == 300
        assert fund_summary().balance_pence == 700_00
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 1
    # a fresh form (a new token) is a new payment
    assert fund(client, needs["kitchen"], "100").status_code == 302
    with app.app_context():
        assert fund_summary().balance_pence == 600_00


def test_the_rest_of_a_need_funded_makes_it_delivered(app, needs):
    client = app.test_client()
    login(client, "officer@example.org")
    assert fund(client, needs["laptops"], "250").status_code == 302
    # £250 buys one laptop (of ten at £250): what is left is £2,250
    page = client.get(f"/officers/needs/{needs['laptops']}").get_data(as_text=True)
    assert "£2,250" in page
    # less than a laptop's worth buys no laptop: refused, nothing saved
    response = fund(client, needs["laptops"], "249.99")
    assert response.status_code == 400
    assert "£249.99 does not pay for one whole laptop (each is worth £250): fund more, or all it lacks" in (
        response.get_data(as_text=True))
    # 2 laptops' worth and a bit: the council pays what it says, the need counts the 2 whole laptops it buys
    assert fund(client, needs["laptops"], "500.01").status_code == 302
    with app.app_context():
        need = check_need(needs["laptops"])
        assert need.pledged_quantity == 3 and need.remaining_value_pence == 1_750_00
        assert fund_summary().balance_pence == 1_000_00 - 750_01
        # top the Fund up so it can pay the rest
        _move("in", "payment_in_lieu", 5_000_00, None, "A test top-up")
        db.session.commit()
    assert fund(client, needs["laptops"], "1750").status_code == 302
    with app.app_context():
        need = check_need(needs["laptops"])
        assert (need.pledged_quantity, need.delivered_quantity, need.status) == (10, 10, "delivered")
    # fully funded: nothing more can be paid, and the page says why instead of offering the form
    response = fund(client, needs["laptops"], "1")
    assert response.status_code == 400 and "This need is delivered, so it is not open to funding" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "amount, message",
    [
        ("lots", "Enter the amount in pounds"),
        ("-5", "The amount cannot be negative"),
        ("0", "Enter an amount more than £0"),
        ("99999999999", "The amount must be £100,000,000 or less"),
        ("", "Enter the amount in pounds"),
        ("800.01", "This need still lacks £800.00: fund that or less"),
    ],
)
def test_bad_amounts_are_refused_beside_the_field_and_nothing_is_saved(app, needs, amount, message):
    client = app.test_client()
    login(client, "officer@example.org")
    response = fund(client, needs["kitchen"], amount)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and message in body
    assert 'id="amount-error"' in body and "There is a problem" in body and f'value="{amount}"' in body
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 0
        assert fund_summary().balance_pence == 1_000_00


def test_more_than_the_fund_holds_is_refused(app, needs):
    client = app.test_client()
    login(client, "officer@example.org")
    response = fund(client, needs["laptops"], "1000.01")
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "The Fund holds £1,000.00: you cannot spend more than that" in body
    with app.app_context():
        need = check_need(needs["laptops"])
        assert need.pledged_quantity == 0
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 0
        assert db.session.scalar(select(func.count()).select_from(FundEntry).where(FundEntry.direction == "out")) == 0


def test_a_need_not_published_cannot_be_funded(app, needs):
    client = app.test_client()
    login(client, "officer@example.org")
    response = fund(client, needs["draft"], "10")
    assert response.status_code == 400 and "This need is draft, so it is not open to funding" in response.get_data(as_text=True)
    with app.app_context():
        assert fund_summary().balance_pence == 1_000_00


def test_only_officers_fund_needs(app, needs):
    """The group's own member (signed in, with a valid CSRF token) is refused, and so is the rule."""
    client = app.test_client()
    login(client, "hub@example.org")
    response = client.post(f"/officers/needs/{needs['kitchen']}/fund",
                           data={"csrf_token": csrf_token(client, f"/needs/{needs['kitchen']}"), "amount": "10"})
    assert response.status_code == 403
    with app.app_context():
        hub_owner = db.session.scalar(select(factories.User).where(factories.User.email == "hub@example.org"))
        with pytest.raises(PermissionDenied):
            fund_need(db.session.get(Need, needs["kitchen"]), 10_00, hub_owner)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 0
        assert fund_summary().balance_pence == 1_000_00


def test_fund_money_counts_towards_no_commitment(app, needs):
    with app.app_context():
        officer = factories.get(factories.User, needs["officer"])
        pledge = fund_need(db.session.get(Need, needs["kitchen"]), 100_00, officer)
        db.session.commit()
        with pytest.raises(DomainError, match="counts towards no commitment"):
            set_allocations(pledge, officer, [(needs["commitment"], 1)])


def test_the_fund_year_by_year(app, needs):
    """Financial years run April to March: the £1,000 paid in on 31 March 2025 is 2024-25's,
    the £100 spent on 1 April 2025 is 2025-26's; a year's balance is carried into the next."""
    with app.app_context():
        officer = factories.get(factories.User, needs["officer"])
        fund_need(db.session.get(Need, needs["kitchen"]), 100_00, officer)
        db.session.flush()
        paid_in = db.session.scalar(select(FundEntry).where(FundEntry.source == "payment_in_lieu"))
        paid_in.created_at = datetime(2025, 3, 31, 23, 59)
        db.session.scalar(select(FundEntry).where(FundEntry.source == "need")).created_at = datetime(2025, 4, 1, 0, 1)
        db.session.commit()
        years = fund_years()
        assert [(year.start, year.in_pence, year.out_pence, year.balance_pence) for year in years] == [
            (2024, 1_000_00, 0, 1_000_00), (2025, 0, 100_00, 900_00)]
        assert years[0].by_source == {"payment_in_lieu": 1_000_00} and years[1].by_source == {"need": 100_00}
        assert years[1].label == "April 2025 to March 2026"
        # a year with no movement carries the balance; one before anything has nothing
        assert (fund_year(2027).balance_pence, fund_year(2027).in_pence) == (900_00, 0)
        assert fund_year(2023).balance_pence == 0 and fund_year(2024) == years[0]


def test_the_dashboard_and_the_annual_report_show_the_fund_by_year(app, needs):
    with app.app_context():
        officer = factories.get(factories.User, needs["officer"])
        fund_need(db.session.get(Need, needs["kitchen"]), 100_00, officer)
        db.session.commit()
        this_year = financial_year_of(date.today())
    client = app.test_client()
    login(client, "officer@example.org")
    dashboard = client.get("/officers/impact").get_data(as_text=True)
    table = dashboard[dashboard.index('id="fund-years"'):]
    table = table[:table.index("</table>")]
    assert f"April {this_year} to March {this_year + 1}" in table and "£1,000" in table and "£900" in table
    report = client.get("/officers/report").get_data(as_text=True)
    paragraph = report[report.index('id="fund-year">') + len('id="fund-year">'):]
    assert paragraph[:paragraph.index("</p>")] == (f"The Fund in April {this_year} to March {this_year + 1}: £1,000 came in (£1,000 in payments in lieu, £0 of "
            "section 106 money for social purposes) and £100 went out (£0 added to ward votes' budgets, £100 funding "
            f"community needs directly); at 31 March {this_year + 1} it held <strong>£900</strong>.")
    data = client.get("/officers/report/data.json").get_json()
    assert data["social_value_fund_in_year"]["by_source"] == {"payment_in_lieu": 1_000_00, "need": 100_00}
    assert data["social_value_fund_in_year"]["balance_pence"] == 900_00


def test_the_groups_digest_names_the_fund(app, needs):
    with app.app_context():
        officer = factories.get(factories.User, needs["officer"])
        fund_need(db.session.get(Need, needs["kitchen"]), 100_00, officer)
        db.session.commit()
        owner = db.session.scalar(select(factories.User).where(factories.User.email == "hub@example.org"))
        now = utcnow()
        [digest] = DigestBuilder(period_for("monthly", now), now).build([owner.id])
        [group] = digest.groups
        assert [(line.supplier_name, line.quantity, line.status) for line in group.new_pledges] == [
            ("The council's Social Value Fund", 100, "confirmed")]


@pytest.mark.postgres
def test_two_officers_funding_at_once_never_overspend_the_fund(app, needs):
    """£1,000 in the Fund; two officers each pay £600, one to the kitchen and one to the laptops:
    one wins, the other is told the Fund holds only £400."""

    def pay(need_key, amount):
        def action(barrier):
            officer = factories.get(factories.User, needs["officer"])
            need = db.session.get(Need, needs[need_key])
            barrier.wait()
            return fund_need(need, amount, officer).id
        return action

    results = race(app, [pay("kitchen", 600_00), pay("laptops", 600_00)])
    assert unexpected(results) == []
    assert sum(isinstance(result, DomainError) for result in results) == 1
    with app.app_context():
        assert fund_summary().balance_pence == 400_00
        assert db.session.scalar(select(func.count()).select_from(FundEntry).where(FundEntry.source == "need")) == 1
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 1
        check_need(needs["kitchen"]), check_need(needs["laptops"])


@pytest.mark.postgres
def test_two_officers_funding_one_need_at_once_never_overfund_it(app, needs):
    """The kitchen lacks £800 and the Fund holds £5,800: two officers pay £500 each at once;
    one wins, and the need never counts more than it asked for."""
    with app.app_context():
        _move("in", "payment_in_lieu", 4_800_00, None, "A test top-up")
        db.session.commit()

    def pay(barrier):
        officer = factories.get(factories.User, needs["officer"])
        need = db.session.get(Need, needs["kitchen"])
        barrier.wait()
        return fund_need(need, 500_00, officer).id

    results = race(app, [pay, pay])
    assert unexpected(results) == []
    assert sum(isinstance(result, DomainError) for result in results) == 1
    with app.app_context():
        assert check_need(needs["kitchen"]).pledged_quantity == 500
        assert fund_summary().balance_pence == 5_300_00


@pytest.mark.postgres
def test_a_double_click_arriving_at_once_funds_once(app, needs):
    """The same form twice at the same moment: the second waits for the Fund's row, then finds
    the first's payment; one pledge, one entry, no error."""

    def pay(barrier):
        officer = factories.get(factories.User, needs["officer"])
        need = db.session.get(Need, needs["kitchen"])
        barrier.wait()
        return fund_need(need, 300_00, officer, client_token="double-click").id

    results = race(app, [pay, pay])
    assert unexpected(results) == [] and results[0] == results[1]
    with app.app_context():
        assert check_need(needs["kitchen"]).pledged_quantity == 300
        assert fund_summary().balance_pence == 700_00
