"""Social planning contributions carry commitments and needs (issue 18): an officer links a
commitment of a planning obligation, or a community need, to one of South Hams's real
contributions; a contribution whose purpose is not social, a contract's commitment, a draft
need and a second link of the same commitment are refused; the links show on the planning
register and the commitment's page; the wrong people are kept out."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import Commitment, DomainError, Event, User, Ward, db
from models.contracts.rules import ContractDetails, record_contract
from models.planning.imports import import_developer_file
from models.planning.links import ContributionLink, link_commitment, link_need, unlink
from models.planning.models import DeveloperAgreement, DeveloperContribution
from tests import factories
from tests.contracts.ocds_files import council_is
from tests.factories import post_form, signed_in
from tests.planning.test_developer_contributions import SOUTH_HAMS, real

TODAY = date.today()


@pytest.fixture
def world(app, places):
    world = factories.matching_borough(app, TODAY)  # a group's needs, a supplier, an officer, measures
    need = factories.matching_need(app, world, today=TODAY)
    draft = factories.matching_need(app, world, title="Still a draft", status="draft", today=TODAY)
    with app.app_context():
        council_is(ids=[SOUTH_HAMS])
        import_developer_file(real("south_hams_developer-agreement.csv"))
        import_developer_file(real("south_hams_developer-agreement-contribution.csv"))
        officer = db.session.get(User, world["officer"])
        play = db.session.scalar(select(DeveloperContribution).where(DeveloperContribution.reference == "0146/18/FUL"))
        housing = db.session.scalar(select(DeveloperContribution).where(DeveloperContribution.purpose == "affordable-housing"))
        ward = db.session.scalar(select(Ward.id).order_by(Ward.id))
        obligation = record_contract(ContractDetails(
            "S106-0146", "Play area and local jobs", "Planning", world["supplier"], 12_920_00, None, None,
            kind="planning_obligation", planning_reference="0146/18/FUL", site="Land at Totnes Road", ward_id=ward,
            trigger="on commencement"), officer)
        contract_commitment = db.session.get(Commitment, world["commitment"])
        jobs = factories.commitment(obligation, officer, contract_commitment.measure_id, 20, date(2028, 3, 31))
        db.session.commit()
        return {**world, "play": play.id, "housing": housing.id, "obligation": obligation.id, "jobs": jobs.id,
                "need": need, "draft": draft}


def test_a_social_contribution_carries_a_commitment_and_a_need(app, world):
    with app.app_context():
        officer = db.session.get(User, world["officer"])
        play, housing = db.session.get(DeveloperContribution, world["play"]), db.session.get(DeveloperContribution, world["housing"])
        with pytest.raises(DomainError, match="not a social purpose"):
            link_commitment(housing, world["jobs"], officer)
        with pytest.raises(DomainError, match="Only a commitment of a planning obligation"):
            link_commitment(play, world["commitment"], officer)
        with pytest.raises(DomainError, match="not a draft"):
            link_need(play, world["draft"], officer)
        with pytest.raises(DomainError, match="existing need"):
            link_need(play, 999_999, officer)
        db.session.rollback()
        link_commitment(play, world["jobs"], officer)
        link_need(play, world["need"], officer)
        db.session.commit()
        assert db.session.get(DeveloperAgreement, play.developer_agreement_id).agreement_id == world["obligation"]
        with pytest.raises(DomainError, match="already linked"):
            link_commitment(play, world["jobs"], officer)
        with pytest.raises(DomainError, match="already linked"):
            link_need(play, world["need"], officer)
        db.session.rollback()
        assert [e.detail for e in db.session.scalars(select(Event).where(Event.action == "contribution.linked").order_by(Event.id))] == [
            {"commitment": world["jobs"]}, {"need": world["need"]}]


def test_the_officer_links_on_the_page_and_sees_it_on_the_register_and_the_commitment(app, world):
    officer = signed_in(app, "officer@example.org")
    register = officer.get("/officers/planning-obligations?page=1").get_data(as_text=True)
    page_url = f"/officers/planning-obligations/contributions/{world['play']}"
    assert page_url in register
    refused = post_form(officer, f"{page_url}/links", {"need_id": "not a number", "link_need": "Link the need"}, form_url=page_url)
    assert refused.status_code == 400 and "need number as a whole number" in refused.get_data(as_text=True).lower()
    assert 'value="not a number"' in refused.get_data(as_text=True)
    wrong = post_form(officer, f"{page_url}/links", {"commitment_id": str(world["commitment"]), "link_commitment": "Link"},
                      form_url=page_url)
    assert wrong.status_code == 400 and "Not a valid choice" in wrong.get_data(as_text=True)  # not offered: a contract's
    saved = post_form(officer, f"{page_url}/links", {"commitment_id": str(world["jobs"]), "link_commitment": "Link"},
                      form_url=page_url)
    assert saved.status_code == 302
    assert post_form(officer, f"{page_url}/links", {"need_id": str(world["need"]), "link_need": "Link"},
                     form_url=page_url).status_code == 302
    with app.app_context():
        assert {(link.commitment_id, link.need_id) for link in db.session.scalars(select(ContributionLink))} == {
            (world["jobs"], None), (None, world["need"])}
    register = officer.get("/officers/planning-obligations").get_data(as_text=True)
    assert "S106-0146: " in register and "Volunteers for the pantry" in register
    commitment_page = officer.get(f"/officers/commitments/{world['jobs']}").get_data(as_text=True)
    assert "Planning contribution:" in commitment_page and "under 0146/18/FUL" in commitment_page
    with app.app_context():
        link_id = db.session.scalar(select(ContributionLink.id).where(ContributionLink.need_id == world["need"]))
    assert post_form(officer, f"/officers/planning-obligations/links/{link_id}/remove", {}, form_url=page_url).status_code == 302
    with app.app_context():
        assert db.session.get(ContributionLink, link_id) is None
        assert db.session.scalar(select(Event).where(Event.action == "contribution.unlinked")).detail == {"need": world["need"]}


def test_a_contribution_that_is_not_social_offers_no_links(app, world):
    officer = signed_in(app, "officer@example.org")
    page = officer.get(f"/officers/planning-obligations/contributions/{world['housing']}").get_data(as_text=True)
    assert "purpose is not social" in page and "Link the commitment" not in page
    refused = post_form(officer, f"/officers/planning-obligations/contributions/{world['housing']}/links",
                        {"commitment_id": str(world["jobs"]), "link_commitment": "Link"},
                        form_url=f"/officers/planning-obligations/contributions/{world['play']}")
    assert refused.status_code == 400 and "not a social purpose" in refused.get_data(as_text=True)


def test_suppliers_and_groups_cannot_link(app, world):
    for email in ("seller@example.org", "owner@example.org"):
        with app.app_context():
            found = db.session.scalar(select(User).where(User.email == email))
        if found is None:
            continue
        client = signed_in(app, email)
        assert client.get(f"/officers/planning-obligations/contributions/{world['play']}").status_code in (302, 403)
        assert client.post(f"/officers/planning-obligations/contributions/{world['play']}/links",
                           data={"commitment_id": world["jobs"]}).status_code in (302, 400, 403)
    with app.app_context():
        supplier = db.session.scalar(select(User).where(User.email == "seller@example.org"))
        with pytest.raises(DomainError):
            link_commitment(db.session.get(DeveloperContribution, world["play"]), world["jobs"], supplier)
        assert db.session.scalar(select(db.func.count()).select_from(ContributionLink)) == 0
