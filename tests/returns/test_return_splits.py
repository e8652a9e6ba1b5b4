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
from models.returns.splits import ReturnLineSplit, line_splits, split_line
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


def assert_totals_equal_a_recount(world) -> None:
    """The kept returns' totals (delivery_totals) equal a recount from the rows, split lines as split."""
    from tests.returns.test_return_figures import assert_kept_equal_live

    assert_kept_equal_live(world["world"])


def table_rows(page: str, caption: str) -> list[list[str]]:
    """The body rows' cells (header cell first) of the page's table with this caption."""
    import re

    table = page.split(f">{caption}</caption>", 1)[1].split("</table>", 1)[0].split("<tbody", 1)[1]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)]


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
        assert shared.agreements == (("Contract", "BRENT-RET-001", 6), ("Grant", "GRANT-7", 4))
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


def correct(world, quantity: int, description: str) -> tuple[int, int]:
    """The supplier corrects the latest version of the first return's hires line to
    `quantity`; an officer accepts it. (the corrected line's id, the version's line id)"""
    from models.returns.rules import returns_for

    officer, seller = db.session.get(User, world["world"].officer), db.session.get(User, world["world"].seller)
    first = db.session.get(ReturnLine, world["line"]).supplier_return
    latest = returns_for(first.contract_id, first.period_start)[0]
    old = latest.line_for(world["world"].hires).id
    correction = start_correction(latest, seller)
    line = save_line(correction, db.session.get(Commitment, world["world"].hires), seller, LineDetails(quantity, description))
    submit_return(correction, seller)
    accept_return(correction.id, officer)
    db.session.commit()
    return line.id, old


def carried_event(line_id: int) -> Event:
    return db.session.scalar(select(Event).where(Event.action == "return_line.split_carried", Event.subject_type == "return_lines", Event.subject_id == str(line_id)))


def test_a_correction_keeps_the_split_when_the_line_still_delivers_what_was_split(app, world):
    hires, grant_hires = world["world"].hires, world["grant_hires"]
    with app.app_context():
        officer = db.session.get(User, world["world"].officer)
        split_line(world["line"], officer, [(hires, 3), (grant_hires, 7)])
        db.session.commit()
        line, old = correct(world, 10, "Ten, reworded")
        assert returned(hires, grant_hires) == [3, 7]
        assert line_splits(line) == {hires: 3, grant_hires: 7}
        assert line_splits(old) == {hires: 3, grant_hires: 7}  # the superseded version's split stays as it was
        event = carried_event(line)
        assert event.actor_id == officer.id and event.detail["after"] == {str(hires): 3, str(grant_hires): 7}
        assert "the split is kept" in event.detail["reason"]
        assert_totals_equal_a_recount(world)
        # Fourteen: the extra four count towards the line's own commitment.
        line, _ = correct(world, 14, "Fourteen")
        assert returned(hires, grant_hires) == [7, 7] and line_splits(line) == {hires: 7, grant_hires: 7}
        assert "4 more" in carried_event(line).detail["reason"]
        assert_totals_equal_a_recount(world)


def test_a_correction_below_the_split_scales_it_down_and_one_of_nothing_drops_it(app, world):
    hires, grant_hires = world["world"].hires, world["grant_hires"]
    with app.app_context():
        officer = db.session.get(User, world["world"].officer)
        split_line(world["line"], officer, [(hires, 3), (grant_hires, 7)])
        db.session.commit()
        # 8 of the 10 split: 2.4 and 5.6, rounded down to 2 and 5, the unit left to the larger remainder.
        line, _ = correct(world, 8, "Eight, counted again")
        assert returned(hires, grant_hires) == [2, 6] and line_splits(line) == {hires: 2, grant_hires: 6}
        event = carried_event(line)
        assert event.detail["before"] == {str(hires): 3, str(grant_hires): 7}
        assert event.detail["after"] == {str(hires): 2, str(grant_hires): 6}
        assert "delivered 8, less than the 10 split: each part was scaled down" in event.detail["reason"]
        assert_totals_equal_a_recount(world)
        correction_id = db.session.get(ReturnLine, line).return_id
    # The officer sees why on the correction's splits page.
    page = signed_in(app, "officer@example.org").get(f"/officers/returns/{correction_id}/splits").get_data(as_text=True)
    assert "Carried over from the version this correction replaced: The corrected line delivered 8, less than the 10 split" in page
    with app.app_context():
        # One: the grant's part only (the larger remainder); none: the split is dropped.
        line, _ = correct(world, 1, "One")
        assert returned(hires, grant_hires) == [0, 1] and line_splits(line) == {grant_hires: 1}
        line, _ = correct(world, 0, "None after all")
        assert returned(hires, grant_hires) == [0, 0] and line_splits(line) == {}
        assert "delivered nothing: the split is dropped" in carried_event(line).detail["reason"]
        assert db.session.scalar(select(db.func.count()).select_from(ReturnLineSplit).where(ReturnLineSplit.line_id == line)) == 0
        assert_totals_equal_a_recount(world)


