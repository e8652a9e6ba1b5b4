"""Escalation after a remedial plan: escalated to a named board with a date, then resolved by
a credit that names the accepted return that earned it (not free text); each step audited and
emailed to the supplier; the unhappy paths refused beside their fields."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from models import Commitment, Contract, DomainError, EmailMessage, Event, User, db
from models.contracts.rules import set_remedial_plan
from models.returns.escalation import escalate, resolve, substitutes
from models.returns.models import Escalation
from tests import factories
from tests.factories import get, post_form, signed_in
from tests.returns.test_kpi_ratings import world  # noqa: F401 (a return accepted for the first quarter)


@pytest.fixture
def failing(app, world):  # noqa: F811
    with app.app_context():
        officer = get(User, world.officer)
        made = factories.commitment(get(Contract, world.contract), officer, factories.measure("Local people hired").id, 10,
                                    date(2025, 6, 30))
        db.session.commit()
        set_remedial_plan(made, officer, "Hire ten more by spring", date.today() + timedelta(days=90), "HR lead", date.today())
        db.session.commit()
        return made.id


def date_fields(day: date) -> dict:
    return {"escalated_on": [str(day.day), str(day.month), str(day.year)]}


def test_escalate_then_resolve_by_a_credit_naming_the_return(app, world, failing):  # noqa: F811
    officer = signed_in(app, "officer@example.org")
    url = f"/officers/commitments/{failing}/escalation"
    later = date.today() + timedelta(days=14)
    response = post_form(officer, f"{url}/escalate", {"board": "", **date_fields(later)}, form_url=url)
    assert response.status_code == 400 and "Enter the governance board it goes to" in response.get_data(as_text=True)
    response = post_form(officer, f"{url}/escalate", {"board": "Contracts Board", **date_fields(later)}, form_url=url)
    assert response.status_code == 302
    response = post_form(officer, f"{url}/resolve", {"kind": "credit", "substitute": "free text"}, form_url=url)
    assert response.status_code == 400 and "Choose the return or delivery that earned the credit" in response.get_data(as_text=True)
    response = post_form(officer, f"{url}/resolve", {"kind": "delivered"}, form_url=url)
    assert response.status_code == 400 and "Only 0 of 10 has been delivered" in response.get_data(as_text=True)
    with app.app_context():
        [accepted] = [value for value, _ in substitutes(get(Commitment, failing)) if value.startswith("return-")]
    response = post_form(officer, f"{url}/resolve", {"kind": "credit", "substitute": accepted}, form_url=url)
    assert response.status_code == 302
    with app.app_context():
        escalation = db.session.scalar(select(Escalation))
        assert (escalation.board, escalation.resolution, escalation.credit_return_id) == (
            "Contracts Board", "credit", int(accepted.split("-")[1]))
        commitment = get(Commitment, failing)
        assert commitment.settlement == "credit" and commitment.credit_description.startswith("Substitute: Return for BRENT-RET-001")
        actions = db.session.scalars(select(Event.action).where(Event.subject_type == "commitments",
                                                                Event.subject_id == str(failing)).order_by(Event.id)).all()
        assert actions[-2:] == ["commitment.escalated", "commitment.escalation_resolved"]
        subjects = db.session.scalars(select(EmailMessage.subject).where(EmailMessage.to_address == "supplier@example.org")).all()
        assert "Escalated to Contracts Board: Local people hired under BRENT-RET-001" in subjects
        assert "Resolved: Local people hired under BRENT-RET-001" in subjects
    assert signed_in(app, "supplier@example.org").get(url).status_code == 403


def test_no_escalation_without_a_remedial_plan_or_twice(app, world, failing):  # noqa: F811
    with app.app_context():
        officer = get(User, world.officer)
        with pytest.raises(DomainError, match="after a remedial plan"):
            escalate(get(Commitment, world.hires), officer, "Board", date.today(), date.today())
        escalate(get(Commitment, failing), officer, "Board", date.today(), date.today())
        with pytest.raises(DomainError, match="already been escalated"):
            escalate(get(Commitment, failing), officer, "Board", date.today(), date.today())
        resolve(get(Commitment, failing), officer, "fund_payment", date.today(), fund_payment_pence=5_000_00)
        with pytest.raises(DomainError, match="already been resolved"):
            resolve(get(Commitment, failing), officer, "fund_payment", date.today(), fund_payment_pence=1)


def test_the_escalation_page_in_welsh_words_the_credits_and_the_rules(app, world, failing):  # noqa: F811
    """An officer working in Welsh: what can earn the credit, and a rule's refusal, in Welsh."""
    officer = signed_in(app, "officer@example.org")
    with app.app_context():
        db.session.scalar(select(User).where(User.email == "officer@example.org")).locale = "cy"
        db.session.commit()
    url = f"/officers/commitments/{failing}/escalation"
    later = date.today() + timedelta(days=14)
    assert post_form(officer, f"{url}/escalate", {"board": "Contracts Board", **date_fields(later)}, form_url=url).status_code == 302
    page = officer.get(url).get_data(as_text=True)
    assert "Datganiad ar gyfer BRENT-RET-001" in page and "(fersiwn 1)" in page
    assert "Return for BRENT-RET-001" not in page and "Datrys yr uwchgyfeiriad" in page
    response = post_form(officer, f"{url}/resolve", {"kind": "delivered"}, form_url=url)
    assert response.status_code == 400 and "Dim ond 0 o 10 sydd wedi’u cyflawni" in response.get_data(as_text=True)


def test_a_credit_from_an_escalation_reads_in_each_readers_language(app, world, failing):  # noqa: F811
    """The credit's description is stored in English (the audit trail's), but the pages and
    the supplier's email word the substitute from the return it names, in the reader's language."""
    officer = signed_in(app, "officer@example.org")
    with app.app_context():
        db.session.scalar(select(User).where(User.email == "officer@example.org")).locale = "cy"
        db.session.scalar(select(User).where(User.email == "supplier@example.org")).locale = "cy"
        db.session.commit()
        [accepted] = [value for value, _ in substitutes(get(Commitment, failing)) if value.startswith("return-")]
    url = f"/officers/commitments/{failing}/escalation"
    later = date.today() + timedelta(days=14)
    assert post_form(officer, f"{url}/escalate", {"board": "Contracts Board", **date_fields(later)}, form_url=url).status_code == 302
    assert post_form(officer, f"{url}/resolve", {"kind": "credit", "substitute": accepted}, form_url=url).status_code == 302
    with app.app_context():
        assert get(Commitment, failing).credit_description.startswith("Substitute: Return for BRENT-RET-001")
        email = db.session.scalars(select(EmailMessage).where(EmailMessage.to_address == "supplier@example.org")
                                   .order_by(EmailMessage.id.desc())).first()
    for page in (officer.get(url).get_data(as_text=True), officer.get(f"/officers/commitments/{failing}").get_data(as_text=True),
                 email.text_body):
        assert "Cyflawniad amgen: Datganiad ar gyfer BRENT-RET-001" in page
        assert "Substitute:" not in page and "Return for" not in page
    english = signed_in(app, "officer@example.org")
    english.set_cookie("language", "en")
    with app.app_context():
        db.session.scalar(select(User).where(User.email == "officer@example.org")).locale = "en"
        db.session.commit()
    assert "Substitute: Return for BRENT-RET-001" in english.get(f"/officers/commitments/{failing}").get_data(as_text=True)
