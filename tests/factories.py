"""Builders for the tests, and the small helpers every test module shares.

Builders make rows through the rules the app itself uses (models.*.rules), except the
few that say they insert rows directly because how the row came about is not what the
tests using them are about. A builder runs inside an app context (`with
app.app_context():`), flushes, and returns what it made; the caller commits once.

Scenes at the end are the worlds that several test modules share: the same small
borough, built from the builders. A test module with a world of its own builds it
in its own `world` fixture from the same builders.

Helpers: signing in (`login`, `signed_in`), posting a form with its CSRF token,
counting rows, recording the SQL a block runs, a free port, a PNG, and a real SMTP
server's handler.
"""

from __future__ import annotations

import io
import re
import socket
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Iterator

from sqlalchemy import event, func, select

from models import (
    Need,
    Organisation,
    OrganisationKind,
    Pledge,
    Postcode,
    Role,
    Round,
    RoundOption,
    User,
    Ward,
    db,
    utcnow,
)
from models.contracts.models import Commitment, Contract
from models.contracts.rules import (
    CommitmentDetails,
    ContractDetails,
    add_commitment,
    record_contract,
    settle_commitment,
)
from models.digests.preferences import save_preferences
from models.needs.rules import NeedDetails, close_need, create_need, publish_need, submit_need
from models.people.accounts import register_user, verify_email
from models.people.organisations import create_organisation, verify_organisation
from models.places.themes import Measure, Theme, seed_themes
from models.pledges.rules import (
    accept_pledge,
    confirm_delivery,
    confirm_receipt,
    decline_pledge,
    dispute_delivery,
    make_pledge,
    record_delivery,
    withdraw_pledge,
)
from models.reporting.delivery_totals import rebuild_delivery_totals
from models.reporting.impact import Year
from models.stories.stories import StoryDetails, create_story, publish_story, submit_story
from models.voting.ballots import cast_ballot
from models.voting.count import count_round
from models.voting.setup import RoundFields, add_item_option, close_round, create_round, open_round, publish_results

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "brent"
# shared/ sits beside the repository (beside the checkout's parent folder for a git worktree).
SHARED_DATA = next(
    (up / "shared" / "data" for up in ROOT.parents if (up / "shared" / "data").is_dir()), ROOT.parent / "shared" / "data"
)
TEST_DATA = Path(__file__).resolve().parent / "data"
PASSWORD = "correct-horse-battery-staple"


# Signing in and forms ------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    page = client.get(url)
    match = CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {page.status_code})"
    return match.group(1) or match.group(2)


def post_form(client, url: str, data: dict, form_url: str | None = None, **kwargs):
    """POST like a browser: fetch the form page for its CSRF token first."""
    token = csrf_token(client, form_url or url)
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


def login(client, email: str, password: str = PASSWORD):
    return post_form(client, "/sign-in", {"email": email, "password": password})


def signed_in(app, email: str, password: str = PASSWORD):
    """A new test client, signed in as this person."""
    client = app.test_client()
    response = login(client, email, password)
    assert response.status_code == 302, f"could not sign in as {email}"
    return client


def link_in(message, path_prefix: str) -> str:
    match = re.search(r"http://localhost(" + re.escape(path_prefix) + r"[^\s\"<]*)", message.text_body)
    assert match, f"no {path_prefix} link in: {message.text_body}"
    return match.group(1)


# Reading the database ------------------------------------------------------------------


def get(model, row_id: int):
    """The row with this id, in the current app context."""
    return db.session.get(model, row_id)


