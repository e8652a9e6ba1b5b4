"""A contract's own reporting schedule: an officer sets it (yearly, half-yearly, quarterly, or
back to its tier's) with a reason, in one audited transaction; the periods a supplier files
for, the drafts the daily job opens (so the reminders and the overdue list) follow it; a
supplier cannot change it; a change that would orphan a filed return is refused, while empty
drafts of the old periods are removed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from models import Commitment, Contract, DomainError, Event, PermissionDenied, User, db
from models.returns.models import SupplierReturn
from models.returns.reminders import due_reminders, open_ended_periods
from models.returns.rules import LineDetails, period_rows, save_line, start_return, submit_return
from models.returns.schedule import contract_periods, months_for_contract, set_reporting_schedule
from tests import factories
from tests.factories import get, post_form, signed_in

TODAY = date(2026, 5, 1)  # the strategic contract (from 1 April 2025) has reported quarterly for a year


@pytest.fixture
def world(app, places):
    return factories.returns_borough(app)


def url(world) -> str:
    return f"/officers/contracts/{world.contract}/schedule"


def drafts(contract_id: int) -> list[tuple[date, date, date]]:
    return [(r.period_start, r.period_end, r.due_date) for r in db.session.scalars(
        select(SupplierReturn).where(SupplierReturn.contract_id == contract_id).order_by(SupplierReturn.period_start))]


def schedule_events() -> list[Event]:
    return db.session.scalars(select(Event).where(Event.action == "contract.schedule_changed").order_by(Event.id)).all()


def file_the_first_quarter(app, world) -> None:
    """The supplier files its return for April to June 2025 (waiting for the council)."""
    with app.app_context():
        seller = get(User, world.seller)
        filed = start_return(get(Contract, world.contract), seller, date(2025, 4, 1), TODAY)
        save_line(filed, get(Commitment, world.apprenticeships), seller, LineDetails(26, "Apprentices"))
        submit_return(filed, seller)
        db.session.commit()


def test_an_officer_sets_the_contracts_own_schedule_and_the_periods_follow_it(app, world):
    with app.app_context():
        contract = get(Contract, world.contract)
        assert months_for_contract(contract) == 3  # over £5m: quarterly, its tier's setting
        assert len(contract_periods(contract, TODAY)) == 5
    officer = signed_in(app, "officer@example.org")
    page = officer.get(url(world)).get_data(as_text=True)
    assert "Quarterly (the schedule for its tier)" in page and "As its tier: quarterly" in page
    response = post_form(officer, url(world), {"months": "12", "reason": "  Agreed at mobilisation: one annual report  "})
    assert response.status_code == 302
    with app.app_context():
        contract = get(Contract, world.contract)
        assert (contract.return_months, contract.return_months_reason) == (12, "Agreed at mobilisation: one annual report")
        assert [(p.start, p.end) for p in contract_periods(contract, TODAY)] == [
            (date(2025, 4, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2027, 3, 31))]
        # The supplier files for those periods; the daily job opens a draft for the ended year
        # (and the other contract's four ended quarters), due 30 days after it; it is reminded.
        assert [period.start for period, _ in period_rows(contract, TODAY)] == [date(2026, 4, 1), date(2025, 4, 1)]
        assert open_ended_periods(TODAY) == 1 + 4
        assert drafts(world.contract) == [(date(2025, 4, 1), date(2026, 3, 31), date(2026, 4, 30))]
        reminded = {(r.return_id, r.kind) for r in due_reminders(TODAY)}
        [draft_id] = db.session.scalars(select(SupplierReturn.id).where(SupplierReturn.contract_id == world.contract))
        assert (draft_id, "overdue") in reminded
        db.session.commit()
        [event] = schedule_events()
        assert (event.from_state, event.to_state, event.actor_id) == ("quarterly", "yearly", world.officer)
        assert event.detail["reason"] == "Agreed at mobilisation: one annual report"
    assert "Returns: yearly (set for this contract)" in officer.get(f"/officers/contracts/{world.contract}").get_data(as_text=True)
    assert f"/officers/returns/{draft_id}" in officer.get("/officers/returns").get_data(as_text=True)  # overdue

    # Back to the tier's schedule: the empty yearly draft is not a quarter, so it is removed.
    response = post_form(officer, url(world), {"months": "tier", "reason": "The board wants quarterly figures"})
    assert response.status_code == 302
    with app.app_context():
        contract = get(Contract, world.contract)
        assert (contract.return_months, months_for_contract(contract)) == (None, 3)
        assert drafts(world.contract) == []
        assert schedule_events()[-1].detail["removed_drafts"] == [draft_id]
        assert open_ended_periods(TODAY) == 4  # the four ended quarters again


def test_a_change_that_would_orphan_a_filed_return_is_refused(app, world):
    file_the_first_quarter(app, world)
    officer = signed_in(app, "officer@example.org")
    for months in ("12", "6"):
        response = post_form(officer, url(world), {"months": months, "reason": "Less paperwork"})
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "The return for 1 April 2025 to 30 June 2025 (waiting for the council) is not a period of a" in page
        assert "Less paperwork" in page  # what was typed is kept
    # In Welsh, the refusal's dates, the return's state and the schedule are Welsh too.
    officer.set_cookie("language", "cy")
    page = post_form(officer, url(world), {"months": "12", "reason": "Llai o waith papur"}).get_data(as_text=True)
    assert ("Nid yw’r ffurflen ar gyfer 1 Ebrill 2025 i 30 Mehefin 2025 (yn aros am y cyngor) yn gyfnod ar amserlen "
            "bob blwyddyn.") in page and "is not a period of a" not in page
    with app.app_context():
        assert get(Contract, world.contract).return_months is None
        assert schedule_events() == []
        # The same schedule as now is refused too (nothing would change).
        with pytest.raises(DomainError, match="already this contract's schedule"):
            set_reporting_schedule(get(Contract, world.contract), get(User, world.officer), None, "No change", TODAY)


@pytest.mark.parametrize("form, message", [
    ({"months": "12", "reason": ""}, "Say why this contract reports on this schedule"),
    ({"months": "4", "reason": "Every four months"}, "Not a valid choice"),
    ({"months": "12", "reason": "x" * 2001}, "Keep the reason to 2,000 characters or fewer"),
])
def test_the_schedule_form_refuses_what_makes_no_sense(app, world, form, message):
    response = post_form(signed_in(app, "officer@example.org"), url(world), form)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert get(Contract, world.contract).return_months is None


def test_a_supplier_cannot_change_its_schedule(app, world):
    supplier = signed_in(app, "supplier@example.org")
    assert supplier.get(url(world)).status_code == 403
    response = post_form(supplier, url(world), {"months": "12", "reason": "Less work for us"}, form_url="/account")
    assert response.status_code == 403
    assert signed_in(app, "officer@example.org").get(f"/officers/contracts/999999/schedule").status_code == 404
    with app.app_context():
        with pytest.raises(PermissionDenied):
            set_reporting_schedule(get(Contract, world.contract), get(User, world.seller), 12, "Less work for us", TODAY)
        db.session.rollback()
        assert get(Contract, world.contract).return_months is None
        assert db.session.scalar(select(func.count()).select_from(Event).where(Event.action == "contract.schedule_changed")) == 0


def test_a_tier_schedule_that_would_orphan_a_filed_return_is_refused_at_council_settings(app, world, make_user):
    """The council's settings change every contract that follows its tier: a tier's schedule,
    or a threshold that moves a contract to another tier, is refused beside that tier's
    schedule while a filed return's period would not be one of the new schedule's; nothing
    is saved."""
    from models.contracts.tiers import Tier
    from models.returns.schedule import months_for_tier
    from models import Role
    from tests.web.test_admin import SETTINGS, field_error

    file_the_first_quarter(app, world)
    make_user("admin@example.org", "Ada Admin", role=Role.ADMIN)
    admin = signed_in(app, "admin@example.org")
    refusal = ("Contract BRENT-RET-001: the return for 1 April 2025 to 30 June 2025 (waiting for the council) is not a "
               "period of the {} schedule its tier would have. A tier's schedule can change only where the returns its "
               "contracts filed fit it.")
    response = post_form(admin, "/admin/settings", {**SETTINGS, "return_months_strategic": "12"})
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "return_months_strategic") == refusal.format("yearly")
    # Over £10m is strategic now: the £6m contract would report half-yearly, as a KPI-tier one.
    response = post_form(admin, "/admin/settings", {**SETTINGS, "tier_strategic_over": "10,000,000"})
    assert field_error(response.get_data(as_text=True), "return_months_kpi") == refusal.format("half-yearly")
    admin.set_cookie("language", "cy")
    page = post_form(admin, "/admin/settings", {**SETTINGS, "return_months_strategic": "12"}).get_data(as_text=True)
    assert "nid yw’r ffurflen ar gyfer 1 Ebrill 2025 i 30 Mehefin 2025" in field_error(page, "return_months_strategic")
    with app.app_context():
        assert months_for_tier(Tier.STRATEGIC) == 3 and get(Contract, world.contract).tier() == Tier.STRATEGIC
        assert db.session.scalar(select(func.count()).select_from(Event).where(Event.action == "settings.changed")) == 0
        assert db.session.scalar(select(func.count()).select_from(SupplierReturn)) == 1  # the filed return, kept


def test_a_tier_schedule_change_removes_only_empty_drafts_of_the_periods_it_drops(app, world, make_user):
    from models.returns.schedule import months_for_contract
    from models import Role
    from tests.web.test_admin import SETTINGS

    with app.app_context():
        assert open_ended_periods(TODAY) == 4 + 4  # each contract's four ended quarters, as empty drafts
        db.session.commit()
        quarters = db.session.scalars(select(SupplierReturn.id).order_by(SupplierReturn.id)).all()
    make_user("admin@example.org", "Ada Admin", role=Role.ADMIN)
    admin = signed_in(app, "admin@example.org")
    response = post_form(admin, "/admin/settings", {**SETTINGS, "return_months_strategic": "6"})
    assert response.status_code == 302
    with app.app_context():
        assert months_for_contract(get(Contract, world.contract)) == 6
        assert db.session.scalar(select(func.count()).select_from(SupplierReturn)) == 0
        [changed] = db.session.scalars(select(Event).where(Event.action == "settings.changed")).all()
        assert sorted(changed.detail["removed_drafts"]) == quarters
        removed = db.session.scalars(select(Event).where(Event.action == "return.removed")).all()
        assert len(removed) == 8 and {event.detail["why"] for event in removed} == {"its tier's reporting schedule changed"}
        # The daily job opens the half-years instead.
        assert open_ended_periods(TODAY) == 2 + 2
