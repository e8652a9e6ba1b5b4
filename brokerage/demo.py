"""The demo borough: Brent's real wards and postcodes, Brent's five priority
themes, and a few people and organisations of each kind. The organisations and
people are fictional. Loading twice changes nothing."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select

from models import Organisation, OrganisationKind, User, Ward, db
from models.people.accounts import Role, find_user_by_email, register_user, verify_email
from models.people.organisations import create_organisation, verify_organisation
from models.places.wards import Postcode, import_postcodes, import_wards
from models.places.themes import seed_themes

ROOT = Path(__file__).resolve().parent.parent
WARDS_FILE = "drkane_wards_WD25_E09000005.geojson"
POSTCODES_FILE = "codepoint_open_2025-10_postcode_to_ward_brent_E09000005.csv"
IMD_FILE = "IoD2019_File2_domains_LSOA_brent_E09000005.csv"
LSOA_FILE = "drkane_lsoa11_E09000005_brent.geojson"
DEMO_PASSWORD = "brent-social-value-demo"

# email, name, account role, what they show (the first word is who they are here)
DEMO_USERS: list[tuple[str, str, str, str]] = [
    ("admin@example.org", "Ada Admin", "admin", "admin: council settings, wards, themes, roles"),
    ("officer@example.org", "Oliver Officer", "officer", "officer: verify, moderate, contracts, deliveries"),
    ("group@example.org", "Grace Group", "resident", "group: owner of Harlesden Community Food Hub"),
    ("newgroup@example.org", "Nadia Newgroup", "resident", "group: owner of Wembley Park Repair Cafe (waiting)"),
    ("supplier@example.org", "Sam Supplier", "resident", "supplier: Northwest Facilities Services Ltd"),
    ("resident@example.org", "Rita Resident", "resident", "resident: Harlesden & Kensal Green (NW10 8AB)"),
]

DEMO_ORGANISATIONS = [
    # owner email, kind, name, legal form, number, size, based here, ward name, description, verified
    (
        "group@example.org", OrganisationKind.VCSE, "Harlesden Community Food Hub", "charity", "1190001", None, True,
        "Harlesden & Kensal Green",
        "A volunteer-run food hub: weekly pantry, community meals and cooking classes for families in Harlesden.",
        True,
    ),
    (
        "group@example.org", OrganisationKind.VCSE, "Kilburn Youth Football Club", "community_group", None, None, True,
        "Kilburn", "Free weekend football for 8 to 16 year olds, run by parents and volunteer coaches.", True,
    ),
    (
        "newgroup@example.org", OrganisationKind.VCSE, "Wembley Park Repair Cafe", "cic", "14000001", None, True,
        "Wembley Park", "Monthly repair cafe: volunteers fix bikes, clothes and electricals so they are not thrown away.",
        False,
    ),
    (
        "supplier@example.org", OrganisationKind.SUPPLIER, "Northwest Facilities Services Ltd", "company", "09000001",
        "large", False, None, "Facilities management for public buildings across north-west London.", True,
    ),
    (
        "supplier@example.org", OrganisationKind.SUPPLIER, "Brent Green Builders Ltd", "company", "12000001",
        "small", True, "Stonebridge", "Local building contractor specialising in retrofit and insulation.", True,
    ),
]


def data_dir(explicit: str | None = None) -> Path:
    for candidate in (explicit, os.environ.get("DEMO_DATA_DIR"), ROOT / "data" / "brent"):
        if candidate and (Path(candidate) / WARDS_FILE).exists():
            return Path(candidate)
        if candidate and (Path(candidate) / "wards" / WARDS_FILE).exists():
            return Path(candidate)
    raise FileNotFoundError("Brent ward and postcode files not found (data/brent/)")


def _file(folder: Path, sub: str, name: str) -> Path:
    return folder / name if (folder / name).exists() else folder / sub / name


def load_demo(explicit_dir: str | None = None) -> str:
    folder = data_dir(explicit_dir)
    lines = []
    wards = import_wards(_file(folder, "wards", WARDS_FILE).read_text(encoding="utf-8"))
    lines.append(f"Wards: {wards.summary()}")
    with open(_file(folder, "postcodes", POSTCODES_FILE), encoding="utf-8-sig", newline="") as handle:
        postcodes = import_postcodes(handle)
    lines.append(f"Postcodes: {postcodes.summary()}")
    if (folder / IMD_FILE).exists() and (folder / LSOA_FILE).exists():
        from models.places.deprivation import import_imd

        deprivation = import_imd((folder / IMD_FILE).read_text(encoding="utf-8-sig"), (folder / LSOA_FILE).read_text(encoding="utf-8"))
        lines.append(f"Ward deprivation (IMD 2019): {deprivation.summary()}")
    lines.append(f"Themes: {seed_themes()} added")
    lines.append(f"Buyer for contract imports: {_seed_council_buyer()}")

    created_users = 0
    for email, name, role, _note in DEMO_USERS:
        user = find_user_by_email(email)
        if user is None:
            user = register_user(name, email, DEMO_PASSWORD, role=Role(role))
            verify_email(user, email)
            created_users += 1
    harlesden = db.session.get(Postcode, "NW10 8AB")
    resident = find_user_by_email("resident@example.org")
    if harlesden is not None and resident.ward_id is None:
        resident.postcode, resident.ward_id = harlesden.postcode, harlesden.ward_id
    lines.append(f"Users: {created_users} added")

    officer = find_user_by_email("officer@example.org")
    created_orgs = 0
    for owner_email, kind, name, form, number, size, based, ward_name, description, verified in DEMO_ORGANISATIONS:
        if db.session.scalar(select(Organisation.id).where(Organisation.name == name)) is not None:
            continue
        ward_id = db.session.scalar(select(Ward.id).where(Ward.name == ward_name)) if ward_name else None
        organisation = create_organisation(
            find_user_by_email(owner_email),
            kind,
            name=name,
            legal_form=form,
            registration_number=number,
            size_band=size,
            based_in_borough=based,
            description=description,
            ward_id=ward_id,
        )
        if verified:
            verify_organisation(organisation, officer)
        created_orgs += 1
    lines.append(f"Organisations: {created_orgs} added")
    lines.append(f"Needs: {_load_demo_needs(officer)} added")
    lines.append(f"Contracts: {_load_demo_contracts(officer)} added")
    lines.append(f"Supplier returns: {_load_demo_returns(officer)} added")
    lines.append(f"Other agreements (a grant, the council's apprenticeships): {_load_demo_agreements(officer)} added")
    lines.append(f"Ward priority rounds: {_load_demo_round(officer)} added")
    lines.append(f"Polling stations: {_load_demo_polling_station(officer)} granted")
    lines.append(f"Stories: {_load_demo_stories(officer)} added")
    lines.append(f"Tenders: {_load_demo_tender(officer)} added")
    lines.append(f"Email updates: {_load_demo_preferences()} chosen")
    lines.append(f"Ideas phase: {_load_demo_ideas(officer)} ideas added")
    db.session.flush()
    from models.matching.matches import run_matching

    lines.append(f"Matching: {run_matching().summary()}")
    db.session.commit()
    return "\n".join(lines)


def _seed_council_buyer() -> str:
    """Brent's names and identifier as a buyer, so that importing a Contracts Finder file
    takes only Brent's contracts (unless an administrator has set them already)."""
    from models.contracts.council_buyer import BRENT_IDS, BRENT_NAMES, council_buyer, save_council_buyer

    buyer = council_buyer()
    if not buyer.configured:
        buyer = save_council_buyer(BRENT_IDS, BRENT_NAMES)
    return ", ".join(buyer.names + buyer.ids)


