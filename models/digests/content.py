"""What goes in each digest and in the suppliers' newsletter, built for many
people at once.

The builder never runs a query per person per section. For each batch of
people it reads their accounts, preferences and memberships in a handful of
queries; what belongs to an organisation (commitments, pledges, needs closing
soon) is read once per batch for the organisations not seen yet and cached;
what belongs to a ward or theme (new needs, rounds, stories) is read once per
run and shared out in Python. It returns plain dataclasses, not ORM rows, so a
rolled-back transaction leaves the caches intact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from heapq import merge
from itertools import islice
from typing import Iterable

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased

from models import db
from models.digests.periods import Period
from models.digests.preferences import DigestPreference, digest_preference_themes, digest_preference_wards

MAX_COMMITMENTS = 8
MAX_NEEDS = 6
MAX_PLEDGES = 8
MAX_STORIES = 3
MAX_NEWSLETTER_STORIES = 6
CLOSING_SOON_DAYS = 30
PLEDGE_DUE_DAYS = 30


@dataclass(frozen=True)
class Recipient:
    id: int
    name: str
    email: str
    ward_ids: tuple[int, ...] | None  # None: the whole borough
    theme_ids: tuple[int, ...]  # empty: every theme
    locale: str | None = None  # the language the person chose (users.locale); None: the default


@dataclass(frozen=True)
class CommitmentLine:
    contract_title: str
    measure: str
    unit: str
    target: int
    delivered: int
    due_date: date
    status: str  # on_track, at_risk, met, unmet
    status_label: str

    @property
    def percent(self) -> int:
        return min(100, self.delivered * 100 // self.target) if self.target else 0


@dataclass(frozen=True)
class DueLine:
    """Something with a date: a commitment falling due (what is still to deliver),
    an accepted pledge to deliver, or a group's need closing (what it still needs)."""

    kind: str  # commitment, pledge, need, return (a supplier return to file)
    title: str  # the measure, or the need
    quantity: int
    unit: str
    due_date: date
    context: str = ""  # the contract, for a commitment
    need_id: int | None = None


@dataclass(frozen=True)
class PledgeLine:
    need_id: int
    need_title: str
    supplier_name: str
    quantity: int
    unit: str
    status: str
    status_label: str


@dataclass(frozen=True)
class NeedLine:
    id: int
    title: str
    summary: str
    organisation_name: str
    ward_id: int | None
    ward_name: str
    theme_id: int
    remaining: int
    unit: str
    deadline: date
    published_at: datetime


@dataclass(frozen=True)
class RoundLine:
    id: int
    title: str
    ward_id: int | None
    ward_code: str | None
    area_name: str
    phase: str  # upcoming, voting, results
    opens_at: datetime
    closes_at: datetime
    budget_pence: int
    winners: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoryLine:
    id: int
    title: str
    summary: str
    organisation_name: str | None
    ward_id: int | None
    theme_id: int | None
    has_photo: bool
    photo_alt: str | None
    published_at: datetime


@dataclass(frozen=True)
class RecommendationLine:
    id: int  # the need's
    title: str


MAX_RECOMMENDATIONS = 3


@dataclass
class SupplierSection:
    organisation_id: int
    name: str
    commitments: list[CommitmentLine] = field(default_factory=list)
    more_commitments: int = 0
    due_soon: list[DueLine] = field(default_factory=list)
    recommendations: list = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.commitments or self.due_soon or self.recommendations)


@dataclass
class GroupSection:
    organisation_id: int
    name: str
    new_pledges: list[PledgeLine] = field(default_factory=list)
    closing_soon: list[DueLine] = field(default_factory=list)
    rounds: list[RoundLine] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.new_pledges or self.closing_soon or self.rounds)


@dataclass
class AreaSection:
    wards: list[tuple[str, str]]  # (name, code); empty: the whole borough
    theme_names: list[str]  # empty: every theme
    new_needs: list[NeedLine]
    more_needs: int
    rounds: list[RoundLine]

    @property
    def is_empty(self) -> bool:
        return not (self.new_needs or self.rounds)