def test_a_part_for_a_commitment_no_longer_approved_goes_back_to_the_lines_own(app, world):
    hires, grant_hires = world["world"].hires, world["grant_hires"]
    with app.app_context():
        officer = db.session.get(User, world["world"].officer)
        split_line(world["line"], officer, [(hires, 3), (grant_hires, 7)])
        db.session.commit()
        db.session.get(Commitment, grant_hires).state = "rejected"
        db.session.commit()
        line, _ = correct(world, 10, "Ten")
        assert returned(hires, grant_hires) == [10, 0] and line_splits(line) == {}
        assert "no longer approved" in carried_event(line).detail["reason"]
        assert_totals_equal_a_recount(world)


def test_scaled_parts_never_add_up_to_more_than_the_quantity():
    from models.returns.splits import scaled_parts

    for parts in ({1: 3, 2: 7}, {1: 1, 2: 1, 3: 1}, {5: 99, 2: 1}, {1: 10}):
        for quantity in range(0, sum(parts.values())):
            scaled = scaled_parts(parts, quantity)
            assert sum(scaled.values()) == quantity and all(0 < part <= parts[c] for c, part in scaled.items())
    assert scaled_parts({1: 1, 2: 1, 3: 1}, 2) == {1: 1, 2: 1}  # ties: the lowest commitment ids


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


def test_a_line_split_between_two_agreements_themes_counts_once_everywhere(app, world):
    """A £100,000 local spend line split £60,000 to the contract's spend commitment and £40,000
    to a grant's community investment commitment (another theme, another directorate): the
    commitment pages, the annual report's source, directorate and theme tables, the headline,
    the scorecard, the API and the ledger's returns totals count each part once, and add up
    to the £100,000 delivered."""
    from models.reporting.impact import Year, build_report
    from models.reporting.scorecards import supplier_scorecard
    from models.returns.totals import returns_totals
    from models import Organisation

    borough = world["world"]
    with app.app_context():
        officer, seller = db.session.get(User, borough.officer), db.session.get(User, borough.seller)
        spend = db.session.get(Commitment, borough.spend)
        grant = db.session.scalar(select(Contract).where(Contract.reference == "GRANT-7"))
        investment = factories.commitment(grant, officer, factories.measure("Community investment").id, 80_000,
                                          date(2028, 3, 31)).id
        made = start_return(db.session.get(Contract, borough.contract), seller, date(2025, 7, 1), date(2025, 11, 1))
        line = save_line(made, spend, seller, LineDetails(100_000, "Local spend", spend={
            "micro": 0, "small": 100_000, "medium": 0, "large": 0})).id
        submit_return(made, seller)
        accept_return(made.id, officer)
        db.session.commit()
        split_line(line, officer, [(borough.spend, 60_000), (investment, 40_000)])
        db.session.commit()
        assert returned(borough.spend, investment) == [60_000, 40_000]
        assert_totals_equal_a_recount(world)
        spend_theme, investment_theme = (db.session.get(Commitment, c).measure.theme.slug for c in (borough.spend, investment))
        assert spend_theme != investment_theme
        assert (returns_totals().value_pence, returns_totals().lines, returns_totals().returns) == (100_000_00, 2, 2)
        assert returns_totals(spend_theme).value_pence == 60_000_00 and returns_totals(spend_theme).lines == 1
        assert returns_totals(investment_theme).value_pence == 40_000_00 and returns_totals(investment_theme).lines == 1
        report = build_report(Year(2027), date(2026, 1, 1))
        assert report.headline.delivered_through_returns_pence == 100_000_00
        sources = {row.key: row.delivered_pence for row in report.sources}
        assert sources == {"contract": 60_000_00, "grant": 40_000_00}
        directorates = {row.key: row.delivered_pence for row in report.directorates}
        assert directorates["Communities"] == 40_000_00 and sum(directorates.values()) == 100_000_00
        themes = {row.key: row.delivered_pence for row in report.themes}
        assert (themes[spend_theme], themes[investment_theme]) == (60_000_00, 40_000_00)
        card = supplier_scorecard(db.session.get(Organisation, borough.supplier), date(2026, 1, 1))
        through_returns = {line.id: line.delivered_through_returns for line in card.commitments}
        assert (through_returns[borough.spend], through_returns[investment]) == (60_000, 40_000)
        assert card.commitments_delivered_value_pence == 100_000_00
        contract_id, grant_id = borough.contract, grant.id
    officer_client = signed_in(app, "officer@example.org")
    contract_page = officer_client.get(f"/officers/contracts/{contract_id}").get_data(as_text=True)
    assert "0 through pledges, 60,000 through returns" in contract_page
    grant_page = officer_client.get(f"/officers/contracts/{grant_id}").get_data(as_text=True)
    assert "0 through pledges, 40,000 through returns" in grant_page
    for commitment_id, delivered in ((borough.spend, "£60,000"), (investment, "£40,000")):
        page = officer_client.get(f"/officers/commitments/{commitment_id}").get_data(as_text=True)
        assert f"{delivered}<br>" in page and f"£0 through pledges, {delivered} through returns" in page
        assert f"{delivered} delivered of" in page  # the value row
    dashboard = officer_client.get("/officers/impact?year=2027").get_data(as_text=True)
    report_page = officer_client.get("/officers/report?year=2027").get_data(as_text=True)
    for page, suffix in ((dashboard, ", in pounds"), (report_page, "")):
        for caption in ("Committed and delivered by kind of agreement", "Committed and delivered by responsible directorate"):
            delivered = sorted(row[3] for row in table_rows(page, caption + suffix))
            assert delivered == ["£40,000", "£60,000"], caption
    scorecard = app.test_client().get(f"/organisations/{borough.supplier}").get_data(as_text=True)
    assert "0 through pledges, 60,000 through returns" in scorecard and "0 through pledges, 40,000 through returns" in scorecard
    data = app.test_client().get(f"/api/v1/suppliers/{borough.supplier}").get_json()
    by_id = {c["id"]: c for c in data["commitments"]}
    assert (by_id[borough.spend]["delivered_through_returns"], by_id[investment]["delivered_through_returns"]) == (60_000, 40_000)
    ledger = app.test_client().get("/ledger").get_data(as_text=True)
    assert "accepted returns reported £100,000" in ledger