def count(app, model, *where) -> int:
    """How many rows of the model (that match the conditions) there are."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


@contextmanager
def recorded_queries(app) -> Iterator[list[str]]:
    """The SQL statements the app's database engine runs inside the block, in order."""
    statements: list[str] = []

    def record(connection, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


# Small things --------------------------------------------------------------------------


def png_bytes(colour: tuple[int, int, int] = (30, 120, 60), size: tuple[int, int] = (64, 48)) -> bytes:
    """A real PNG image, for upload tests."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def free_port() -> int:
    """A TCP port nothing listens on (just now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpHandler:
    """A real SMTP server's (aiosmtpd) DATA handler that accepts, or refuses when its
    reply is set to something other than 250, and records what it accepted."""

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


def plain(mime) -> str:
    """An email's text part, with the CRLF line ends SMTP uses turned back into newlines."""
    return mime.get_body(("plain",)).get_content().replace("\r\n", "\n")


# People and organisations --------------------------------------------------------------


def user(
    email: str = "person@example.org",
    name: str = "Pat Person",
    role: Role = Role.RESIDENT,
    verified: bool = True,
    password: str = PASSWORD,
) -> User:
    """An account registered as people register (and its address confirmed, unless not verified)."""
    made = register_user(name, email, password, role=role)
    if verified:
        verify_email(made, email)
    return made


def officer(email: str = "officer@example.org", name: str = "Oona Officer") -> User:
    """A council officer's account."""
    return user(email, name, role=Role.OFFICER)


def organisation(
    owner: User,
    kind: OrganisationKind = OrganisationKind.VCSE,
    name: str = "Harlesden Food Hub",
    verified: bool = True,
    officer: User | None = None,
    **fields,
) -> Organisation:
    """A community group (a registered charity) or a supplier (a small company), verified by
    the officer given, or by an officer made for the purpose, unless not verified."""
    defaults = (
        {"legal_form": "charity", "registration_number": "1190001"}
        if kind == OrganisationKind.VCSE
        else {"legal_form": "company", "registration_number": "09000001", "size_band": "small"}
    )
    made = create_organisation(owner, kind, name=name, **{**defaults, **fields})
    if verified:
        if officer is None:
            officer = register_user("Auto Officer", f"auto-officer-{made.id}@example.org", PASSWORD, Role.OFFICER)
        verify_organisation(made, officer)
    return made


def supplier(owner: User, name: str = "Builders Ltd", **fields) -> Organisation:
    """factories.organisation for a supplier."""
    return organisation(owner, OrganisationKind.SUPPLIER, name=name, **fields)


# Places and themes ---------------------------------------------------------------------


def themes() -> None:
    """Brent's themes and measures (what the seed loads)."""
    seed_themes()


def measure(name: str | None = None, *, need_kind: str | None = None) -> Measure:
    """The measure of this name, or the first for this kind of need."""
    query = select(Measure).where(Measure.name == name) if name else select(Measure).where(Measure.need_kind == need_kind)
    return db.session.scalar(query)


def first_theme_id(order_by=Theme.position) -> int:
    """The id of the first theme (by position, or by what is given)."""
    return db.session.scalar(select(Theme.id).order_by(order_by))


def ward(*, code: str | None = None, name: str | None = None) -> Ward:
    """The ward with this ONS code or this name (the `places` fixture loads Brent's)."""
    return db.session.scalar(select(Ward).where(Ward.code == code) if code else select(Ward).where(Ward.name == name))


def ward_of(postcode: str) -> Ward:
    """The ward a loaded postcode is in."""
    return db.session.get(Postcode, postcode).ward


def living_in(person: User, ward_id: int, postcode: str | None = None) -> User:
    """Set where a resident lives (ward, and postcode if given) on the account directly."""
    if postcode is not None:
        person.postcode = postcode
    person.ward_id = ward_id
    return person


# Needs ---------------------------------------------------------------------------------

NEED_STEPS = ("draft", "submitted", "published", "closed")


def need(
    group: Organisation,
    owner: User,
    title: str = "Volunteers for the pantry",
    *,
    summary: str = "Four volunteers each Saturday.",
    description: str = "",
    kind: str = "volunteering",
    quantity: int = 40,
    unit: str = "hours",
    value_pence: int = 60000,
    ward_id: int | None = None,
    theme_id: int,
    beneficiaries: int = 120,
    deadline: date | None = None,
    status: str = "published",
    officer: User | None = None,
    today: date | None = None,
) -> Need:
    """A need posted by the group's owner and taken to `status` (draft, submitted,
    published or closed) through the rules; publishing needs the officer."""
    today = today or date.today()
    details = NeedDetails(
        title, summary, description, kind, quantity, unit, value_pence, ward_id, theme_id, beneficiaries,
        deadline or today + timedelta(days=60),
    )
    made = create_need(group, owner, details, today)
    step = NEED_STEPS.index(status)
    if step >= 1:
        submit_need(made, owner, today)
    if step >= 2:
        publish_need(made, officer, today)
    if step >= 3:
        close_need(made, owner)
    return made


def inserted_need(
    group_id: int,
    owner_id: int,
    title: str,
    *,
    kind: str,
    quantity: int,
    unit: str,
    value_pence: int,
    theme_id: int,
    ward_id: int | None = None,
    summary: str = "For local families",
    description: str = "",
    beneficiaries: int = 10,
    deadline: date | None = None,
    status: str = "published",
    published_at: datetime | None = None,
) -> Need:
    """A need inserted directly in any status, for tests that are not about posting one."""
    made = Need(
        organisation_id=group_id, created_by_id=owner_id, title=title, summary=summary, description=description,
        kind=kind, quantity=quantity, unit=unit, value_pence=value_pence, ward_id=ward_id, theme_id=theme_id,
        beneficiaries=beneficiaries, deadline=deadline or date.today() + timedelta(days=30), status=status,
        pledged_quantity=0, accepted_quantity=0, delivered_quantity=0, published_at=published_at,
    )
    made.refresh_remaining_value()
    db.session.add(made)
    db.session.flush()
    return made


def group_need(app, world: dict, status: str = "published", **details) -> int:
    """factories.need for the group in a world dict (its ids under "group", "owner" and
    "officer"), committed in its own app context: returns the need's id."""
    with app.app_context():
        made = need(
            get(Organisation, world["group"]), get(User, world["owner"]), status=status,
            officer=get(User, world["officer"]), **details,
        )
        db.session.commit()
        return made.id


# Contracts and commitments -------------------------------------------------------------


def contract(
    supplier_id: int,
    officer: User,
    reference: str = "BRENT-001",
    title: str = "Estate cleaning",
    *,
    buyer_department: str | None = None,
    value_pence: int = 2_000_000_00,
    start_date: date | None = None,
    end_date: date | None = None,
) -> Contract:
    """A contract an officer recorded with the supplier."""
    details = ContractDetails(reference, title, buyer_department, supplier_id, value_pence, start_date, end_date)
    return record_contract(details, officer)


def commitment(
    of: Contract, by: User, measure_id: int, target: int, due: date, ward_ids: tuple[int, ...] = ()
) -> Commitment:
    """A social value commitment on the contract: approved when an officer adds it,
    proposed when the supplier does."""
    return add_commitment(of, by, CommitmentDetails(measure_id, target, due, ward_ids=ward_ids))


# Pledges -------------------------------------------------------------------------------

PLEDGE_STEPS = ("offered", "accepted", "delivered", "received", "confirmed")


def pledge(
    for_need: Need,
    by: Organisation,
    seller: User,
    quantity: int,
    message: str = "",
    *,
    commitment_id: int | None = None,
    until: str = "offered",
    receiver: User | None = None,
    officer: User | None = None,
    delivery_note: str = "Done",
    allocations: list[tuple[int, int]] | None = None,
    reason: str = "",
    today: date | None = None,
) -> Pledge:
    """A pledge taken through the rules to `until`: offered, accepted, delivered (recorded
    by the supplier), received (confirmed by the group), confirmed (by the officer, with
    these allocations), disputed (by the officer once received), declined (by the group)
    or withdrawn (by the supplier). `reason` is the decline's or the dispute's."""
    today = today or date.today()
    made = make_pledge(for_need, by, seller, quantity, message, commitment_id=commitment_id)
    if until == "withdrawn":
        withdraw_pledge(made, seller)
    elif until == "declined":
        decline_pledge(made, receiver, reason)
    elif until != "offered":
        step = PLEDGE_STEPS.index("received" if until == "disputed" else until)
        accept_pledge(made, receiver)
        if step >= 2:
            record_delivery(made, seller, today, delivery_note, None, today)
        if step >= 3:
            confirm_receipt(made, receiver)
        if until == "disputed":
            dispute_delivery(made, officer, reason)
        elif step >= 4:
            confirm_delivery(made, officer, allocations=allocations)
    return made


# Rounds --------------------------------------------------------------------------------


def round_fields(ward_id: int | None, **overrides) -> RoundFields:
    """A ward's approval round, open from an hour ago for a week."""
    now = utcnow()
    values = dict(
        title="Harlesden priorities 2027", description="Choose what matters most.", ward_id=ward_id,
        budget_pence=10_000_00, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=7),
        method="approval", max_choices=2, min_spend_percent=None, rule="equal-shares-add1",
    )
    values.update(overrides)
    return RoundFields(**values)


def inserted_round(ward_id: int, title: str, *, state: str, budget_pence: int, opens_at: datetime,
                   closes_at: datetime, max_choices: int, published_at: datetime | None = None) -> Round:
    """An approval round inserted directly in any state."""
    made = Round(
        title=title, ward_id=ward_id, budget_pence=budget_pence, opens_at=opens_at, closes_at=closes_at,
        method="approval", max_choices=max_choices, state=state, published_at=published_at,
    )
    db.session.add(made)
    db.session.flush()
    return made


def published_round(app, ward_id: int, winners: list[str], losers: list[str]) -> int:
    """A round whose results were published an hour ago (the counting rules are the voting engine's)."""
    with app.app_context():
        now = utcnow()
        made = inserted_round(
            ward_id, "Results round", state="published", budget_pence=10_000_00, opens_at=now - timedelta(days=30),
            closes_at=now - timedelta(days=2), max_choices=2, published_at=now - timedelta(hours=1),
        )
        for position, title in enumerate([*winners, *losers], start=1):
            db.session.add(
                RoundOption(
                    round_id=made.id, position=position, title=title, cost_pence=1_000_00,
                    votes=10 - position, vote_rank=position, selected_add1=title in winners,
                )
            )
        db.session.commit()
        return made.id


# Scenes --------------------------------------------------------------------------------

HARLESDEN_CODE = "E05013501"
KILBURN_CODE = "E05013503"
HARLESDEN_POSTCODE = "NW10 8AB"


def digest_borough(app) -> dict:
    """A small borough with something to say to each kind of person, for the digest, story,
    newsletter and job tests: a group with a need closing soon and a new pledge, a supplier
    with a commitment falling due and a confirmed delivery, a published story about it, an
    open priority round, a resident who asked for updates and one who did not.
    Needs the `places` fixture."""
    with app.app_context():
        themes()
        db.session.commit()
        officer_user = officer()
        owner = user("grace@example.org", "Grace Group")
        seller = user("sam@example.org", "Sam Supplier")
        rita = user("rita@example.org", "Rita Resident")
        rory = user("rory@example.org", "Rory Resident")
        harlesden = ward(code=HARLESDEN_CODE).id
        kilburn = ward(code=KILBURN_CODE).id
        group = organisation(owner, officer=officer_user, ward_id=harlesden)
        builders = supplier(seller, officer=officer_user)
        db.session.commit()
        today = date.today()
        for resident in (rita, rory):
            living_in(resident, harlesden)
        hours = measure("Employee volunteering hours")
        holds = contract(builders.id, officer_user)
        falling_due = commitment(holds, officer_user, hours.id, 100, today + timedelta(days=30))

        def published(title, quantity, days, ward_id=harlesden):
            return need(
                group, owner, title, summary=f"{title}, for families in Harlesden.", quantity=quantity,
                unit="volunteer hours", value_pence=quantity * 15_00, ward_id=ward_id, theme_id=hours.theme_id,
                deadline=today + timedelta(days=days), officer=officer_user, today=today,
            )

        pantry = published("Volunteers for the Saturday pantry", 40, 60)
        freezer = published("Help moving the new freezer", 6, 12)
        kilburn_need = published("Coaches for the Kilburn youth team", 20, 90, ward_id=kilburn)
        delivered = pledge(
            pantry, builders, seller, 24, "Six of our staff", commitment_id=falling_due.id, until="confirmed",
            receiver=owner, officer=officer_user, delivery_note="Six volunteers, four Saturdays.", today=today,
        )
        offered = pledge(freezer, builders, seller, 2, "Two strong people")
        story = create_story(
            owner,
            StoryDetails(
                "Breakfast for 120 families",
                "Six volunteers from Builders Ltd kept the pantry open four Saturdays running.",
                "They came at **8am** every week.",
                delivered.id,
            ),
            group,
        )
        submit_story(story, owner)
        publish_story(story, officer_user)
        now = utcnow()
        priorities = inserted_round(
            harlesden, "Harlesden priorities 2026", state="open", budget_pence=50_000_00,
            opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=14), max_choices=3,
        )
        save_preferences(rita, "monthly", [], [], newsletter=True)
        db.session.commit()
        return {
            "officer": officer_user.id, "owner": owner.id, "seller": seller.id, "rita": rita.id, "rory": rory.id,
            "group": group.id, "supplier": builders.id, "harlesden": harlesden, "kilburn": kilburn,
            "pantry": pantry.id, "freezer": freezer.id, "kilburn_need": kilburn_need.id,
            "delivered": delivered.id, "offered": offered.id, "story": story.id, "round": priorities.id,
            "commitment": falling_due.id, "theme": hours.theme_id,
        }