@dataclass
class Digest:
    recipient: Recipient
    period: Period
    suppliers: list[SupplierSection]
    groups: list[GroupSection]
    area: AreaSection | None
    stories: list[StoryLine]

    @property
    def is_empty(self) -> bool:
        sections = [*self.suppliers, *self.groups, *([self.area] if self.area else [])]
        return all(section.is_empty for section in sections) and not self.stories


@dataclass
class _Shared:
    """Read once per run: everything keyed by ward or theme."""

    wards: dict[int, tuple[str, str]]  # id: (name, code)
    theme_names: dict[int, str]
    # Newest first, by ward (None: borough-wide) and by (ward, theme).
    needs_by_ward: dict[int | None, list[NeedLine]]
    needs_by_ward_theme: dict[tuple[int | None, int], list[NeedLine]]
    rounds: list[RoundLine]
    stories: list[StoryLine]


def _story_lines(query) -> list[StoryLine]:
    from models.people.organisations import Organisation
    from models.stories.stories import Story

    rows = db.session.execute(
        query.with_only_columns(
            Story.id, Story.title, Story.summary, Organisation.name, Story.ward_id, Story.theme_id,
            Story.photo_filename, Story.photo_alt, Story.published_at,
        ).outerjoin(Organisation, Organisation.id == Story.organisation_id)
    )
    return [
        StoryLine(id_, title, summary, organisation, ward_id, theme_id, bool(photo), alt, published)
        for id_, title, summary, organisation, ward_id, theme_id, photo, alt, published in rows
    ]


def published_stories(since: datetime | None, until: datetime, limit: int) -> list[StoryLine]:
    from models.stories.stories import Story

    query = select(Story.id).where(Story.status == "published", Story.published_at <= until)
    if since is not None:
        query = query.where(Story.published_at >= since)
    return _story_lines(query.order_by(Story.published_at.desc(), Story.id.desc()).limit(limit))


def round_lines(since: datetime, as_of: datetime) -> list[RoundLine]:
    """Rounds open (or about to open) now, and results published in the period."""
    from models.places.wards import Ward
    from models.voting.models import Round, RoundOption

    rows = db.session.execute(
        select(
            Round.id, Round.title, Round.ward_id, Ward.code, Ward.name, Round.state, Round.opens_at, Round.closes_at,
            Round.budget_pence, Round.rule,
        )
        .outerjoin(Ward, Ward.id == Round.ward_id)
        .where(
            or_(
                and_(Round.state == "open", Round.closes_at > as_of),
                and_(Round.state == "published", Round.published_at >= since, Round.published_at <= as_of),
            )
        )
        .order_by(Round.closes_at, Round.id)
    ).all()
    rules = {row.id: row.rule for row in rows if row.state == "published"}
    winners: dict[int, list[str]] = {}
    if rules:
        for round_id, title, greedy, add1 in db.session.execute(
            select(RoundOption.round_id, RoundOption.title, RoundOption.selected_greedy, RoundOption.selected_add1)
            .where(RoundOption.round_id.in_(list(rules)))
            .order_by(RoundOption.round_id, RoundOption.vote_rank, RoundOption.position)
        ):
            if greedy if rules[round_id] == "greedy" else add1:
                winners.setdefault(round_id, []).append(title)
    lines = []
    for row in rows:
        if row.state == "published":
            phase = "results"
        else:
            phase = "upcoming" if row.opens_at > as_of else "voting"
        lines.append(
            RoundLine(
                row.id, row.title, row.ward_id, row.code, row.name or "the whole borough", phase, row.opens_at, row.closes_at,
                row.budget_pence, tuple(winners.get(row.id, ())),
            )
        )
    return lines