@pytest.mark.postgres
@pytest.mark.parametrize("attempt", range(3))
def test_accepting_a_correction_while_a_line_it_supersedes_is_split_never_counts_twice(app, world, attempt):
    """One officer accepts a correction (10 hires again) while another splits the line of the
    version it supersedes: either the split comes first and the correction carries it, or the
    acceptance does and the split is refused. The returned quantities and the kept totals are
    always the accepted lines' counts."""
    from models.returns.splits import counted_parts

    hires, grant_hires = world["world"].hires, world["grant_hires"]
    with app.app_context():
        seller = db.session.get(User, world["world"].seller)
        correction = start_correction(db.session.get(ReturnLine, world["line"]).supplier_return, seller)
        save_line(correction, db.session.get(Commitment, hires), seller, LineDetails(10, "Ten, reworded"))
        submit_return(correction, seller)
        db.session.commit()
        correction_id = correction.id

    def accept(barrier):
        officer = db.session.get(User, world["world"].officer)
        barrier.wait()
        accept_return(correction_id, officer)
        return "accepted"

    def split(barrier):
        officer = db.session.get(User, world["world"].second_officer)
        db.session.get(ReturnLine, world["line"]).supplier_return.state  # read before the race, as a view would
        barrier.wait()
        split_line(world["line"], officer, [(hires, 4), (grant_hires, 6)])
        return "split"

    results = race(app, [accept, split])
    assert unexpected(results) == [] and results[0] == "accepted"
    with app.app_context():
        from models.returns.models import SupplierReturn

        lines = db.session.scalars(select(ReturnLine).join(SupplierReturn, SupplierReturn.id == ReturnLine.return_id)
                                   .where(SupplierReturn.state == "accepted")).all()
        counted = dict(counted_parts(lines))
        assert returned(hires, grant_hires) == [counted.get(hires, 0), counted.get(grant_hires, 0)]
        assert counted == ({hires: 4, grant_hires: 6} if results[1] == "split" else {hires: 10})
        assert_totals_equal_a_recount(world)