OPEN_DATA_PEOPLE = (
    "Olu Officer", "officer@example.org", "Gita Group", "owner@example.org", "Ann Allotment", "allot@example.org",
    "Sam Supplier", "supplier1@example.org", "Sue Supplier", "supplier2@example.org", "Pat Pending",
    "pending@example.org", "Rita Resident", "resident1@example.org", "Ravi Resident", "resident2@example.org",
)
OPEN_DATA_CONTACTS = ("hub@example.org", "builders-contact@example.org")  # organisations' contact emails


@dataclass
class OpenDataBorough:
    harlesden: str  # ward code
    stonebridge: str
    lad_code: str
    hub: int  # a charity
    allotment: int  # a community group with no registration number
    builders: int  # verified supplier, holds the contract
    cleaners: int  # verified supplier, a contract with only a proposed commitment
    pending: int  # an unverified supplier, with a contract
    contract: int
    investment: int  # commitment, £ with a proxy value
    hours: int  # commitment, volunteer hours, no proxy
    proposed: int  # commitment, not approved
    pledges: dict[str, int]
    needs: dict[str, int]
    rounds: dict[str, int]
    options: dict[str, list[int]]


def open_data_borough(app) -> OpenDataBorough:
    """A borough with something of everything the open data and the API publish, and things
    they must never publish: confirmed deliveries (cash and in kind, in a ward and
    borough-wide, to a charity and to a group with no registration number), pledges at
    every other step, needs that are not public, an unverified supplier, contracts with
    approved and proposed commitments, and ward votes that are drafts, closed and counted
    but unpublished, and published. The people have names and email addresses the tests
    look for in every public output (OPEN_DATA_PEOPLE); the organisations have contact
    emails that belong in no dataset (OPEN_DATA_CONTACTS). Needs the `places` fixture."""
    with app.app_context():
        council = officer("officer@example.org", "Olu Officer")
        owner = user("owner@example.org", "Gita Group")
        allot = user("allot@example.org", "Ann Allotment")
        first = user("supplier1@example.org", "Sam Supplier")
        second = user("supplier2@example.org", "Sue Supplier")
        shady = user("pending@example.org", "Pat Pending")
        voters = [user("resident1@example.org", "Rita Resident"), user("resident2@example.org", "Ravi Resident")]
        hub = organisation(owner, officer=council, contact_email="hub@example.org")
        allotment = organisation(allot, name="Stonebridge Allotment Society", officer=council,
                                 legal_form="community_group", registration_number=None)
        builders = supplier(first, officer=council, contact_email="builders-contact@example.org")
        cleaners = supplier(second, "Cleaners plc", officer=council, registration_number="09000002")
        pending = supplier(shady, "Shady Ltd", verified=False, registration_number="09000003")
        db.session.commit()
        themes()
        sellers = {builders.id: first, cleaners.id: second}
        harlesden = ward_of(HARLESDEN_POSTCODE)
        stonebridge = ward(name="Stonebridge")
        # Local indicators an administrator imported (test data standing in for a council's file).
        from models.places.indicators import WardIndicator

        for indicator, year, value in (("Unemployment rate, % (test data)", 2024, 7.1),
                                       ("Unemployment rate, % (test data)", 2025, 6.4),
                                       ("Social Progress Index (test data)", 2025, 58.25)):
            db.session.add(WardIndicator(ward_id=harlesden.id, indicator=indicator, year=year, value=value,
                                         source="Brent Council (test data)"))
        investment_measure = measure("Community investment")
        hours_measure = measure("Employee volunteering hours")
        inequality, capacity = investment_measure.theme_id, hours_measure.theme_id
        today = date.today()

        facilities = contract(
            builders.id, council, "BRENT-FM-001", "Facilities management for civic buildings",
            buyer_department="Property", value_pence=1_200_000_00, start_date=date(2025, 4, 1),
            end_date=date(today.year + 3, 3, 31),  # runs past every due date
        )
        investment = commitment(facilities, council, investment_measure.id, 1_000, today + timedelta(days=200))
        hours = commitment(facilities, council, hours_measure.id, 100, today + timedelta(days=30))
        cleaning = contract(cleaners.id, council, "BRENT-CL-002", "Cleaning of libraries", value_pence=400_000_00)
        proposed = commitment(cleaning, second, hours_measure.id, 77, today + timedelta(days=90))
        contract(pending.id, council, "SHADY-1", "Shady works", value_pence=900_000_00)

        def public_need(group, by, title, kind, quantity, unit, value_pence, ward_id, theme_id, status="published"):
            return inserted_need(
                group.id, by.id, title, kind=kind, quantity=quantity, unit=unit, value_pence=value_pence,
                ward_id=ward_id, theme_id=theme_id, summary=f"{title}, for local families.",
                description=f"**{title}**", beneficiaries=25, deadline=today + timedelta(days=60), status=status,
                published_at=utcnow() if status == "published" else None,
            )

        fridge = public_need(hub, owner, "Community fridge fund", "cash", 500, "£", 500_00, harlesden.id, inequality)
        laptops = public_need(hub, owner, "Laptops for homework club", "goods", 3, "laptops", 1_000_00, None, inequality)
        pantry = public_need(hub, owner, "Pantry volunteers", "volunteering", 40, "hours", 600_00, harlesden.id, capacity)
        tools = public_need(allotment, allot, "Allotment tools", "goods", 10, "tools", 500_00, stonebridge.id, inequality)
        hidden = {
            status: public_need(hub, owner, f"Secret {status} need", "cash", 100, "£", 100_00, harlesden.id, inequality,
                                status)
            for status in ("draft", "submitted", "rejected", "withdrawn")
        }

        def pledged(to_need, supplier_id, quantity, until="confirmed", allocations=None):
            made = pledge(
                to_need, get(Organisation, supplier_id), sellers[supplier_id], quantity, "Glad to help", until=until,
                receiver=owner if to_need.organisation_id == hub.id else allot, officer=council,
                allocations=allocations, reason={"declined": "Not needed now", "disputed": "No evidence"}.get(until, ""),
                today=today,
            )
            db.session.flush()
            return made.id

        pledges = {
            # £500 × 200/500 = £200 cash, counted towards the £ commitment (200 of 1,000)
            "cash": pledged(fridge, builders.id, 200, allocations=[(investment.id, 200)]),
            # 30 of 40 hours of £600 = £450 in kind, counted towards the hours commitment
            "hours": pledged(pantry, builders.id, 30, allocations=[(hours.id, 30)]),
            # 1 of 3 laptops of £1,000 = £333.33 in kind, borough-wide
            "laptop": pledged(laptops, cleaners.id, 1),
            # 10 tools of £500 = £500 in kind, to a group with no registration number
            "tools": pledged(tools, cleaners.id, 10),
            "offered": pledged(laptops, builders.id, 1, until="offered"),
            "accepted": pledged(pantry, cleaners.id, 1, until="accepted"),
            "delivered": pledged(pantry, cleaners.id, 2, until="received"),  # and the group confirmed receiving it
            "disputed": pledged(fridge, cleaners.id, 7, until="disputed"),
            "declined": pledged(fridge, cleaners.id, 11, until="declined"),
            "withdrawn": pledged(fridge, builders.id, 13, until="withdrawn"),
        }
        confirmed_at = {"cash": datetime(2025, 6, 1, 9), "hours": datetime(2025, 3, 31, 23), "laptop": datetime(2025, 4, 1, 9),
                        "tools": datetime(2025, 5, 1, 9)}
        for name, moment in confirmed_at.items():
            get(Pledge, pledges[name]).confirmed_at = moment
        db.session.flush()
        rebuild_delivery_totals()  # the totals follow the backdated confirmations

        for voter in voters:
            living_in(voter, harlesden.id, HARLESDEN_POSTCODE)
        now = utcnow()

        def ward_round(title, state):
            made = create_round(council, round_fields(
                harlesden.id, title=title, budget_pence=1_000_00, opens_at=now - timedelta(hours=2),
                closes_at=now + timedelta(days=3), rule="greedy",
            ))
            options = [
                add_item_option(made, council, f"{title}: benches", "New benches in the park", 600_00).id,
                add_item_option(made, council, f"{title}: bulbs", "Spring bulbs", 300_00).id,
                add_item_option(made, council, f"{title}: mural", "A mural", 700_00).id,
            ]
            if state != "draft":
                open_round(made, council, now)
                cast_ballot(made, voters[0], options[:2], now)
                cast_ballot(made, voters[1], options[:1], now)
            if state in ("closed", "published"):
                close_round(made, council, utcnow())
                count_round(made.id)
            if state == "published":
                publish_results(made, council)
            return made.id, options

        rounds, options = {}, {}
        for state in ("draft", "open", "closed", "published"):
            rounds[state], options[state] = ward_round(f"{state.capitalize()} round", state)
        db.session.commit()
        return OpenDataBorough(
            harlesden=harlesden.code, stonebridge=stonebridge.code, lad_code=harlesden.lad_code, hub=hub.id,
            allotment=allotment.id, builders=builders.id, cleaners=cleaners.id, pending=pending.id,
            contract=facilities.id, investment=investment.id, hours=hours.id, proposed=proposed.id, pledges=pledges,
            needs={"fridge": fridge.id, "laptops": laptops.id, "pantry": pantry.id, "tools": tools.id,
                   **{status: hidden_need.id for status, hidden_need in hidden.items()}},
            rounds=rounds, options=options,
        )