def demo_user(email: str) -> User | None:
    return find_user_by_email(email)


# group, title, summary, kind, quantity, unit, value £, ward, theme position, beneficiaries, days left, state
DEMO_NEEDS = [
    ("Harlesden Community Food Hub", "Volunteers for Saturday food pantry",
     "Four volunteers each Saturday morning to sort donations and serve 120 families.",
     "volunteering", 40, "volunteer hours", 600, "Harlesden & Kensal Green", 3, 120, 60, "published"),
    ("Harlesden Community Food Hub", "Chest freezer for fresh food donations",
     "A large chest freezer so we can accept fresh and frozen food from local shops.",
     "goods", 1, "freezer", 450, "Harlesden & Kensal Green", 3, 300, 45, "published"),
    ("Harlesden Community Food Hub", "Cooking classes for young parents",
     "A chef or nutritionist to run six cooking sessions on a budget.",
     "skills", 12, "hours", 900, "Harlesden & Kensal Green", 3, 24, 90, "submitted"),
    ("Kilburn Youth Football Club", "Kit for the under-12s team",
     "Shirts, shorts and socks for 18 players, so every child can play whatever their family can afford.",
     "cash", 720, "£", 720, "Kilburn", 3, 18, 75, "published"),
    ("Kilburn Youth Football Club", "Coaching qualification for two volunteer coaches",
     "Funding for the FA Introduction to Coaching course for two parent volunteers.",
     "cash", 320, "£", 320, "Kilburn", 5, 60, 120, "published"),
    ("Harlesden Community Food Hub", "Litter pick and planting on Harlesden High Street",
     "Volunteers for two Saturday litter picks and planting the new tree pits outside the hub.",
     "volunteering", 30, "volunteer hours", 450, "Harlesden & Kensal Green", 4, 500, 35, "published"),
    ("Kilburn Youth Football Club", "Floodlight hire for winter training",
     "Three months of floodlit pitch hire so training can carry on through the winter evenings.",
     "cash", 1_800, "£", 1_800, "Kilburn", 3, 60, 50, "published"),
    ("Kilburn Youth Football Club", "Tree planting around the pitch",
     "Volunteers to help plant 30 trees on the edge of the community pitch.",
     "volunteering", 60, "volunteer hours", 900, None, 4, 200, 100, "draft"),
]


