"""Supplier returns on the web: the supplier files a return with evidence and submits it;
an officer queries, the supplier answers, the officer accepts; the supplier is emailed at
each decision; the wrong people are refused; evidence that is not what it claims is refused."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from models import Commitment, EmailMessage, db
from models.returns.models import SupplierReturn
from tests import factories
from tests.factories import get, png_bytes, post_form, signed_in

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
Q1 = "2025-04-01"


@pytest.fixture
def world(app, places):
    return factories.returns_borough(app)


def line_form(**overrides) -> dict:
    return {"quantity": "26", "description": "Two apprentices, 13 weeks each", "beneficiaries": "2",
            "beneficiaries_in_borough": "2", **overrides}


def error_beside(page: str, message: str) -> bool:
    return bool(re.search(r'class="govuk-error-message"[^>]*>\s*<span class="govuk-visually-hidden">Error:</span>\s*'
                          + re.escape(message), page))


def start(client, world) -> int:
    response = post_form(client, f"/suppliers/contracts/{world.contract}/returns/{Q1}", {},
                         form_url=f"/suppliers/contracts/{world.contract}/returns")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def test_file_query_answer_accept_with_evidence_and_emails(app, world):
    supplier = signed_in(app, "supplier@example.org")
    page = supplier.get(f"/suppliers/contracts/{world.contract}/returns").get_data(as_text=True)
    assert "Start the return" in page
    return_id = start(supplier, world)
    url = f"/suppliers/returns/{return_id}/commitments/{world.apprenticeships}"
    response = post_form(supplier, url, {**line_form(), "evidence": (io.BytesIO(PDF), "timesheets.pdf")},
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    response = post_form(supplier, f"/suppliers/returns/{return_id}/submit", {}, form_url=f"/suppliers/returns/{return_id}")
    assert response.status_code == 302

    officer = signed_in(app, "officer@example.org")
    assert f"/officers/returns/{return_id}" in officer.get("/officers/returns").get_data(as_text=True)
    evidence_link = re.search(rf'/returns/{return_id}/evidence/\d+', officer.get(f"/officers/returns/{return_id}").get_data(as_text=True))
    assert officer.get(evidence_link.group(0)).data == PDF
    assert signed_in(app, "outsider@example.org").get(evidence_link.group(0)).status_code == 403

    response = post_form(officer, f"/officers/returns/{return_id}/query", {"query-question": ""},
                         form_url=f"/officers/returns/{return_id}")
    assert response.status_code == 400 and error_beside(response.get_data(as_text=True), "Enter the question for the supplier")
    response = post_form(officer, f"/officers/returns/{return_id}/query", {"query-question": "Do both live in Brent?"},
                         form_url=f"/officers/returns/{return_id}")
    assert response.status_code == 302
    page = supplier.get(f"/suppliers/returns/{return_id}").get_data(as_text=True)
    assert "Do both live in Brent?" in page
    response = post_form(supplier, f"/suppliers/returns/{return_id}/submit", {"answer": ""}, form_url=f"/suppliers/returns/{return_id}")
    assert response.status_code == 400 and error_beside(response.get_data(as_text=True), "Answer the council")
    response = post_form(supplier, f"/suppliers/returns/{return_id}/submit", {"answer": "Yes, in Harlesden"},
                         form_url=f"/suppliers/returns/{return_id}")
    assert response.status_code == 302
    response = post_form(officer, f"/officers/returns/{return_id}/accept", {}, form_url=f"/officers/returns/{return_id}")
    assert response.status_code == 302
    # Accepting twice changes nothing and says so.
    response = post_form(officer, f"/officers/returns/{return_id}/accept", {}, form_url=f"/officers/returns/{return_id}",
                         follow_redirects=True)
    assert "already accepted" in response.get_data(as_text=True)
    with app.app_context():
        assert get(Commitment, world.apprenticeships).returned_quantity == 26
        subjects = db.session.scalars(select(EmailMessage.subject).where(EmailMessage.to_address == "supplier@example.org")
                                      .order_by(EmailMessage.id)).all()
        assert subjects == ["Question about your return for BRENT-RET-001, April 2025",
                            "Accepted your return for BRENT-RET-001, April 2025"]
    contract_page = officer.get(f"/officers/contracts/{world.contract}").get_data(as_text=True)
    assert "0 through pledges, 26 through returns" in contract_page


def test_a_quantity_in_the_wrong_unit_is_refused_beside_its_field_and_kept(app, world):
    supplier = signed_in(app, "supplier@example.org")
    return_id = start(supplier, world)
    url = f"/suppliers/returns/{return_id}/commitments/{world.apprenticeships}"
    for quantity, message in (("26 weeks", "Enter quantity delivered in the period as a whole number"),
                              ("-3", "The quantity cannot be negative"),
                              ("999999999", "999,999,999 weeks is more than ten times the whole commitment")):
        response = post_form(supplier, url, line_form(quantity=quantity))
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and error_beside(page, message), quantity
        assert "Two apprentices, 13 weeks each" in page
    with app.app_context():
        assert get(SupplierReturn, return_id).lines == []


@pytest.mark.parametrize("name, content", [("evidence.pdf", b"only text pretending to be a PDF"),
                                           ("photo.png", b"<script>alert(1)</script>")])
def test_evidence_that_is_not_what_it_claims_is_refused(app, world, name, content):
    supplier = signed_in(app, "supplier@example.org")
    return_id = start(supplier, world)
    response = post_form(supplier, f"/suppliers/returns/{return_id}/commitments/{world.apprenticeships}",
                         {**line_form(), "evidence": (io.BytesIO(content), name)}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert error_beside(response.get_data(as_text=True), "The evidence must be a PDF or an image (JPEG, PNG or WebP)")
    with app.app_context():
        assert get(SupplierReturn, return_id).lines == []


def test_image_evidence_is_accepted(app, world):
    supplier = signed_in(app, "supplier@example.org")
    return_id = start(supplier, world)
    response = post_form(supplier, f"/suppliers/returns/{return_id}/commitments/{world.hires}",
                         {**line_form(quantity="3"), "evidence": (io.BytesIO(png_bytes()), "payroll.png")},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        assert len(get(SupplierReturn, return_id).lines[0].evidence) == 1


def test_the_wrong_people_are_refused(app, world):
    supplier = signed_in(app, "supplier@example.org")
    return_id = start(supplier, world)
    outsider = signed_in(app, "outsider@example.org")
    assert outsider.get(f"/suppliers/contracts/{world.contract}/returns").status_code == 403
    assert outsider.get(f"/suppliers/returns/{return_id}").status_code == 403
    assert outsider.get(f"/suppliers/returns/{return_id}/commitments/{world.apprenticeships}").status_code == 403
    assert outsider.get(f"/officers/returns/{return_id}").status_code == 403
    assert supplier.get(f"/officers/returns/{return_id}").status_code == 403
    # Their own contract is theirs, but a commitment of another contract is not part of this return.
    with app.app_context():
        theirs = db.session.scalar(select(Commitment.id).join(Commitment.contract).where(Commitment.contract_id == world.other_contract))
    assert supplier.get(f"/suppliers/returns/{return_id}/commitments/{theirs}").status_code == 404
    token_page = f"/suppliers/contracts/{world.contract}/returns"
    response = post_form(outsider, f"/suppliers/contracts/{world.contract}/returns/{Q1}", {},
                         form_url=f"/suppliers/contracts/{world.other_contract}/returns")
    assert response.status_code == 403, token_page


def test_rejecting_asks_are_you_sure_first_carrying_the_reason(app, world):
    supplier = signed_in(app, "supplier@example.org")
    return_id = start(supplier, world)
    post_form(supplier, f"/suppliers/returns/{return_id}/commitments/{world.apprenticeships}", line_form())
    post_form(supplier, f"/suppliers/returns/{return_id}/submit", {}, form_url=f"/suppliers/returns/{return_id}")
    officer = signed_in(app, "officer@example.org")
    url, page_url = f"/officers/returns/{return_id}/reject", f"/officers/returns/{return_id}"
    response = post_form(officer, url, {"reject-reason": ""}, form_url=page_url)
    assert response.status_code == 400 and error_beside(response.get_data(as_text=True), "Enter the reason for rejecting the return")
    response = post_form(officer, url, {"reject-reason": "No evidence that the apprentices live in Brent"}, form_url=page_url)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Are you sure you want to reject the return for BRENT-RET-001, 1 April 2025 to 30 June 2025?" in page
    assert "You cannot undo this" in page and "will be emailed your reason" in page
    assert 'name="reject-reason" value="No evidence that the apprentices live in Brent"' in page
    assert 'name="confirmed" value="yes"' in page and f'href="{page_url}"' in page
    with app.app_context():
        assert get(SupplierReturn, return_id).state == "submitted"  # nothing changed yet
        assert db.session.scalar(select(EmailMessage.id).where(EmailMessage.subject.like("Rejected%"))) is None
    # The supplier cannot reject its own return, confirmed or not.
    assert post_form(supplier, url, {"reject-reason": "x", "confirmed": "yes"}, form_url=f"/suppliers/returns/{return_id}").status_code == 403
    response = post_form(officer, url, {"reject-reason": "No evidence that the apprentices live in Brent", "confirmed": "yes"},
                         form_url=page_url)
    assert response.status_code == 302
    with app.app_context():
        rejected = get(SupplierReturn, return_id)
        assert (rejected.state, rejected.reject_reason) == ("rejected", "No evidence that the apprentices live in Brent")
        assert get(Commitment, world.apprenticeships).returned_quantity == 0
        assert db.session.scalar(select(func.count()).select_from(EmailMessage).where(EmailMessage.subject.like("Rejected%"))) == 1
    # Asked again once decided: no "Are you sure?", it says it is already decided and changes nothing.
    response = post_form(officer, url, {"reject-reason": "Again"}, form_url=page_url, follow_redirects=True)
    assert "already rejected" in response.get_data(as_text=True)
    assert post_form(officer, "/officers/returns/999999/reject", {"reject-reason": "x"}, form_url=page_url).status_code == 404