def matching_borough(app, today: date | None = None) -> dict:
    """A verified group and two verified suppliers; the first holds a contract with a
    120-hour volunteering commitment due in 6 weeks, preferring Harlesden. For the
    matching and allocation tests. Needs the `places` fixture."""
    today = today or date.today()
    with app.app_context():
        themes()
        db.session.commit()
        council = officer()
        owner = user("owner@example.org", "Olu Owner")
        seller = user("seller@example.org", "Sid Seller")
        rival_member = user("rival@example.org", "Rita Rival")
        resident = user("resident@example.org", "Rae Resident")
        group = organisation(owner, officer=council)
        builders = supplier(seller, officer=council)
        rival = supplier(rival_member, "Rival plc", registration_number="09000003", officer=council)
        db.session.commit()
        hours = measure("Employee volunteering hours")
        harlesden = ward(name="Harlesden & Kensal Green").id
        kilburn = ward(name="Kilburn").id
        holds = contract(builders.id, council)
        volunteering = commitment(holds, council, hours.id, 120, today + timedelta(weeks=6), ward_ids=(harlesden,))
        db.session.commit()
        return {
            "officer": council.id, "owner": owner.id, "seller": seller.id, "rival_member": rival_member.id,
            "resident": resident.id, "group": group.id, "supplier": builders.id, "rival": rival.id,
            "commitment": volunteering.id, "contract": holds.id, "measure": hours.id, "theme": hours.theme_id,
            "harlesden": harlesden, "kilburn": kilburn,
        }