def _load_demo_needs(officer) -> int:
    from datetime import date, timedelta

    from models.needs.models import Need
    from models.needs.rules import NeedDetails, create_need, publish_need, submit_need
    from models.places.themes import Theme

    added = 0
    today = date.today()
    for group, title, summary, kind, quantity, unit, pounds, ward_name, theme_position, people, days, state in DEMO_NEEDS:
        if db.session.scalar(select(Need.id).where(Need.title == title)) is not None:
            continue
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == group))
        owner = organisation.owners()[0]
        details = NeedDetails(
            title=title,
            summary=summary,
            description=f"{summary}\n\n**Why it matters:** {group} works with local families every week.",
            kind=kind,
            quantity=quantity,
            unit=unit,
            value_pence=pounds * 100,
            ward_id=db.session.scalar(select(Ward.id).where(Ward.name == ward_name)) if ward_name else None,
            theme_id=db.session.scalar(select(Theme.id).where(Theme.position == theme_position)),
            beneficiaries=people,
            deadline=today + timedelta(days=days),
        )
        need = create_need(organisation, owner, details, today)
        if state in ("submitted", "published"):
            submit_need(need, owner, today)
        if state == "published":
            publish_need(need, officer, today)
        added += 1
    return added


# Costed items an officer adds beside the ward's published needs: title, description, £.
DEMO_ROUND_ITEMS = [
    ("Benches along the Roundwood Park path", "Three benches so older residents can rest on the walk to the shops.", 2_000),
    ("Watering bags for new street trees", "Forty slow-release watering bags for the trees planted last winter.", 800),
]


