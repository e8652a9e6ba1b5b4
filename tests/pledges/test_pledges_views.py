"""The pledge lifecycle through the real views: a supplier pledges, the group
accepts, the supplier records delivery with evidence, the group confirms receipt,
an officer confirms with allocations (or disputes); and the wrong people cannot."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from models import Allocation, Commitment, Event, Membership, Need, OrganisationKind, Pledge, Role, User, db
from models.needs.rules import close_need
from tests import factories
from tests.factories import csrf_token, post_form, recorded_queries, signed_in

FUTURE = date.today() + timedelta(days=60)
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def world(app, places):
    """A published need (40 hours) of a verified group; a verified supplier with two
    approved commitments; another group; an unverified supplier; an officer; a resident."""
    with app.app_context():
        factories.themes()
        db.session.commit()
        officer = factories.officer()
        owner = factories.user("owner@example.org", "Olu Owner")
        other = factories.user("other@example.org", "Odette Other")
        seller = factories.user("seller@example.org", "Sid Seller")
        newcomer = factories.user("newcomer@example.org", "Nell Newcomer")
        resident = factories.user("resident@example.org", "Rae Resident")
        group = factories.organisation(owner, officer=officer)
        other_group = factories.organisation(other, name="Kilburn Football", registration_number="1190002", officer=officer)
        supplier = factories.supplier(seller, officer=officer)
        unverified = factories.supplier(newcomer, "Newco Ltd", registration_number="09000002", verified=False)
        db.session.commit()
        measure = factories.measure(need_kind="volunteering")
        contract = factories.contract(supplier.id, officer)
        first = factories.commitment(contract, officer, measure.id, 100, FUTURE + timedelta(days=200))
        second = factories.commitment(contract, officer, measure.id, 50, FUTURE + timedelta(days=300))
        db.session.commit()
        world = {
            "officer": officer.id, "owner": owner.id, "other": other.id, "seller": seller.id,
            "newcomer": newcomer.id, "resident": resident.id, "group": group.id, "other_group": other_group.id,
            "supplier": supplier.id, "unverified": unverified.id, "commitment": first.id,
            "second_commitment": second.id, "theme_id": measure.theme_id,
        }
    world["need"] = make_need(app, world)
    return world


def make_need(app, world, status="published", title="Volunteers for the pantry", quantity=40) -> int:
    return factories.group_need(app, world, status, title=title, quantity=quantity, theme_id=world["theme_id"],
                                deadline=FUTURE)


def progress(client, need_id) -> tuple[int, int, int]:
    page = client.get(f"/needs/{need_id}").get_data(as_text=True)
    match = re.search(r"Requested 40 hours; pledged ([\d,]+); accepted ([\d,]+); delivered ([\d,]+)\.", page)
    assert match, page
    return tuple(int(group.replace(",", "")) for group in match.groups())


def pledge_form(world, quantity="30", commitment=None, **extra):
    return {
        "supplier_id": str(world["supplier"]),
        "quantity": quantity,
        "message": "Four of our staff, ten Saturdays",
        "commitment_id": str(commitment if commitment is not None else world["commitment"]),
        **extra,
    }


def make_pledge_via_view(client, world, **kwargs) -> int:
    response = post_form(client, f"/needs/{world['need']}/pledge", pledge_form(world, **kwargs))
    assert response.status_code == 302, response.get_data(as_text=True)
    with client.application.app_context():
        return db.session.scalar(select(Pledge.id).order_by(Pledge.id.desc()))


def pledge_row(app, pledge_id) -> Pledge:
    with app.app_context():
        pledge = db.session.get(Pledge, pledge_id)
        db.session.expunge(pledge)
        return pledge


def field_error(page: str, message: str) -> bool:
    """The message sits in a GOV.UK error message beside its field (not only a banner)."""
    return bool(re.search(r'class="govuk-error-message"[^>]*>\s*<span class="govuk-visually-hidden">Error:</span>\s*'
                          + re.escape(message), page))


def deliver(app, world, supplier_client, group_client, evidence=None) -> int:
    """Pledge 30 hours, accept, record delivery, confirm receipt: ready for an officer."""
    pledge_id = make_pledge_via_view(supplier_client, world)
    assert post_form(group_client, f"/groups/pledges/{pledge_id}/accept", {},
                     form_url=f"/groups/{world['group']}/pledges").status_code == 302
    data = {"delivered_on": [str(date.today().day), str(date.today().month), str(date.today().year)],
            "note": "Four volunteers for ten Saturdays"}
    if evidence is not None:
        data["evidence"] = evidence
    response = post_form(supplier_client, f"/suppliers/pledges/{pledge_id}/delivery", data,
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert post_form(group_client, f"/groups/pledges/{pledge_id}/received", {},
                     form_url=f"/groups/{world['group']}/pledges").status_code == 302
    return pledge_id


# The journey -------------------------------------------------------------------------


def test_the_whole_lifecycle_with_emails_and_progress(app, world, outbox):
    supplier_client = signed_in(app, "seller@example.org")
    group_client = signed_in(app, "owner@example.org")
    officer_client = signed_in(app, "officer@example.org")
    need_url = f"/needs/{world['need']}"
    outbox()  # sign-up and verification mail out of the way
    sent_before = len(outbox())

    page = supplier_client.get(need_url).get_data(as_text=True)
    assert "Pledge to this need" in page
    assert progress(supplier_client, world["need"]) == (0, 0, 0)
    form_page = supplier_client.get(f"/needs/{world['need']}/pledge").get_data(as_text=True)
    assert "BRENT-001" in form_page and "100 of 100" in form_page  # approved commitments, with what is left

    pledge_id = make_pledge_via_view(supplier_client, world)
    assert progress(supplier_client, world["need"]) == (30, 0, 0)
    offered = outbox("owner@example.org")[-1]
    assert offered.subject == "New pledge: Volunteers for the pantry"
    assert "Builders Ltd has pledged 30 hours" in offered.text_body
    assert f"/groups/{world['group']}/pledges" in offered.text_body

    dashboard = supplier_client.get(f"/suppliers/{world['supplier']}").get_data(as_text=True)
    assert "Waiting for the group to accept or decline" in dashboard
    assert "BRENT-001" in dashboard and "Estate cleaning" in dashboard

    incoming = group_client.get(f"/groups/{world['group']}/pledges").get_data(as_text=True)
    assert "Builders Ltd" in incoming and "Four of our staff" in incoming
    response = post_form(group_client, f"/groups/pledges/{pledge_id}/accept", {}, form_url=f"/groups/{world['group']}/pledges")
    assert response.status_code == 302
    assert progress(group_client, world["need"]) == (30, 30, 0)
    accepted = outbox("seller@example.org")[-1]
    assert accepted.subject == "Accepted: your pledge to Volunteers for the pantry"
    assert "Record delivery" in supplier_client.get(f"/suppliers/{world['supplier']}").get_data(as_text=True)

    today = date.today()
    response = post_form(supplier_client, f"/suppliers/pledges/{pledge_id}/delivery", {
        "delivered_on": [str(today.day), str(today.month), str(today.year)],
        "note": "Four volunteers for ten Saturdays",
        "evidence": (io.BytesIO(PDF), "timesheets.pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    assert progress(group_client, world["need"]) == (30, 30, 0)  # not delivered until an officer confirms
    delivered = outbox("owner@example.org")[-1]
    assert delivered.subject == "Delivered: Volunteers for the pantry"
    assert "Four volunteers for ten Saturdays" in delivered.text_body

    evidence = group_client.get(f"/pledges/{pledge_id}/evidence")
    assert evidence.status_code == 200 and evidence.data == PDF
    assert evidence.headers["Content-Disposition"].startswith("attachment")
    assert "Waiting for the group to confirm" in supplier_client.get(f"/suppliers/{world['supplier']}").get_data(as_text=True)

    dashboard = officer_client.get("/officers/").get_data(as_text=True)
    assert "<li>0 deliveries to confirm</li>" in dashboard  # a count of nothing is not a link
    response = post_form(group_client, f"/groups/pledges/{pledge_id}/received", {}, form_url=f"/groups/{world['group']}/pledges")
    assert response.status_code == 302
    assert '<a class="govuk-link" href="/officers/deliveries">1 delivery to confirm</a>' in officer_client.get("/officers/").get_data(as_text=True)
    queue = officer_client.get("/officers/deliveries").get_data(as_text=True)
    assert "Volunteers for the pantry" in queue and "Builders Ltd" in queue

    delivery_page = officer_client.get(f"/officers/deliveries/{pledge_id}").get_data(as_text=True)
    assert "Four volunteers for ten Saturdays" in delivery_page
    assert f'name="commitment_{world["commitment"]}"' in delivery_page
    prefilled = re.search(rf'name="commitment_{world["commitment"]}"[^>]*value="(\d+)"', delivery_page)
    assert prefilled and prefilled.group(1) == "30"
    other = re.search(rf'name="commitment_{world["second_commitment"]}"[^>]*value="(\d+)"', delivery_page)
    assert other and other.group(1) == "0"

    response = post_form(officer_client, f"/officers/deliveries/{pledge_id}", {
        f"commitment_{world['commitment']}": "20",
        f"commitment_{world['second_commitment']}": "10",
        "confirm": "Confirm the delivery",
    })
    assert response.status_code == 302
    assert progress(group_client, world["need"]) == (30, 30, 30)
    with app.app_context():
        assert db.session.get(Pledge, pledge_id).status == "confirmed"
        assert db.session.get(Commitment, world["commitment"]).delivered_quantity == 20
        assert db.session.get(Commitment, world["second_commitment"]).delivered_quantity == 10
        actions = set(db.session.scalars(select(Event.action).where(Event.subject_type == "pledges")))
        assert {"pledge.offered", "pledge.accepted", "pledge.delivered", "pledge.received", "pledge.confirmed",
                "pledge.allocated"} <= actions
    assert outbox("seller@example.org")[-1].subject == "Confirmed: delivery to Volunteers for the pantry"
    assert outbox("owner@example.org")[-1].subject == "Confirmed: delivery to Volunteers for the pantry"
    dashboard = officer_client.get("/officers/").get_data(as_text=True)
    assert "<li>0 deliveries to confirm</li>" in dashboard  # a count of nothing is not a link

    dashboard = supplier_client.get(f"/suppliers/{world['supplier']}").get_data(as_text=True)
    assert "Confirmed by the council" in dashboard
    assert re.search(r"<td[^>]*>20</td>\s*<td[^>]*>100 ", dashboard)  # delivered vs target on the commitment
    # Every email was delivered by the job after its commit.
    kinds = [m.kind for m in outbox()[sent_before:]]
    assert kinds.count("pledge_offered") == 1 and kinds.count("pledge_accepted") == 1
    assert kinds.count("pledge_delivered") == 1 and kinds.count("pledge_confirmed") == 2
    assert all(m.status == "sent" for m in outbox() if m.kind.startswith("pledge_"))


def test_navigation_links_supplier_members_to_their_dashboard(app, world):
    supplier_client = signed_in(app, "seller@example.org")
    page = supplier_client.get("/").get_data(as_text=True)
    assert "Your pledges" in page
    response = supplier_client.get("/suppliers")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/suppliers/{world['supplier']}")
    resident_client = signed_in(app, "resident@example.org")
    assert "Your pledges" not in resident_client.get("/").get_data(as_text=True)
    assert resident_client.get(f"/suppliers/{world['supplier']}").status_code == 403


# Pledging: the unhappy paths ---------------------------------------------------------


def test_pledging_more_than_remains_gives_the_rules_message_beside_the_field(app, world):
    supplier_client = signed_in(app, "seller@example.org")
    make_pledge_via_view(supplier_client, world, quantity="30")
    response = post_form(supplier_client, f"/needs/{world['need']}/pledge", pledge_form(world, quantity="11"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(page, "Only 10 hours still needed: pledge that or less")
    assert 'value="11"' in page  # what was typed is kept
    assert "Four of our staff, ten Saturdays" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 1
    assert progress(supplier_client, world["need"]) == (30, 0, 0)
    make_pledge_via_view(supplier_client, world, quantity="10")
    assert progress(supplier_client, world["need"]) == (40, 0, 0)


def test_bad_quantity_is_shown_beside_the_field(app, world):
    supplier_client = signed_in(app, "seller@example.org")
    for typed, message in (("lots", "Enter how much can you give as a whole number"), ("0", "Pledge at least 1")):
        page = post_form(supplier_client, f"/needs/{world['need']}/pledge", pledge_form(world, quantity=typed)).get_data(as_text=True)
        assert field_error(page, message), page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 0


def test_pledging_to_another_suppliers_commitment_is_refused(app, world, make_user, make_organisation):
    rival_member = make_user("rival@example.org", "Rita Rival")
    rival = make_organisation(rival_member, kind=OrganisationKind.SUPPLIER, name="Rival plc", registration_number="09000003",
                              officer_id=world["officer"])
    with app.app_context():
        db.session.add(Membership(organisation_id=rival, user_id=world["seller"]))
        db.session.commit()
    supplier_client = signed_in(app, "seller@example.org")
    page = supplier_client.get(f"/needs/{world['need']}/pledge").get_data(as_text=True)
    assert "Which of your organisations is pledging?" in page and "Rival plc" in page
    response = post_form(supplier_client, f"/needs/{world['need']}/pledge",
                         pledge_form(world, supplier_id=str(rival)))
    assert field_error(response.get_data(as_text=True), "Choose one of your organisation&#39;s approved commitments")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 0
    # As the supplier it belongs to, it works; the choice lands on that supplier's dashboard.
    response = post_form(supplier_client, f"/needs/{world['need']}/pledge", pledge_form(world, quantity="5"))
    assert response.headers["Location"].endswith(f"/suppliers/{world['supplier']}")


@pytest.mark.parametrize("status", ["draft", "closed", "expired", "past_deadline"])
def test_pledging_to_a_need_that_is_not_open(app, world, status):
    need_id = make_need(app, world, status="draft" if status == "draft" else "published", title=f"Need {status}")
    with app.app_context():
        if status == "closed":
            close_need(db.session.get(Need, need_id), db.session.get(User, world["owner"]))
        elif status == "expired":
            db.session.execute(update(Need).where(Need.id == need_id).values(status="expired"))
        elif status == "past_deadline":  # the expiry job has not run yet
            db.session.execute(update(Need).where(Need.id == need_id).values(deadline=date.today() - timedelta(days=1)))
        db.session.commit()
    supplier_client = signed_in(app, "seller@example.org")
    url = f"/needs/{need_id}/pledge"
    if status == "draft":
        assert supplier_client.get(url).status_code == 404
        response = supplier_client.post(url, data=pledge_form(world))
        assert response.status_code in (400, 404)
    else:
        assert "Pledge to this need" not in supplier_client.get(f"/needs/{need_id}").get_data(as_text=True) or status == "past_deadline"
        response = post_form(supplier_client, url, pledge_form(world, quantity="5"), form_url=f"/needs/{world['need']}/pledge")
        page = response.get_data(as_text=True)
        expected = {
            "closed": "This need is closed, so it is not taking pledges",
            "expired": "This need is expired, so it is not taking pledges",
            "past_deadline": "This need is past its deadline",
        }[status]
        assert response.status_code == 200 and expected in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 0
        assert db.session.get(Need, need_id).pledged_quantity == 0


def test_a_resident_cannot_pledge(app, world):
    resident_client = signed_in(app, "resident@example.org")
    assert "Pledge to this need" not in resident_client.get(f"/needs/{world['need']}").get_data(as_text=True)
    assert resident_client.get(f"/needs/{world['need']}/pledge").status_code == 403
    response = resident_client.post(f"/needs/{world['need']}/pledge", data=pledge_form(world))
    assert response.status_code in (400, 403)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 0


def test_an_unverified_supplier_cannot_pledge(app, world):
    newcomer_client = signed_in(app, "newcomer@example.org")
    page = newcomer_client.get(f"/needs/{world['need']}").get_data(as_text=True)
    assert "Pledge to this need" not in page
    assert "The council must verify Newco Ltd before it can pledge" in page
    response = newcomer_client.get(f"/needs/{world['need']}/pledge")
    assert response.status_code == 403
    assert "must be verified by the council" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 0


# Groups ------------------------------------------------------------------------------


def test_a_member_of_another_group_cannot_accept_decline_or_confirm_receipt(app, world, outbox):
    supplier_client = signed_in(app, "seller@example.org")
    pledge_id = make_pledge_via_view(supplier_client, world)
    other_client = signed_in(app, "other@example.org")
    assert other_client.get(f"/groups/{world['group']}/pledges").status_code == 403
    form_url = f"/groups/{world['other_group']}/pledges"
    assert post_form(other_client, f"/groups/pledges/{pledge_id}/accept", {}, form_url=form_url).status_code == 403
    assert post_form(other_client, f"/groups/pledges/{pledge_id}/decline", {"reason": "No"}, form_url=form_url).status_code == 403
    assert post_form(other_client, f"/groups/pledges/{pledge_id}/received", {}, form_url=form_url).status_code == 403
    assert pledge_row(app, pledge_id).status == "offered"
    assert not [m for m in outbox("seller@example.org") if m.kind.startswith("pledge_")]
    # Even the supplier cannot accept its own pledge.
    assert post_form(supplier_client, f"/groups/pledges/{pledge_id}/accept", {},
                     form_url=f"/suppliers/{world['supplier']}").status_code == 403


def test_declining_needs_a_reason_and_tells_the_supplier_why(app, world, outbox):
    supplier_client = signed_in(app, "seller@example.org")
    group_client = signed_in(app, "owner@example.org")
    pledge_id = make_pledge_via_view(supplier_client, world)
    form_url = f"/groups/{world['group']}/pledges"
    assert f'action="/groups/pledges/{pledge_id}/decline"' not in group_client.get(form_url).get_data(as_text=True)
    confirm = group_client.get(f"/groups/pledges/{pledge_id}/decline").get_data(as_text=True)
    assert "Are you sure you want to decline the pledge" in confirm and "will be told, with your reason" in confirm
    assert signed_in(app, "other@example.org").get(f"/groups/pledges/{pledge_id}/decline").status_code == 403
    response = post_form(group_client, f"/groups/pledges/{pledge_id}/decline", {"reason": "  "}, form_url=form_url)
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "Say why, so the supplier understands")
    assert "Are you sure you want to decline the pledge" in response.get_data(as_text=True)
    assert pledge_row(app, pledge_id).status == "offered"
    response = post_form(group_client, f"/groups/pledges/{pledge_id}/decline",
                         {"reason": "We found volunteers elsewhere"}, form_url=form_url)
    assert response.status_code == 302
    assert progress(group_client, world["need"]) == (0, 0, 0)
    message = outbox("seller@example.org")[-1]
    assert message.subject == "Declined: your pledge to Volunteers for the pantry"
    assert "We found volunteers elsewhere" in message.text_body
    dashboard = supplier_client.get(f"/suppliers/{world['supplier']}").get_data(as_text=True)
    assert "The group declined: We found volunteers elsewhere" in dashboard


# Suppliers: delivery and withdrawal --------------------------------------------------


def test_withdrawing_before_delivery_frees_the_need_and_tells_the_group(app, world, outbox):
    supplier_client = signed_in(app, "seller@example.org")
    pledge_id = make_pledge_via_view(supplier_client, world)
    dashboard = supplier_client.get(f"/suppliers/{world['supplier']}").get_data(as_text=True)
    assert f'action="/suppliers/pledges/{pledge_id}/withdraw"' not in dashboard  # it asks first
    confirm = supplier_client.get(f"/suppliers/pledges/{pledge_id}/withdraw").get_data(as_text=True)
    assert "Are you sure you want to withdraw your pledge" in confirm and "open to other suppliers again" in confirm
    assert pledge_row(app, pledge_id).status == "offered"
    assert signed_in(app, "other@example.org").get(f"/suppliers/pledges/{pledge_id}/withdraw").status_code == 403
    response = post_form(supplier_client, f"/suppliers/pledges/{pledge_id}/withdraw", {})
    assert response.status_code == 302
    assert pledge_row(app, pledge_id).status == "withdrawn"
    assert progress(supplier_client, world["need"]) == (0, 0, 0)
    assert outbox("owner@example.org")[-1].subject == "Pledge withdrawn: Volunteers for the pantry"


def test_withdrawing_after_delivery_is_refused(app, world):
    supplier_client = signed_in(app, "seller@example.org")
    group_client = signed_in(app, "owner@example.org")
    pledge_id = deliver(app, world, supplier_client, group_client)
    response = post_form(supplier_client, f"/suppliers/pledges/{pledge_id}/withdraw", {},
                         form_url=f"/suppliers/{world['supplier']}", follow_redirects=True)
    assert "Only a pledge that has not been delivered can be withdrawn" in response.get_data(as_text=True)
    assert pledge_row(app, pledge_id).status == "delivered"
    # Someone else's member cannot withdraw it either.
    other_client = signed_in(app, "other@example.org")
    assert post_form(other_client, f"/suppliers/pledges/{pledge_id}/withdraw", {}, form_url="/").status_code == 403


@pytest.mark.parametrize("name,content", [
    ("evidence.pdf", b"this is only text pretending to be a PDF"),
    ("evidence.html", b"<script>alert(1)</script>"),
    ("evidence.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
])
def test_evidence_that_is_not_a_pdf_or_image_is_refused(app, world, name, content):
    supplier_client = signed_in(app, "seller@example.org")
    group_client = signed_in(app, "owner@example.org")
    pledge_id = make_pledge_via_view(supplier_client, world)
    post_form(group_client, f"/groups/pledges/{pledge_id}/accept", {}, form_url=f"/groups/{world['group']}/pledges")
    today = date.today()
    response = post_form(supplier_client, f"/suppliers/pledges/{pledge_id}/delivery", {
        "delivered_on": [str(today.day), str(today.month), str(today.year)],
        "note": "Four volunteers",
        "evidence": (io.BytesIO(content), name),
    }, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(page, "The evidence must be a PDF or an image (JPEG, PNG or WebP)")
    assert "Four volunteers" in page  # what was typed is kept
    pledge = pledge_row(app, pledge_id)
    assert pledge.status == "accepted" and pledge.evidence_filename is None


def test_image_evidence_is_stored_and_only_the_right_people_see_it(app, world, make_user):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 30)).save(buffer, format="JPEG")
    supplier_client = signed_in(app, "seller@example.org")
    group_client = signed_in(app, "owner@example.org")
    pledge_id = deliver(app, world, supplier_client, group_client, evidence=(io.BytesIO(buffer.getvalue()), "photo.jpg"))
    name = pledge_row(app, pledge_id).evidence_filename
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", name)
    for email in ("seller@example.org", "owner@example.org", "officer@example.org"):
        response = signed_in(app, email).get(f"/pledges/{pledge_id}/evidence")
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    for email in ("other@example.org", "resident@example.org"):
        assert signed_in(app, email).get(f"/pledges/{pledge_id}/evidence").status_code == 403
    assert app.test_client().get(f"/pledges/{pledge_id}/evidence").status_code == 302  # sign in first


def test_a_future_delivery_date_is_refused_beside_the_field(app, world):
    supplier_client = signed_in(app, "seller@example.org")
    group_client = signed_in(app, "owner@example.org")
    pledge_id = make_pledge_via_view(supplier_client, world)
    post_form(group_client, f"/groups/pledges/{pledge_id}/accept", {}, form_url=f"/groups/{world['group']}/pledges")
    tomorrow = date.today() + timedelta(days=1)
    response = post_form(supplier_client, f"/suppliers/pledges/{pledge_id}/delivery", {
        "delivered_on": [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)], "note": "",
    }, content_type="multipart/form-data")
    assert field_error(response.get_data(as_text=True), "The delivery date cannot be in the future")
    today = date.today()
    response = post_form(supplier_client, f"/suppliers/pledges/{pledge_id}/delivery", {
        "delivered_on": [str(today.day), str(today.month), str(today.year)], "note": " ",
    }, content_type="multipart/form-data")
    assert field_error(response.get_data(as_text=True), "Say what was delivered")
    assert pledge_row(app, pledge_id).status == "accepted"


# Officers ----------------------------------------------------------------------------


def test_a_supplier_cannot_confirm_its_own_delivery(app, world):
    supplier_client = signed_in(app, "seller@example.org")
    group_client = signed_in(app, "owner@example.org")
    pledge_id = deliver(app, world, supplier_client, group_client)
    data = {f"commitment_{world['commitment']}": "30", "confirm": "Confirm the delivery"}
    assert supplier_client.get(f"/officers/deliveries/{pledge_id}").status_code == 403
    assert supplier_client.post(f"/officers/deliveries/{pledge_id}", data=data).status_code in (400, 403)
    # A supplier member who is also an officer is refused by the rule.
    with app.app_context():
        seller = db.session.get(User, world["seller"])
        seller.role = Role.OFFICER.value
        db.session.commit()
    response = post_form(supplier_client, f"/officers/deliveries/{pledge_id}", data)
    assert response.status_code == 403
    assert "You cannot confirm a delivery made by your own organisation" in response.get_data(as_text=True)
    pledge = pledge_row(app, pledge_id)
    assert pledge.status == "delivered"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Allocation)) == 0
        assert db.session.get(Need, world["need"]).delivered_quantity == 0


def test_an_officer_confirming_twice_gets_a_message_not_a_second_allocation(app, world):
    supplier_client = signed_in(app, "seller@example.org")
    group_client = signed_in(app, "owner@example.org")
    officer_client = signed_in(app, "officer@example.org")
    pledge_id = deliver(app, world, supplier_client, group_client)
    url = f"/officers/deliveries/{pledge_id}"
    data = {f"commitment_{world['commitment']}": "30", "confirm": "Confirm the delivery"}
    # Two tabs open on the form; both submit.
    token = csrf_token(officer_client, url)
    assert officer_client.post(url, data={"csrf_token": token, **data}).status_code == 302
    response = officer_client.post(url, data={"csrf_token": token, **data})
    assert response.status_code == 200
    assert "This delivery has already been confirmed" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Allocation)) == 1
        assert db.session.get(Commitment, world["commitment"]).delivered_quantity == 30
        assert db.session.get(Need, world["need"]).delivered_quantity == 30


def test_allocating_more_than_was_delivered_is_refused_beside_the_field(app, world):
    supplier_client = signed_in(app, "seller@example.org")
    group_client = signed_in(app, "owner@example.org")
    officer_client = signed_in(app, "officer@example.org")
    pledge_id = deliver(app, world, supplier_client, group_client)
    response = post_form(officer_client, f"/officers/deliveries/{pledge_id}", {
        f"commitment_{world['commitment']}": "25",
        f"commitment_{world['second_commitment']}": "6",
        "confirm": "Confirm the delivery",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(page, "You can allocate at most the 30 hours delivered")
    assert re.search(rf'name="commitment_{world["second_commitment"]}"[^>]*value="6"', page)  # kept
    assert pledge_row(app, pledge_id).status == "delivered"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Allocation)) == 0
        assert db.session.get(Need, world["need"]).delivered_quantity == 0
    response = post_form(officer_client, f"/officers/deliveries/{pledge_id}", {
        f"commitment_{world['commitment']}": "-3", "confirm": "Confirm the delivery",
    })
    assert field_error(response.get_data(as_text=True), "Enter 0 or more")
    assert pledge_row(app, pledge_id).status == "delivered"


def test_an_officer_cannot_confirm_before_the_group_has_received_it(app, world):
    supplier_client = signed_in(app, "seller@example.org")
    group_client = signed_in(app, "owner@example.org")
    officer_client = signed_in(app, "officer@example.org")
    pledge_id = make_pledge_via_view(supplier_client, world)
    post_form(group_client, f"/groups/pledges/{pledge_id}/accept", {}, form_url=f"/groups/{world['group']}/pledges")
    today = date.today()
    post_form(supplier_client, f"/suppliers/pledges/{pledge_id}/delivery", {
        "delivered_on": [str(today.day), str(today.month), str(today.year)], "note": "Done",
    }, content_type="multipart/form-data")
    assert "Volunteers for the pantry" not in officer_client.get("/officers/deliveries").get_data(as_text=True)
    response = post_form(officer_client, f"/officers/deliveries/{pledge_id}",
                         {"confirm": "Confirm the delivery"})
    assert "Wait for the group to confirm it received the delivery" in response.get_data(as_text=True)
    assert pledge_row(app, pledge_id).status == "delivered"


def test_disputing_needs_a_reason_and_tells_both_sides(app, world, outbox):
    supplier_client = signed_in(app, "seller@example.org")
    group_client = signed_in(app, "owner@example.org")
    officer_client = signed_in(app, "officer@example.org")
    pledge_id = deliver(app, world, supplier_client, group_client)
    url = f"/officers/deliveries/{pledge_id}"
    response = post_form(officer_client, url, {"reason": "", "dispute": "Dispute the delivery"})
    assert field_error(response.get_data(as_text=True), "Say what is in dispute")
    response = post_form(officer_client, url, {"reason": "The timesheets are unsigned",
                                               "dispute": "Dispute the delivery"})
    assert response.status_code == 302
    assert pledge_row(app, pledge_id).status == "disputed"
    for email in ("seller@example.org", "owner@example.org"):
        message = outbox(email)[-1]
        assert message.subject == "Disputed: delivery to Volunteers for the pantry"
        assert "The timesheets are unsigned" in message.text_body
    assert "The council disputed the delivery: The timesheets are unsigned" in supplier_client.get(
        f"/suppliers/{world['supplier']}").get_data(as_text=True)
    assert progress(group_client, world["need"]) == (30, 30, 0)


def test_only_officers_see_the_delivery_queue(app, world):
    for email in ("owner@example.org", "seller@example.org", "resident@example.org"):
        assert signed_in(app, email).get("/officers/deliveries").status_code == 403


# Queries -----------------------------------------------------------------------------


def _statements_for(app, client, url) -> int:
    with recorded_queries(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_supplier_dashboard_makes_no_query_per_row(app, world):
    from models import Organisation
    from models.pledges.rules import make_pledge

    supplier_client = signed_in(app, "seller@example.org")
    url = f"/suppliers/{world['supplier']}"

    def add_pledges(number):
        for index in range(number):
            need_id = make_need(app, world, title=f"Need {number}-{index}")
            with app.app_context():
                make_pledge(db.session.get(Need, need_id), db.session.get(Organisation, world["supplier"]),
                            db.session.get(User, world["seller"]), 1, commitment_id=world["commitment"])
                db.session.commit()

    add_pledges(1)  # a group may have 5 live needs at once
    few = _statements_for(app, supplier_client, url)
    add_pledges(3)
    many = _statements_for(app, supplier_client, url)
    assert many == few


def test_a_supplier_in_two_organisations_chooses_which_one_pledges(app, world):
    seller = signed_in(app, "seller@example.org")
    url = f"/needs/{world['need']}/pledge"
    one = seller.get(url).get_data(as_text=True)
    assert "Pledging as <strong>Builders Ltd</strong>" in one and "Choose an organisation" not in one
    assert "Message to the group (optional)" in one
    with app.app_context():
        officer = db.session.get(User, world["officer"])
        second = factories.supplier(db.session.get(User, world["seller"]), "Northwest Facilities",
                                    registration_number="09000003", officer=officer).id
        db.session.commit()
    page = seller.get(url).get_data(as_text=True)
    assert "Which of your organisations is pledging?" in page
    assert re.search(r'<option (selected )?value="0"[^>]*>Choose an organisation</option>', page)
    assert not re.search(rf'<option selected value="{world["supplier"]}"', page)  # no silent default
    missing = post_form(seller, url, pledge_form(world, commitment=0, supplier_id="0"))
    assert missing.status_code == 200 and "Choose which of your organisations is pledging" in missing.get_data(as_text=True)
    someone_elses = post_form(seller, url, pledge_form(world, commitment=0, supplier_id=str(world["unverified"])))
    assert "Choose which of your organisations is pledging" in someone_elses.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 0
    assert post_form(seller, url, pledge_form(world, commitment=0, supplier_id=str(second))).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Pledge.supplier_id)) == second