def matching_need(app, world: dict, title: str = "Volunteers for the pantry", kind: str = "volunteering",
                  quantity: int = 40, unit: str = "hours", ward: str | None = "harlesden", status: str = "published",
                  days: int = 90, today: date | None = None) -> int:
    """A need of the matching borough's group, in a ward of the world (by key) or none."""
    today = today or date.today()
    return group_need(
        app, world, status, title=title, summary="Help each Saturday.", kind=kind, quantity=quantity, unit=unit,
        ward_id=world.get(ward), theme_id=world["theme"], beneficiaries=100, deadline=today + timedelta(days=days),
        today=today,
    )


def impact_borough(app, today: date | None = None) -> dict:
    """Two suppliers with contracts above and below the threshold, commitments due this
    financial year (met, part-delivered, unmet and settled by a fund payment) and next
    year, and confirmed deliveries allocated to them. For the dashboard and annual report
    tests. Needs the `places` fixture."""
    today = today or date.today()
    year = Year.of(today)
    with app.app_context():
        council = officer()
        owner = user("group@example.org", "Gita Group")
        seller = user("seller@example.org", "Sid Seller")
        other_seller = user("seller2@example.org", "Sam Seller")
        resident = user("resident@example.org", "Rae Resident")
        group = organisation(owner, officer=council)
        builders = supplier(seller, officer=council)
        small = supplier(other_seller, "Small Co", registration_number="09000003", officer=council)
        db.session.commit()
        themes()
        cash = measure("Community investment")
        hours = measure("Employee volunteering hours")
        big = contract(builders.id, council, "BRENT-BIG", "Estate services")
        tiny = contract(small.id, council, "BRENT-TINY", "Window cleaning", value_pence=50_000_00)
        met = commitment(big, council, cash.id, 1_000, year.last_day)
        partial = commitment(big, council, cash.id, 4_000, year.last_day)
        unmet = commitment(big, council, hours.id, 200, year.first_day)
        commitment(big, council, cash.id, 9_999, year.last_day + timedelta(days=40))  # next year
        commitment(tiny, council, cash.id, 500, year.last_day)  # below the threshold
        ward_id = ward_of(HARLESDEN_POSTCODE).id
        pledges = []
        for title, pounds, towards, quantity in (("Fridge fund", 1_500, met, 1_500), ("Kit fund", 1_000, partial, 1_000)):
            fund = need(
                group, owner, title, summary=f"{title} for families", kind="cash", quantity=pounds, unit="£",
                value_pence=pounds * 100, ward_id=ward_id, theme_id=cash.theme_id, beneficiaries=70,
                deadline=today + timedelta(days=60), officer=council, today=today,
            )
            paid = pledge(
                fund, builders, seller, quantity, "Happy to", commitment_id=towards.id, until="confirmed",
                receiver=owner, officer=council, delivery_note="Paid", allocations=[(towards.id, quantity)], today=today,
            )
            pledges.append(paid.id)
        settle_commitment(unmet, council, "fund_payment", today, fund_payment_pence=2_500_00)
        db.session.commit()
        return {"officer": council.id, "resident": resident.id, "seller": seller.id, "pledges": pledges, "unmet": unmet.id}