def _load_demo_round(officer) -> int:
    """An open vote in the demo resident's ward: its published needs and two costed items."""
    from datetime import timedelta

    from models import Need, NeedStatus, Round, utcnow
    from models.voting.setup import RoundFields, add_item_option, add_need_options, create_round, open_round

    title = "Harlesden & Kensal Green priorities"
    if db.session.scalar(select(Round.id).where(Round.title == title)) is not None:
        return 0
    ward_id = db.session.scalar(select(Ward.id).where(Ward.name == "Harlesden & Kensal Green"))
    now = utcnow()
    round_ = create_round(
        officer,
        RoundFields(
            title=title,
            description="The council has **£3,000** to spend on small local priorities. Choose up to two.",
            ward_id=ward_id,
            budget_pence=3_000_00,
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=21),
            method="approval",
            max_choices=2,
            min_spend_percent=None,
            rule="equal-shares-add1",
        ),
    )
    needs = db.session.scalars(
        select(Need).where(Need.ward_id == ward_id, Need.status == NeedStatus.PUBLISHED.value).order_by(Need.id)
    ).all()
    add_need_options(round_, officer, needs)
    for item_title, description, pounds in DEMO_ROUND_ITEMS:
        add_item_option(round_, officer, item_title, description, pounds * 100)
    open_round(round_, officer, now)
    return 1


# Residents' ideas for next year's round: proposer, title, description, rough cost £, where.
DEMO_IDEAS = [
    ("resident@example.org", "Planters on Manor Park Road",
     "Big planters with flowers and herbs along **Manor Park Road**, looked after by neighbours.", 1_500,
     "Manor Park Road, by the station"),
    ("group@example.org", "Free cooking classes for young people",
     "Six evening classes at the food hub teaching 14 to 18 year olds to cook cheap, healthy meals.", 1_200,
     "Harlesden Community Food Hub"),
    ("resident@example.org", "A zebra crossing outside the school",
     "Children cross a busy road to get to school; a zebra crossing would make it safer.", 60_000, "Furness Road"),
]


def _load_demo_ideas(officer) -> int:
    """A draft round in the resident's ward collecting ideas now (voting in three weeks): a few
    ideas, a support and a comment; the resident asks for reminders to vote."""
    from datetime import timedelta

    from models import Round, utcnow
    from models.digests.preferences import set_vote_reminders
    from models.ideas.ideas import IdeaDetails, add_comment, propose_idea, set_ideas_phase, support_idea
    from models.places.themes import Theme
    from models.voting.setup import RoundFields, create_round

    title = "Harlesden & Kensal Green priorities 2027"
    if db.session.scalar(select(Round.id).where(Round.title == title)) is not None:
        return 0
    ward_id = db.session.scalar(select(Ward.id).where(Ward.name == "Harlesden & Kensal Green"))
    now = utcnow()
    round_ = create_round(officer, RoundFields(
        title=title, description="Next year's **£5,000**: propose ideas first, then vote.", ward_id=ward_id,
        budget_pence=5_000_00, opens_at=now + timedelta(days=21), closes_at=now + timedelta(days=42),
        method="approval", max_choices=2, min_spend_percent=None, rule="equal-shares-add1",
    ))
    set_ideas_phase(round_, officer, now - timedelta(days=2), now + timedelta(days=14), premoderate=False)
    theme_id = db.session.scalar(select(Theme.id).order_by(Theme.position))
    ideas = [
        propose_idea(round_, find_user_by_email(email), IdeaDetails(idea_title, text, pounds * 100, theme_id, place), now)
        for email, idea_title, text, pounds, place in DEMO_IDEAS
    ]
    resident = find_user_by_email("resident@example.org")
    support_idea(ideas[1], resident, now)
    add_comment(ideas[0], find_user_by_email("group@example.org"), "The food hub could grow herbs for the pantry in these.", None, now)
    set_vote_reminders(resident, True)
    return len(ideas)


