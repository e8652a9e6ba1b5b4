"""One benefit, counted once, for returns: an officer splits an accepted return's line between
a contract's and a grant's commitments; the split never adds up to more than the line
delivered (also with two officers at once, on PostgreSQL), the commitments' returned
quantities follow it (and a correction takes back what the split counted), and the line is
listed among benefits claimed by more than one source. The wrong people are refused."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import Commitment, Contract, DomainError, Event, PermissionDenied, User, db
from models.contracts.rules import ContractDetails, record_contract
from models.reporting.double_counting import claimed_by_several_sources
from models.returns.models import ReturnLine
from models.returns.rules import LineDetails, accept_return, save_line, start_correction, start_return, submit_return
from models.returns.splits import ReturnLineSplit, split_line
from tests import factories
from tests.factories import post_form, signed_in
from tests.pledges.test_pledge_invariants import race, unexpected


@pytest.fixture
def world(app, places):
    world = factories.returns_borough(app)
    with app.app_context():
        officer = db.session.get(User, world.officer)
        seller = db.session.get(User, world.seller)
        hires = db.session.get(Commitment, world.hires)
        grant = record_contract(ContractDetails("GRANT-7", "Jobs club", "Communities", world.supplier, 50_000_00, None,
                                                None, kind="grant", programme="Brent Together Fund"), officer)
        grant_hires = factories.commitment(grant, officer, hires.measure_id, 12, date(2028, 3, 31))
        theirs = db.session.scalar(select(Commitment).join(Contract).where(Contract.id == world.other_contract))
        made = start_return(db.session.get(Contract, world.contract), seller, date(2025, 4, 1), date(2025, 11, 1))
        line = save_line(made, hires, seller, LineDetails(10, "Ten local people hired"))
        submit_return(made, seller)
        accept_return(made.id, officer)
        db.session.commit()
        return {"world": world, "grant_hires": grant_hires.id, "line": line.id, "return": made.id, "theirs": theirs.id}


def returned(*commitment_ids: int) -> list[int]:
    db.session.expire_all()
    return [db.session.get(Commitment, commitment_id).returned_quantity for commitment_id in commitment_ids]


def test_a_split_line_counts_as_split_and_is_listed_as_claimed_twice(app, world):
    hires, grant_hires = world["world"].hires, world["grant_hires"]
    with app.app_context():
        officer = db.session.get(User, world["world"].officer)
        assert returned(hires, grant_hires) == [10, 0]
        with pytest.raises(DomainError, match="at most the 10 people delivered, not 11"):
            split_line(world["line"], officer, [(hires, 6), (grant_hires, 5)])
        db.session.rollback()
        with pytest.raises(DomainError, match="same unit"):
            split_line(world["line"], officer, [(world["theirs"], 1)])  # another supplier's commitment
        db.session.rollback()
        with pytest.raises(DomainError, match="0 or more"):
            split_line(world["line"], officer, [(hires, -1)])
        db.session.rollback()
        assert returned(hires, grant_hires) == [10, 0] and claimed_by_several_sources() == []
        split_line(world["line"], officer, [(hires, 6), (grant_hires, 4)])
        db.session.commit()
        assert returned(hires, grant_hires) == [6, 4]
        # KPI ratings read the same split (periods ended by the day asked about).
        from models.returns.kpis import delivered_by

        assert [delivered_by(c, date(2026, 3, 31)) for c in (hires, grant_hires)] == [6, 4]
        assert [delivered_by(c, date(2025, 5, 1)) for c in (hires, grant_hires)] == [0, 0]
        [shared] = claimed_by_several_sources()
        assert (shared.pledge_id, shared.line_id, shared.return_id) == (None, world["line"], world["return"])
        assert (shared.delivered, shared.allocated) == (10, 10)
        assert shared.agreements == ("Contract BRENT-RET-001: 6", "Grant GRANT-7: 4")
        event = db.session.scalar(select(Event).where(Event.action == "return_line.split"))
        assert event.detail["after"] == {str(hires): 6, str(grant_hires): 4} and event.actor_id == officer.id
        # Whole to the grant: one source again; whole back to its own commitment: no split kept.
        split_line(world["line"], officer, [(grant_hires, 10)])
        db.session.commit()
        assert returned(hires, grant_hires) == [0, 10] and claimed_by_several_sources() == []
        split_line(world["line"], officer, [(hires, 10)])
        db.session.commit()
        assert returned(hires, grant_hires) == [10, 0]
        assert db.session.scalar(select(db.func.count()).select_from(ReturnLineSplit)) == 0


def test_a_correction_takes_back_what_the_split_counted(app, world):
    hires, grant_hires = world["world"].hires, world["grant_hires"]
    with app.app_context():
        officer, seller = db.session.get(User, world["world"].officer), db.session.get(User, world["world"].seller)
        split_line(world["line"], officer, [(hires, 3), (grant_hires, 7)])
        db.session.commit()
        first = db.session.get(ReturnLine, world["line"]).supplier_return
        correction = start_correction(first, seller)
        save_line(correction, db.session.get(Commitment, hires), seller, LineDetails(8, "Eight, counted again"))
        submit_return(correction, seller)
        accept_return(correction.id, officer)
        db.session.commit()
        assert returned(hires, grant_hires) == [8, 0]


def test_only_lines_of_accepted_returns_are_split(app, world):
    with app.app_context():
        officer, seller = db.session.get(User, world["world"].officer), db.session.get(User, world["world"].seller)
        made = start_return(db.session.get(Contract, world["world"].contract), seller, date(2025, 7, 1), date(2025, 11, 1))
        line = save_line(made, db.session.get(Commitment, world["world"].hires), seller, LineDetails(5, "Five"))
        submit_return(made, seller)
        db.session.commit()
        with pytest.raises(DomainError, match="accepted return"):
            split_line(line.id, officer, [(world["world"].hires, 5)])


def test_the_officer_splits_on_the_page_and_a_refusal_keeps_what_was_typed(app, world):
    hires, grant_hires, line = world["world"].hires, world["grant_hires"], world["line"]
    officer = signed_in(app, "officer@example.org")
    page = officer.get(f"/officers/returns/{world['return']}").get_data(as_text=True)
    assert f"/officers/returns/{world['return']}/splits" in page
    splits_page = f"/officers/returns/{world['return']}/splits"
    assert "Grant BRENT" not in officer.get(splits_page).get_data(as_text=True)
    refused = post_form(officer, f"/officers/return-lines/{line}/split",
                        {f"line{line}-commitment_{hires}": "9", f"line{line}-commitment_{grant_hires}": "7"}, form_url=splits_page)
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "at most the 10 people delivered, not 16" in text and 'value="9"' in text and 'value="7"' in text
    saved = post_form(officer, f"/officers/return-lines/{line}/split",
                      {f"line{line}-commitment_{hires}": "6", f"line{line}-commitment_{grant_hires}": "4"}, form_url=splits_page)
    assert saved.status_code == 302
    with app.app_context():
        assert returned(hires, grant_hires) == [6, 4]
    report = officer.get("/officers/impact?year=all").get_data(as_text=True)
    assert f"Return line {line}" in report and "Contract BRENT-RET-001: 6; Grant GRANT-7: 4" in report


def test_the_supplier_and_residents_cannot_split(app, world, make_user):
    line = world["line"]
    seller = signed_in(app, "supplier@example.org")
    assert seller.get(f"/officers/returns/{world['return']}/splits").status_code in (302, 403)
    assert seller.post(f"/officers/return-lines/{line}/split", data={}).status_code in (302, 400, 403)
    with app.app_context():
        # An officer who is also a member of the supplier may not split its return.
        from models import Membership

        officer = db.session.get(User, world["world"].officer)
        db.session.add(Membership(user_id=officer.id, organisation_id=world["world"].supplier))
        db.session.commit()
        with pytest.raises(PermissionDenied):
            split_line(line, officer, [(world["world"].hires, 10)])
        db.session.rollback()
        with app.app_context():
            assert returned(world["world"].hires) == [10]
    assert signed_in(app, "officer@example.org").get(f"/officers/returns/{world['return']}/splits").status_code == 403


@pytest.mark.postgres
@pytest.mark.parametrize("attempt", range(3))
def test_two_officers_splitting_one_line_at_once_never_count_it_twice(app, world, attempt):
    hires, grant_hires = world["world"].hires, world["grant_hires"]

    def split(officer_id: int, parts):
        def action(barrier):
            officer = db.session.get(User, officer_id)
            db.session.get(ReturnLine, world["line"]).quantity  # read before the race, as a view would
            barrier.wait()
            split_line(world["line"], officer, parts)
            return officer_id

        return action

    results = race(app, [
        split(world["world"].officer, [(hires, 4), (grant_hires, 6)]),
        split(world["world"].second_officer, [(grant_hires, 10)]),
    ])
    assert unexpected(results) == []
    with app.app_context():
        kept = dict(db.session.execute(select(ReturnLineSplit.commitment_id, ReturnLineSplit.quantity)).all())
        assert sum(kept.values()) == 10
        assert returned(hires, grant_hires) == [kept.get(hires, 0), kept.get(grant_hires, 0)]