# Tenders -------------------------------------------------------------------------------


def tender_borough(app, today: date | None = None) -> dict:
    """Issue 17's scene: an officer; a verified group in Harlesden with two open needs (40
    volunteer hours in Harlesden, £2,000 cash in Kilburn), the hours need the winner of
    Harlesden's published priority vote; two verified suppliers and an unverified one; a
    resident; and an open tender in Harlesden and Kilburn closing in ten days. Needs the
    `places` fixture. Returns the ids."""
    from models.tenders.rules import TenderDetails, record_tender

    today = today or date.today()
    with app.app_context():
        themes()
        db.session.commit()
        officer_user = officer()
        owner = user("group@example.org", "Gwen Group")
        harlesden, kilburn = ward(code=HARLESDEN_CODE).id, ward(code=KILBURN_CODE).id
        group = organisation(owner, officer=officer_user, ward_id=harlesden)
        hours_measure = measure(need_kind="volunteering")
        cash_measure = measure("Community investment")
        hours = need(group, owner, "Volunteers for the pantry", quantity=40, ward_id=harlesden,
                     theme_id=hours_measure.theme_id, officer=officer_user, today=today)
        cash = need(group, owner, "New fridge for the pantry", kind="cash", quantity=2000, unit="£", value_pence=2000_00,
                    ward_id=kilburn, theme_id=cash_measure.theme_id, officer=officer_user, today=today)
        first = user("a@example.org", "Alex Able")
        second = user("b@example.org", "Bea Bidder")
        third = user("c@example.org", "Cal Unverified")
        able = supplier(first, "Able Facilities Ltd", officer=officer_user)
        bidder = supplier(second, "Bidder Builders Ltd", officer=officer_user, registration_number="09000002")
        waiting = supplier(third, "Waiting Works Ltd", verified=False, registration_number="09000003")
        resident = user("resident@example.org", "Rae Resident")
        now = utcnow()
        made_round = inserted_round(harlesden, "Harlesden priorities", state="published", budget_pence=10_000_00,
                                    opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=2), max_choices=2,
                                    published_at=now - timedelta(days=1))
        db.session.add(RoundOption(round_id=made_round.id, position=1, need_id=hours.id, title=hours.title, cost_pence=600_00,
                                   votes=30, vote_rank=1, selected_add1=True))
        db.session.add(RoundOption(round_id=made_round.id, position=2, title="Street trees", cost_pence=4000_00,
                                   votes=12, vote_rank=2))
        tender = record_tender(TenderDetails(
            "BRENT-T-2027-01", "Grounds maintenance", "Environment", 2_500_000_00, today + timedelta(days=10),
            ward_ids=(harlesden, kilburn),
        ), officer_user, today)
        db.session.commit()
        return {
            "officer": officer_user.id, "owner": owner.id, "group": group.id, "hours": hours.id, "cash": cash.id,
            "able": able.id, "bidder": bidder.id, "waiting": waiting.id, "resident": resident.id, "tender": tender.id,
            "round": made_round.id, "harlesden": harlesden, "kilburn": kilburn, "hours_measure": hours_measure.id,
            "cash_measure": cash_measure.id, "users": {"a": first.id, "b": second.id, "c": third.id},
        }