def _load_demo_tender(officer) -> int:
    """An open tender in two wards, its bid pack with one need pinned by the officer."""
    from datetime import date, timedelta

    from models import Need, NeedStatus
    from models.tenders.models import Tender
    from models.tenders.rules import TenderDetails, curate_pack, record_tender

    reference = "DEMO-T-2026-007"
    if db.session.scalar(select(Tender.id).where(Tender.reference == reference)) is not None:
        return 0
    today = date.today()
    ward_ids = tuple(db.session.scalars(
        select(Ward.id).where(Ward.name.in_(("Harlesden & Kensal Green", "Kilburn"))).order_by(Ward.name)
    ))
    tender = record_tender(TenderDetails(
        reference, "Parks and open spaces maintenance", "Environment and Leisure", 1_800_000_00, today + timedelta(days=30),
        "Grounds maintenance of the council's parks and open spaces in Harlesden & Kensal Green and Kilburn, 2027 to 2030.",
        ward_ids=ward_ids,
    ), officer, today)
    need_id = db.session.scalar(
        select(Need.id).where(Need.ward_id.in_(ward_ids), Need.status == NeedStatus.PUBLISHED.value).order_by(Need.id)
    )
    if need_id is not None:
        curate_pack(tender, officer, f"need:{need_id}", "pin", today)
    return 1


def _load_demo_polling_station(officer) -> int:
    """The group's owner volunteers at a polling station for the open vote; in-person wins."""
    from models import Round
    from models.voting.identity import PollingGrant, grant_polling, save_channels

    round_ = db.session.scalar(select(Round).where(Round.title == "Harlesden & Kensal Green priorities"))
    volunteer = find_user_by_email("group@example.org")
    if round_ is None or volunteer is None or db.session.scalar(select(PollingGrant.id).where(PollingGrant.round_id == round_.id)):
        return 0
    save_channels(round_, officer, "in_person", 16, False)
    grant_polling(round_, officer, volunteer)
    return 1


# supplier, reference, title, department, value £, [(measure name, target, days until due)]
DEMO_CONTRACTS = [
    ("Northwest Facilities Services Ltd", "DEMO-FM-2025-001", "Facilities management for civic buildings",
     "Property and Assets", 3_200_000,
     [("Employee volunteering hours", 200, 150), ("Community investment", 5_000, 45),
      ("Donated goods and equipment", 2_000, 300)]),
    ("Brent Green Builders Ltd", "DEMO-RETRO-2025-014", "Home insulation retrofit, phase 2",
     "Housing", 450_000, [("Apprenticeship weeks for local people", 52, 365)]),
]


def _load_demo_contracts(officer) -> int:
    """Fictional contracts with commitments, and pledges at each stage, so every page has something to show."""
    from datetime import date, timedelta

    from models.contracts.rules import CommitmentDetails, ContractDetails, add_commitment, record_contract
    from models.contracts.models import Contract
    from models.needs.models import Need
    from models.pledges.rules import (
        accept_pledge,
        confirm_delivery,
        confirm_receipt,
        make_pledge,
        record_delivery,
    )
    from models.places.themes import Measure

    added = 0
    today = date.today()
    for supplier_name, reference, title, department, pounds, commitments in DEMO_CONTRACTS:
        if db.session.scalar(select(Contract.id).where(Contract.reference == reference)) is not None:
            continue
        supplier = db.session.scalar(select(Organisation).where(Organisation.name == supplier_name))
        contract = record_contract(
            ContractDetails(reference, title, department, supplier.id, pounds * 100, today - timedelta(days=200),
                            today + timedelta(days=900)),
            officer,
        )
        for measure_name, target, days in commitments:
            measure_id = db.session.scalar(select(Measure.id).where(Measure.name == measure_name))
            add_commitment(contract, officer, CommitmentDetails(measure_id, target, today + timedelta(days=days)))
        added += 1
    if added:
        db.session.flush()
        supplier = db.session.scalar(select(Organisation).where(Organisation.name == "Northwest Facilities Services Ltd"))
        seller = find_user_by_email("supplier@example.org")
        owner = find_user_by_email("group@example.org")
        volunteering = next(
            commitment
            for commitment in db.session.scalar(select(Contract).where(Contract.reference == "DEMO-FM-2025-001")).commitments
            if commitment.measure.name == "Employee volunteering hours"
        )
        pantry = db.session.scalar(select(Need).where(Need.title == "Volunteers for Saturday food pantry"))
        kit = db.session.scalar(select(Need).where(Need.title == "Kit for the under-12s team"))
        if pantry is not None and pantry.status == "published":
            delivered = make_pledge(pantry, supplier, seller, 24, "Six of our staff, four Saturdays each.",
                                    commitment_id=volunteering.id, today=today)
            accept_pledge(delivered, owner)
            record_delivery(delivered, seller, today - timedelta(days=3),
                            "Six volunteers sorted donations and served breakfast on four Saturdays.", None, today)
            confirm_receipt(delivered, owner)
            confirm_delivery(delivered, officer)
        if kit is not None and kit.status == "published":
            make_pledge(kit, supplier, seller, 300, "We can cover the shirts.", today=today)
    return added