class DigestBuilder:
    def __init__(self, period: Period, as_of: datetime):
        from models.contracts.models import at_risk_rule

        self.period = period
        self.as_of = as_of
        self.today = as_of.date()
        self.at_risk = at_risk_rule()
        self._shared: _Shared | None = None
        self._organisations: dict[int, tuple[str, str, int | None] | None] = {}  # None: not verified
        self._suppliers: dict[int, SupplierSection] = {}
        self._groups: dict[int, GroupSection] = {}
        # Everyone with the same wards and themes gets the same objects, so a renderer can
        # render them once (workers/digests.py, SharedSections).
        self._areas: dict[tuple, AreaSection | None] = {}
        self._stories: dict[tuple, list[StoryLine]] = {}

    # ------------------------------------------------------------ per run

    @property
    def shared(self) -> _Shared:
        if self._shared is None:
            self._shared = self._load_shared()
        return self._shared

    def _load_shared(self) -> _Shared:
        from models.needs.models import Need
        from models.people.organisations import Organisation
        from models.places.wards import Ward
        from models.places.themes import Theme

        wards = {ward_id: (name, code) for ward_id, name, code in db.session.execute(select(Ward.id, Ward.name, Ward.code))}
        theme_names = dict(db.session.execute(select(Theme.id, Theme.name)).all())
        needs_by_ward: dict[int | None, list[NeedLine]] = {}
        needs_by_ward_theme: dict[tuple[int | None, int], list[NeedLine]] = {}
        rows = db.session.execute(
            select(
                Need.id, Need.title, Need.summary, Organisation.name, Need.ward_id, Need.theme_id,
                Need.quantity - Need.pledged_quantity, Need.unit, Need.deadline, Need.published_at,
            )
            .join(Organisation, Organisation.id == Need.organisation_id)
            .where(
                Need.status == "published",
                Need.published_at >= self.period.since,
                Need.published_at <= self.as_of,
                Need.deadline >= self.today,
            )
            .order_by(Need.published_at.desc(), Need.id.desc())
        )
        for id_, title, summary, organisation, ward_id, theme_id, remaining, unit, deadline, published in rows:
            line = NeedLine(
                id_, title, summary, organisation, ward_id, wards.get(ward_id, ("Borough-wide",))[0], theme_id,
                remaining, unit, deadline, published,
            )
            needs_by_ward.setdefault(ward_id, []).append(line)
            needs_by_ward_theme.setdefault((ward_id, theme_id), []).append(line)
        return _Shared(
            wards=wards,
            theme_names=theme_names,
            needs_by_ward=needs_by_ward,
            needs_by_ward_theme=needs_by_ward_theme,
            rounds=round_lines(self.period.since, self.as_of),
            stories=published_stories(None, self.as_of, limit=30),
        )

    # ------------------------------------------------------------ per batch

    def build(self, user_ids: Iterable[int]) -> list[Digest]:
        """Digests for these people, in the order given (missing accounts are skipped)."""
        from models.people.accounts import User
        from models.people.organisations import Membership

        ids = list(user_ids)
        if not ids:
            return []
        users = {
            row.id: row
            for row in db.session.execute(
                select(User.id, User.name, User.email, User.ward_id, User.locale).where(User.id.in_(ids))
            )
        }
        preferences = dict(
            db.session.execute(
                select(DigestPreference.user_id, DigestPreference.id).where(DigestPreference.user_id.in_(ids))
            ).all()
        )
        chosen_wards: dict[int, list[int]] = {}
        chosen_themes: dict[int, list[int]] = {}
        if preferences:
            by_preference = {preference_id: user_id for user_id, preference_id in preferences.items()}
            for table, target in ((digest_preference_wards, chosen_wards), (digest_preference_themes, chosen_themes)):
                value = table.c.ward_id if table is digest_preference_wards else table.c.theme_id
                for preference_id, chosen in db.session.execute(
                    select(table.c.preference_id, value).where(table.c.preference_id.in_(list(by_preference)))
                ):
                    target.setdefault(by_preference[preference_id], []).append(chosen)
        # Two simple queries rather than a join: given a join, SQLite walks every
        # verified organisation and probes memberships for each.
        links = db.session.execute(
            select(Membership.user_id, Membership.organisation_id).where(Membership.user_id.in_(ids))
        ).all()
        self._load_organisations({organisation_id for _, organisation_id in links})
        memberships: dict[int, list[tuple[int, str, str, int | None]]] = {}
        for user_id, organisation_id in links:
            organisation = self._organisations.get(organisation_id)
            if organisation is not None:  # verified ones only
                memberships.setdefault(user_id, []).append((organisation_id, *organisation))
        for orgs in memberships.values():
            orgs.sort(key=lambda org: (org[2], org[0]))

        organisations = [org for orgs in memberships.values() for org in orgs]
        self._load_suppliers({org[0]: org[2] for org in organisations if org[1] == "supplier"})
        self._load_groups({org[0]: (org[2], org[3]) for org in organisations if org[1] == "vcse"})

        digests = []
        for user_id in ids:
            user = users.get(user_id)
            if user is None:
                continue
            orgs = memberships.get(user_id, [])
            wards = chosen_wards.get(user_id) or ([user.ward_id] if user.ward_id else None)
            if wards is None and orgs:
                area_wards: tuple[int, ...] | None = ()  # members without a ward get no area section
            else:
                area_wards = tuple(sorted(wards)) if wards else None
            recipient = Recipient(
                user.id, user.name, user.email, area_wards, tuple(sorted(chosen_themes.get(user_id, ()))), user.locale
            )
            suppliers = [self._supplier_for(org_id, recipient) for org_id, kind, _, _ in orgs if kind == "supplier"]
            groups = [self._groups[org_id] for org_id, kind, _, _ in orgs if kind == "vcse"]
            shown_rounds = {line.id for group in groups for line in group.rounds}
            digests.append(
                Digest(
                    recipient=recipient,
                    period=self.period,
                    suppliers=suppliers,
                    groups=groups,
                    area=self._area_for(recipient, shown_rounds),
                    stories=self._stories_for(recipient),
                )
            )
        return digests

    def _load_organisations(self, organisation_ids: set[int]) -> None:
        from models.people.organisations import Organisation

        new = [organisation_id for organisation_id in organisation_ids if organisation_id not in self._organisations]
        if not new:
            return
        self._organisations.update(dict.fromkeys(new))
        for organisation_id, kind, name, ward_id in db.session.execute(
            select(Organisation.id, Organisation.kind, Organisation.name, Organisation.ward_id).where(
                Organisation.id.in_(new), Organisation.status == "verified"
            )
        ):
            self._organisations[organisation_id] = (kind, name, ward_id)

    def _supplier_for(self, organisation_id: int, recipient: Recipient) -> SupplierSection:
        return self._suppliers[organisation_id]

    def _load_suppliers(self, names: dict[int, str]) -> None:
        from models.contracts.models import Commitment, CommitmentStatus, Contract, commitment_status
        from models.needs.models import Need
        from models.pledges.models import Pledge
        from models.places.themes import Measure

        new = [organisation_id for organisation_id in names if organisation_id not in self._suppliers]
        if not new:
            return
        sections = {organisation_id: SupplierSection(organisation_id, names[organisation_id]) for organisation_id in new}
        days, share = self.at_risk
        soon = self.today + timedelta(days=days)
        for supplier_id, title, measure, unit, target, delivered, due in db.session.execute(
            select(
                Contract.supplier_id, Contract.title, Measure.name, Measure.unit, Commitment.target_quantity,
                Commitment.total_delivered, Commitment.due_date,
            )
            .join(Contract, Contract.id == Commitment.contract_id)
            .join(Measure, Measure.id == Commitment.measure_id)
            .where(Contract.supplier_id.in_(new), Commitment.state == "approved", Commitment.settled_at.is_(None))
            .order_by(Contract.supplier_id, Commitment.due_date, Commitment.id)
        ):
            section = sections[supplier_id]
            status = commitment_status(target, delivered, due, self.today, days, share)
            if len(section.commitments) < MAX_COMMITMENTS:
                section.commitments.append(
                    CommitmentLine(title, measure, unit, target, delivered, due, status.value, status.label)
                )
            else:
                section.more_commitments += 1
            if status not in (CommitmentStatus.MET, CommitmentStatus.UNMET) and due <= soon:
                section.due_soon.append(DueLine("commitment", measure, max(target - delivered, 0), unit, due, title))
        for supplier_id, need_id, need_title, deadline, quantity, unit in db.session.execute(
            select(Pledge.supplier_id, Need.id, Need.title, Need.deadline, Pledge.quantity, Need.unit)
            .join(Need, Need.id == Pledge.need_id)
            .where(
                Pledge.supplier_id.in_(new),
                Pledge.status == "accepted",
                Need.deadline <= self.today + timedelta(days=PLEDGE_DUE_DAYS),
            )
            .order_by(Need.deadline, Pledge.id)
        ):
            sections[supplier_id].due_soon.append(DueLine("pledge", need_title, quantity, unit, deadline, need_id=need_id))
        self._load_returns_due(sections)
        for section in sections.values():
            section.due_soon.sort(key=lambda line: line.due_date)
        self._load_recommendations(sections)
        self._suppliers.update(sections)

    def _load_returns_due(self, sections: dict[int, "SupplierSection"]) -> None:
        """Supplier returns to file: due within the reminder window, or overdue."""
        from models.contracts.models import Contract
        from models.returns.models import SupplierReturn
        from models.returns.reminders import remind_days

        for supplier_id, reference, title, period_start, due in db.session.execute(
            select(Contract.supplier_id, Contract.reference, Contract.title, SupplierReturn.period_start,
                   SupplierReturn.due_date)
            .join(Contract, Contract.id == SupplierReturn.contract_id)
            .where(Contract.supplier_id.in_(list(sections)), SupplierReturn.state.in_(("draft", "queried")),
                   SupplierReturn.due_date <= self.today + timedelta(days=remind_days()))
            .order_by(SupplierReturn.due_date, SupplierReturn.id)
        ):
            sections[supplier_id].due_soon.append(DueLine(
                "return", title, 0, "", due,
                context=f"{reference}, the period from {period_start.day} {period_start:%B %Y}"
                + ("; it is overdue" if due < self.today else ""),
            ))

    def _load_recommendations(self, sections: dict[int, "SupplierSection"]) -> None:
        """The matching worker's best suggestions for these suppliers, a few each, in one query."""
        from models.contracts.models import Commitment, Contract
        from models.matching.matches import Match, open_commitment_conditions, open_need_conditions
        from models.needs.models import Need

        seen: set[tuple[int, int]] = set()
        for supplier_id, need_id, title in db.session.execute(
            select(Contract.supplier_id, Need.id, Need.title)
            .select_from(Match)
            .join(Commitment, Commitment.id == Match.commitment_id)
            .join(Contract, Contract.id == Commitment.contract_id)
            .join(Need, Need.id == Match.need_id)
            .where(
                Contract.supplier_id.in_(list(sections)),
                Match.rank <= MAX_RECOMMENDATIONS,
                Match.dismissed_at.is_(None),
                *open_need_conditions(self.today),
                *open_commitment_conditions(),
            )
            .order_by(Contract.supplier_id, Match.score.desc(), Match.id)
        ):
            section = sections[supplier_id]
            if (supplier_id, need_id) in seen or len(section.recommendations) >= MAX_RECOMMENDATIONS:
                continue
            seen.add((supplier_id, need_id))
            section.recommendations.append(RecommendationLine(need_id, title))

    def _load_groups(self, details: dict[int, tuple[str, int | None]]) -> None:
        from models.needs.models import Need
        from models.people.organisations import Organisation
        from models.pledges.models import FUND_SOURCE, Pledge, PledgeStatus

        new = [organisation_id for organisation_id in details if organisation_id not in self._groups]
        if not new:
            return
        sections = {organisation_id: GroupSection(organisation_id, details[organisation_id][0]) for organisation_id in new}
        supplier = aliased(Organisation)
        # The council funding a need from its Social Value Fund gives through its own organisation.
        giver = case((Pledge.source == FUND_SOURCE, literal("The council's Social Value Fund")), else_=supplier.name)
        for group_id, need_id, need_title, supplier_name, quantity, unit, status in db.session.execute(
            select(Need.organisation_id, Need.id, Need.title, giver, Pledge.quantity, Need.unit, Pledge.status)
            .join(Need, Need.id == Pledge.need_id)
            .join(supplier, supplier.id == Pledge.supplier_id)
            .where(
                Need.organisation_id.in_(new),
                Pledge.created_at >= self.period.since,
                Pledge.created_at <= self.as_of,
            )
            .order_by(Pledge.created_at.desc(), Pledge.id.desc())
        ):
            lines = sections[group_id].new_pledges
            if len(lines) < MAX_PLEDGES:
                lines.append(
                    PledgeLine(need_id, need_title, supplier_name, quantity, unit, status, PledgeStatus(status).label)
                )
        for group_id, need_id, title, deadline, remaining, unit in db.session.execute(
            select(Need.organisation_id, Need.id, Need.title, Need.deadline, Need.quantity - Need.pledged_quantity, Need.unit)
            .where(
                Need.organisation_id.in_(new),
                Need.status == "published",
                Need.deadline >= self.today,
                Need.deadline <= self.today + timedelta(days=CLOSING_SOON_DAYS),
            )
            .order_by(Need.deadline, Need.id)
        ):
            sections[group_id].closing_soon.append(DueLine("need", title, remaining, unit, deadline, need_id=need_id))
        for group_id, section in sections.items():
            ward_id = details[group_id][1]
            section.rounds = [line for line in self.shared.rounds if line.ward_id is None or line.ward_id == ward_id]
        self._groups.update(sections)

    def _area_for(self, recipient: Recipient, shown_rounds: set[int]) -> AreaSection | None:
        key = (recipient.ward_ids, recipient.theme_ids, frozenset(shown_rounds))
        if key not in self._areas:
            self._areas[key] = self._new_area(recipient, shown_rounds)
        return self._areas[key]

    def _new_area(self, recipient: Recipient, shown_rounds: set[int]) -> AreaSection | None:
        wards = recipient.ward_ids
        if wards == ():
            return None
        shared = self.shared
        places = list(shared.needs_by_ward) if wards is None else [*wards, None]
        if recipient.theme_ids:
            by_theme = shared.needs_by_ward_theme
            lists = [by_theme.get((place, theme), []) for place in places for theme in recipient.theme_ids]
        else:
            lists = [shared.needs_by_ward.get(place, []) for place in places]
        # Each list is newest first: merge them, no sorting per person.
        newest = list(islice(merge(*lists, key=lambda need: (need.published_at, need.id), reverse=True), MAX_NEEDS))
        total = sum(len(needs) for needs in lists)
        rounds = [
            line
            for line in shared.rounds
            if line.id not in shown_rounds and (wards is None or line.ward_id is None or line.ward_id in wards)
        ]
        return AreaSection(
            wards=sorted(shared.wards[ward_id] for ward_id in wards if ward_id in shared.wards) if wards else [],
            theme_names=[shared.theme_names[theme] for theme in recipient.theme_ids if theme in shared.theme_names],
            new_needs=newest,
            more_needs=total - len(newest),
            rounds=rounds,
        )

    def _stories_for(self, recipient: Recipient) -> list[StoryLine]:
        """A few published stories, those from the person's wards and themes first."""
        key = (recipient.ward_ids, recipient.theme_ids)
        if key not in self._stories:
            self._stories[key] = self._choose_stories(recipient)
        return self._stories[key]

    def _choose_stories(self, recipient: Recipient) -> list[StoryLine]:
        wards = set(recipient.ward_ids or ())
        themes = set(recipient.theme_ids)

        def score(story: StoryLine) -> tuple:
            return (story.ward_id in wards) * 2 + (story.theme_id in themes), story.published_at, story.id

        return sorted(self.shared.stories, key=score, reverse=True)[:MAX_STORIES]