# Supplier returns ----------------------------------------------------------------------


@dataclass
class ReturnsBorough:
    officer: int
    second_officer: int
    seller: int  # a member of the supplier
    outsider: int  # a member of another supplier
    supplier: int
    other_supplier: int
    contract: int  # over £5m: reports quarterly, from 1 April 2025
    other_contract: int  # the other supplier's
    apprenticeships: int  # commitments (KPIs) delivered through returns
    hires: int
    spend: int  # a spend measure: split by supplier type
    volunteering: int  # through needs and returns
    donations: int  # through needs only


def returns_borough(app) -> ReturnsBorough:
    """A strategic contract (£6m, from 1 April 2025 to 31 March 2035: quarterly returns) with
    commitments through returns, both, and needs only; another supplier with its own
    contract. Needs the `places` fixture (wards)."""
    with app.app_context():
        council = officer("officer@example.org", "Olu Officer")
        other_officer = officer("officer2@example.org", "Otto Officer")
        seller = user("supplier@example.org", "Sam Supplier")
        outsider = user("outsider@example.org", "Oscar Outsider")
        builders = supplier(seller, "Brent Green Builders Ltd", officer=council)
        others = supplier(outsider, "Other Works Ltd", registration_number="09000009", officer=council)
        db.session.commit()
        themes()
        big = contract(builders.id, council, "BRENT-RET-001", "Housing repairs", value_pence=6_000_000_00,
                       start_date=date(2025, 4, 1), end_date=date(2035, 3, 31))
        theirs = contract(others.id, council, "BRENT-RET-002", "Parks", value_pence=6_000_000_00,
                          start_date=date(2025, 4, 1), end_date=date(2028, 3, 31))
        due = date(2028, 3, 31)
        made = {
            name: commitment(big, council, measure(measure_name).id, target, due).id
            for name, measure_name, target in (
                ("apprenticeships", "Apprenticeship weeks for local people", 520),
                ("hires", "Local people hired", 40),
                ("spend", "Spend with local SMEs and VCSEs", 2_000_000),
                ("volunteering", "Employee volunteering hours", 1_000),
                ("donations", "Donated goods and equipment", 5_000),
            )
        }
        commitment(theirs, council, measure("Local people hired").id, 10, due)
        db.session.commit()
        return ReturnsBorough(
            officer=council.id, second_officer=other_officer.id, seller=seller.id, outsider=outsider.id,
            supplier=builders.id, other_supplier=others.id, contract=big.id, other_contract=theirs.id, **made,
        )