def _load_demo_agreements(officer) -> int:
    """A grant to a community group with a volunteering commitment, and the council's own
    apprenticeship target: commitments from sources other than contracts."""
    from datetime import date, timedelta

    from models.contracts.models import Contract
    from models.contracts.rules import CommitmentDetails, ContractDetails, add_commitment, record_contract
    from models.places.themes import Measure

    today = date.today()
    hub = db.session.scalar(select(Organisation).where(Organisation.name == "Harlesden Community Food Hub"))
    added = 0
    for reference, title, directorate, holder, pounds, measure_name, target, extra in (
        ("DEMO-GRANT-2025-01", "Community kitchen", "Communities", hub.id if hub else 0, 25_000,
         "Employee volunteering hours", 300, {"kind": "grant", "programme": "Brent Together Fund"}),
        ("DEMO-EMP-2025", "Council apprenticeships", "Resources", 0, 0,
         "Apprenticeship weeks for local people", 1_040, {"kind": "employment"}),
    ):
        if not (holder or extra["kind"] == "employment"):
            continue
        if db.session.scalar(select(Contract.id).where(Contract.reference == reference)) is not None:
            continue
        agreement = record_contract(ContractDetails(reference, title, directorate, holder, pounds * 100,
                                                    today - timedelta(days=100), today + timedelta(days=600),
                                                    responsible_officer_id=officer.id, **extra), officer)
        measure_id = db.session.scalar(select(Measure.id).where(Measure.name == measure_name))
        add_commitment(agreement, officer, CommitmentDetails(measure_id, target, today + timedelta(days=300)))
        added += 1
    return added