# ---------------------------------------------------------------- newsletter


@dataclass
class Newsletter:
    """The suppliers' quarterly newsletter: the same for every reader."""

    period: Period
    stories: list[StoryLine]
    stories_are_new: bool
    deliveries: int
    value_pence: int
    suppliers: int
    groups: int

    @property
    def is_empty(self) -> bool:
        return not self.stories and not self.deliveries


def build_newsletter(period: Period, as_of: datetime) -> Newsletter:
    from models.needs.models import Need
    from models.pledges.models import Pledge

    stories = published_stories(period.since, as_of, MAX_NEWSLETTER_STORIES)
    new = bool(stories)
    if not stories:
        stories = published_stories(None, as_of, MAX_STORIES)
    deliveries, value, suppliers, groups = db.session.execute(
        select(
            func.count(Pledge.id),
            func.coalesce(func.sum(Need.value_pence * Pledge.quantity / Need.quantity), 0),
            func.count(func.distinct(Pledge.supplier_id)),
            func.count(func.distinct(Need.organisation_id)),
        )
        .join(Need, Need.id == Pledge.need_id)
        .where(Pledge.status == "confirmed", Pledge.confirmed_at >= period.since, Pledge.confirmed_at <= as_of)
    ).one()
    return Newsletter(period, stories, new, deliveries, int(value), suppliers, groups)
