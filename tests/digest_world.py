"""A small borough with something to say to each kind of person, for the digest,
story and newsletter tests: a group with a need closing soon and a new pledge,
a supplier with a commitment falling due and a confirmed delivery, a published
story about it, an open priority round, a resident who asked for updates and
one who did not. And the helpers those tests share: a real SMTP server (aiosmtpd)
that can be told to refuse, and small readers."""

from __future__ import annotations

import socket
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select

from models import Organisation, OrganisationKind, Role, Round, RoundOption, User, Ward, db, utcnow
from models.contracts.rules import CommitmentDetails, ContractDetails, add_commitment, record_contract
from models.digests.preferences import save_preferences
from models.needs.rules import NeedDetails, create_need, publish_need, submit_need
from models.pledges.rules import (
    accept_pledge,
    confirm_delivery,
    confirm_receipt,
    make_pledge,
    record_delivery,
)
from models.stories.stories import StoryDetails, create_story, publish_story, submit_story
from models.places.themes import Measure, seed_themes
from tests.conftest import login

HARLESDEN = "E05013501"
KILBURN = "E05013503"


def build_world(app, make_user, make_organisation) -> dict:
    with app.app_context():
        seed_themes()
        db.session.commit()
    officer = make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    owner = make_user("grace@example.org", "Grace Group")
    seller = make_user("sam@example.org", "Sam Supplier")
    rita = make_user("rita@example.org", "Rita Resident")
    rory = make_user("rory@example.org", "Rory Resident")
    with app.app_context():
        harlesden = db.session.scalar(select(Ward.id).where(Ward.code == HARLESDEN))
        kilburn = db.session.scalar(select(Ward.id).where(Ward.code == KILBURN))
    group = make_organisation(owner, name="Harlesden Food Hub", officer_id=officer, ward_id=harlesden)
    supplier = make_organisation(seller, kind=OrganisationKind.SUPPLIER, name="Builders Ltd", officer_id=officer)
    today = date.today()
    with app.app_context():
        officer_user = db.session.get(User, officer)
        owner_user = db.session.get(User, owner)
        seller_user = db.session.get(User, seller)
        group_row = db.session.get(Organisation, group)
        supplier_row = db.session.get(Organisation, supplier)
        for user_id in (rita, rory):
            db.session.get(User, user_id).ward_id = harlesden
        measure = db.session.scalar(select(Measure).where(Measure.name == "Employee volunteering hours"))
        contract = record_contract(
            ContractDetails("BRENT-001", "Estate cleaning", None, supplier, 2_000_000_00, None, None), officer_user
        )
        commitment = add_commitment(contract, officer_user, CommitmentDetails(measure.id, 100, today + timedelta(days=30)))

        def need(title, quantity, days, ward_id=harlesden):
            row = create_need(
                group_row,
                owner_user,
                NeedDetails(
                    title, f"{title}, for families in Harlesden.", "", "volunteering", quantity, "volunteer hours",
                    quantity * 15_00, ward_id, measure.theme_id, 120, today + timedelta(days=days),
                ),
                today,
            )
            submit_need(row, owner_user, today)
            publish_need(row, officer_user, today)
            return row

        pantry = need("Volunteers for the Saturday pantry", 40, 60)
        freezer = need("Help moving the new freezer", 6, 12)
        kilburn_need = need("Coaches for the Kilburn youth team", 20, 90, ward_id=kilburn)
        delivered = make_pledge(pantry, supplier_row, seller_user, 24, "Six of our staff", commitment_id=commitment.id)
        accept_pledge(delivered, owner_user)
        record_delivery(delivered, seller_user, today, "Six volunteers, four Saturdays.", None, today)
        confirm_receipt(delivered, owner_user)
        confirm_delivery(delivered, officer_user)
        offered = make_pledge(freezer, supplier_row, seller_user, 2, "Two strong people")
        story = create_story(
            owner_user,
            StoryDetails(
                "Breakfast for 120 families",
                "Six volunteers from Builders Ltd kept the pantry open four Saturdays running.",
                "They came at **8am** every week.",
                delivered.id,
            ),
            group_row,
        )
        submit_story(story, owner_user)
        publish_story(story, officer_user)
        now = utcnow()
        round_ = Round(
            title="Harlesden priorities 2026",
            ward_id=harlesden,
            budget_pence=50_000_00,
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=14),
            method="approval",
            max_choices=3,
            state="open",
        )
        db.session.add(round_)
        save_preferences(db.session.get(User, rita), "monthly", [], [], newsletter=True)
        db.session.commit()
        return {
            "officer": officer, "owner": owner, "seller": seller, "rita": rita, "rory": rory,
            "group": group, "supplier": supplier, "harlesden": harlesden, "kilburn": kilburn,
            "pantry": pantry.id, "freezer": freezer.id, "kilburn_need": kilburn_need.id,
            "delivered": delivered.id, "offered": offered.id, "story": story.id, "round": round_.id,
            "commitment": commitment.id, "theme": measure.theme_id,
        }


def published_round(app, ward_id: int, winners: list[str], losers: list[str]) -> int:
    """A round whose results were published today (the counting rules are the voting engine's)."""
    with app.app_context():
        now = utcnow()
        round_ = Round(
            title="Results round",
            ward_id=ward_id,
            budget_pence=10_000_00,
            opens_at=now - timedelta(days=30),
            closes_at=now - timedelta(days=2),
            method="approval",
            max_choices=2,
            state="published",
            published_at=now - timedelta(hours=1),
        )
        db.session.add(round_)
        db.session.flush()
        for position, title in enumerate([*winners, *losers], start=1):
            db.session.add(
                RoundOption(
                    round_id=round_.id, position=position, title=title, cost_pence=1_000_00,
                    votes=10 - position, vote_rank=position, selected_add1=title in winners,
                )
            )
        db.session.commit()
        return round_.id


def at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour)


class Handler:
    """An SMTP server's DATA handler that accepts (or refuses) and records what it accepted."""

    def __init__(self):
        self.reply = "250 Message accepted for delivery"
        self.messages: list[tuple[list[str], object]] = []
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):
        if not self.reply.startswith("250"):
            self.refused += 1
            return self.reply
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return self.reply

    def received(self) -> dict[str, object]:
        return {recipients[0]: mime for recipients, mime in self.messages}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app):
    from aiosmtpd.controller import Controller

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield handler
    controller.stop()


def plain(mime) -> str:
    """The text part, with the CRLF line ends SMTP uses turned back into newlines."""
    return mime.get_body(("plain",)).get_content().replace("\r\n", "\n")


def client_for(app, email: str):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def count(app, model, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))