def _load_demo_returns(officer) -> int:
    """A strategic contract (over £5m: quarterly returns) whose commitments are delivered
    through returns: its first quarter's return accepted, its second waiting for an officer."""
    from datetime import date, timedelta

    from models.contracts.models import Contract
    from models.contracts.rules import CommitmentDetails, ContractDetails, add_commitment, record_contract
    from models.places.themes import Measure
    from models.returns.rules import LineDetails, accept_return, save_line, start_return, submit_return
    from models.returns.schedule import contract_periods

    reference = "DEMO-REPAIRS-2025-007"
    if db.session.scalar(select(Contract.id).where(Contract.reference == reference)) is not None:
        return 0
    today = date.today()
    supplier = db.session.scalar(select(Organisation).where(Organisation.name == "Brent Green Builders Ltd"))
    seller = find_user_by_email("supplier@example.org")
    contract = record_contract(
        ContractDetails(reference, "Responsive housing repairs", "Housing", supplier.id, 6_500_000_00,
                        today - timedelta(days=400), today + timedelta(days=1_100)),
        officer,
    )
    lines = {}
    for measure_name, target, quantity, words in (
        ("Apprenticeship weeks for local people", 520, 52, "Two Brent apprentices, 26 weeks each, in plumbing."),
        ("Local people hired", 40, 6, "Six Brent residents hired as repairs operatives."),
        ("Spend with local SMEs and VCSEs", 1_500_000, 120_000, "Materials and subcontracted work from local firms."),
    ):
        measure = db.session.scalar(select(Measure).where(Measure.name == measure_name))
        commitment = add_commitment(contract, officer, CommitmentDetails(measure.id, target, today + timedelta(days=1_000)))
        lines[commitment.id] = LineDetails(quantity, words, beneficiaries=quantity if quantity < 100 else 0,
                                           beneficiaries_in_borough=quantity if quantity < 100 else 0,
                                           spend={"micro": 20_000, "small": 60_000, "medium": 40_000, "large": 0,
                                                  "vcse": 10_000, "in_borough": 90_000})
    db.session.flush()
    periods = [period for period in contract_periods(contract, today) if period.ended(today)][:2]
    for index, period in enumerate(periods):
        supplier_return = start_return(contract, seller, period.start, today)
        for commitment in contract.commitments:
            save_line(supplier_return, commitment, seller, lines[commitment.id])
        submit_return(supplier_return, seller)
        if index == 0:
            accept_return(supplier_return.id, officer)
    return len(periods)


# title, summary, body, published (else waiting for review)
DEMO_STORIES = [
    (
        "Breakfast and a full pantry, four Saturdays running",
        "Six volunteers from Northwest Facilities Services sorted donations and served breakfast at the Harlesden "
        "food hub, so 120 families a week got their food parcels on time.",
        "Every Saturday morning up to 120 families queue at the Harlesden Community Food Hub. Before the volunteers "
        "came, our four regulars were sorting donations until the doors opened and people waited outside in the cold."
        "\n\nFor four Saturdays in a row, six staff from **Northwest Facilities Services** joined us at 8am. They "
        "sorted and shelved the week's donations, ran the breakfast table and helped carry parcels to the bus stop."
        "\n\n- 24 volunteer hours, confirmed by the council\n- 480 breakfasts served\n- doors opened on time every week"
        "\n\n> \u201cIt felt like a proper team. Two of them have signed up to come back every month.\u201d "
        "\u2014 Grace, food hub coordinator",
        True,
    ),
    (
        "What our volunteers told us",
        "The food hub asked its new volunteers what they took away from four Saturdays at the pantry.",
        "We asked the Northwest Facilities Services volunteers what they would tell colleagues thinking of helping. "
        "Most said the same thing: come once, and you will want to come back.",
        False,
    ),
]


def _load_demo_stories(officer) -> int:
    """The food hub tells the story of its confirmed volunteering delivery; one is published."""
    from models.pledges.models import Pledge
    from models.stories.stories import Story, StoryDetails, create_story, publish_story, submit_story

    pledge = db.session.scalar(select(Pledge).where(Pledge.status == "confirmed").order_by(Pledge.id))
    if pledge is None:
        return 0
    group = pledge.need.organisation
    writer = group.owners()[0]
    added = 0
    for title, summary, body, published in DEMO_STORIES:
        if db.session.scalar(select(Story.id).where(Story.title == title)) is not None:
            continue
        story = create_story(writer, StoryDetails(title, summary, body, pledge.id), group)
        submit_story(story, writer)
        if published:
            publish_story(story, officer)
        added += 1
    return added


def _load_demo_preferences() -> int:
    """The resident asks for a monthly update about their ward (residents get none until they ask)."""
    from models.digests.preferences import preference_row, save_preferences

    resident = find_user_by_email("resident@example.org")
    if resident is None or resident.ward_id is None or preference_row(resident.id) is not None:
        return 0
    save_preferences(resident, "monthly", [resident.ward_id], [], newsletter=True)
    return 1
