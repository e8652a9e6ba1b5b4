"""The numbers the scrutiny committee asked for: social value committed against
delivered (by theme, ward, supplier, contract tier and financial year), KPI
performance, unmet commitments and Social Value Fund payments, participation in
ward votes, and the diversity of the organisations taking part.

The officer dashboard and the annual impact report both read these functions, so
every figure in the report is the dashboard's figure. Everything is aggregated
in SQL (GROUP BY), never by loading rows one at a time.

Definitions, stated once:
- A financial year runs April to March and is named by the year it starts.
- *Committed* in a year: the targets of approved commitments due in that year.
  *Delivered* against them: what has been confirmed and allocated to them so far.
- Pounds come from each measure's proxy value; measures without one count in
  quantities only (the KPI table), never in the pound totals.
- *Delivered in the year* (by ward): the value of deliveries confirmed in that year, each at
  its share of the need's estimated value. It differs from *delivered against commitments*:
  `models.reporting.reconciliation.delivery_split` says by how much, and why.
- *Participation*: ballots in ward votes that closed in the year (closed, or with results
  published, and a closing time in the year); a round still open counts in no year yet.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import BigInteger, and_, case, cast, func, literal, or_, select

from models import db
from models.contracts.models import Commitment, Contract, at_risk_rule, council_thresholds, tier_case
from models.contracts.tiers import Tier
from models.reporting.ledger import LedgerFilters, filter_totals, financial_year, financial_year_label
from models.reporting.delivery_totals import BOROUGH_WIDE, DeliveryTotal
from models.reporting.reconciliation import DeliverySplit, delivery_split
from models.needs.models import Need
from models.people.organisations import Organisation, OrganisationStatus
from models.places.wards import Ward
from models.pledges.models import Pledge, PledgeStatus
from models.voting.models import Ballot, Round, RoundState
from models.places.themes import Measure, Theme

APPROVED = "approved"
CONFIRMED = PledgeStatus.CONFIRMED.value
# A round has closed once voting stopped: closed, or with its results published.
CLOSED_ROUND_STATES = (RoundState.CLOSED.value, RoundState.PUBLISHED.value)


@dataclass(frozen=True)
class Year:
    start: int

    @property
    def first_day(self) -> date:
        return date(self.start, 4, 1)

    @property
    def last_day(self) -> date:
        return date(self.start + 1, 3, 31)

    @property
    def label(self) -> str:
        return financial_year_label(self.start)

    @property
    def short(self) -> str:
        return f"{self.start}/{str(self.start + 1)[2:]}"

    @classmethod
    def of(cls, day: date | datetime) -> "Year":
        return cls(financial_year(day))


@dataclass(frozen=True)
class Row:
    """One bar of committed against delivered, in pounds (and how many commitments)."""

    key: str
    label: str
    committed_pence: int
    delivered_pence: int
    commitments: int = 0

    @property
    def percent(self) -> int | None:
        return round(100 * self.delivered_pence / self.committed_pence) if self.committed_pence else None


def _due_in(year: Year | None):
    if year is None:
        return literal(True)
    return and_(Commitment.due_date >= year.first_day, Commitment.due_date <= year.last_day)


def _money(quantity):
    return cast(quantity, BigInteger) * func.coalesce(Measure.proxy_value_pence, 0)


def _commitment_sums():
    return (
        func.coalesce(func.sum(_money(Commitment.target_quantity)), 0),
        func.coalesce(func.sum(_money(Commitment.total_delivered)), 0),
        func.count(Commitment.id),
    )


def _base(*columns):
    return (
        select(*columns)
        .select_from(Commitment)
        .join(Measure, Measure.id == Commitment.measure_id)
        .join(Contract, Contract.id == Commitment.contract_id)
        .where(Commitment.state == APPROVED)
    )


@dataclass(frozen=True)
class CommitmentGroup:
    """Approved commitments due in the year sharing a theme, a kind of agreement, a
    directorate and a status, summed in SQL: the few rows the headline, the status counts
    and the theme, source and directorate tables all add up (one pass over the commitments,
    not one each)."""

    theme_slug: str
    theme_name: str
    theme_position: int
    kind: str
    directorate: str
    status: str
    committed_pence: int
    delivered_pence: int
    commitments: int
    returned_pence: int


def commitment_groups(year: Year | None, today: date) -> list[CommitmentGroup]:
    status = _status_case(today).label("status")
    directorate = func.coalesce(Contract.buyer_department, "Not recorded").label("directorate")
    query = (
        _base(Theme.slug, Theme.name, Theme.position, Contract.kind, directorate, status, *_commitment_sums(),
              func.coalesce(func.sum(_money(Commitment.returned_quantity)), 0))
        .join(Theme, Theme.id == Measure.theme_id)
        .where(_due_in(year))
        .group_by(Theme.slug, Theme.name, Theme.position, Contract.kind, directorate, status)
    )
    return [
        CommitmentGroup(slug, name, int(position or 0), kind, directorate_name, state, int(c), int(d), int(n), int(r))
        for slug, name, position, kind, directorate_name, state, c, d, n, r in db.session.execute(query)
    ]


def _rows_by(groups: list[CommitmentGroup], key) -> dict:
    """{key: (label, committed, delivered, commitments)} summed over the groups."""
    found: dict = {}
    for group in groups:
        k, label = key(group)
        _, c, d, n = found.get(k, (label, 0, 0, 0))
        found[k] = (label, c + group.committed_pence, d + group.delivered_pence, n + group.commitments)
    return found


def by_theme(year: Year | None, groups: list[CommitmentGroup] | None = None) -> list[Row]:
    groups = commitment_groups(year, date.today()) if groups is None else groups
    positions = {group.theme_slug: group.theme_position for group in groups}
    found = _rows_by(groups, lambda group: (group.theme_slug, group.theme_name))
    return [Row(slug, *found[slug]) for slug in sorted(found, key=lambda slug: (positions[slug], slug))]


def by_supplier(year: Year | None, limit: int = 25) -> list[Row]:
    committed = func.coalesce(func.sum(_money(Commitment.target_quantity)), 0)
    query = (
        _base(Organisation.id, Organisation.name, *_commitment_sums())
        .join(Organisation, Organisation.id == Contract.supplier_id)
        .where(_due_in(year))
        .group_by(Organisation.id, Organisation.name)
        .order_by(committed.desc(), Organisation.name)
        .limit(limit)
    )
    return [Row(str(id_), name, int(c), int(d), int(n)) for id_, name, c, d, n in db.session.execute(query)]


TIER_LABELS = {
    "none": "Under the social value threshold",
    "basic": "Themes only",
    "kpi": "Commitments with KPIs",
    "strategic": "Strategic (3 or more KPIs)",
}


def by_tier(year: Year | None) -> list[Row]:
    tier = tier_case().label("tier")
    query = _base(tier, *_commitment_sums()).where(_due_in(year)).group_by(tier)
    found = {key: (int(c), int(d), int(n)) for key, c, d, n in db.session.execute(query)}
    return [Row(key, label, *found[key]) for key, label in TIER_LABELS.items() if key in found]


def by_source(year: Year | None, groups: list[CommitmentGroup] | None = None) -> list[Row]:
    """Committed against delivered by the kind of agreement the commitments belong to
    (models/contracts/agreements.py), in the order the kinds are listed."""
    from models.contracts.agreements import KINDS

    groups = commitment_groups(year, date.today()) if groups is None else groups
    found = _rows_by(groups, lambda group: (group.kind, group.kind))
    return [Row(key, kind.label, *found[key][1:]) for key, kind in KINDS.items() if key in found]


def by_directorate(year: Year | None, groups: list[CommitmentGroup] | None = None) -> list[Row]:
    """Committed against delivered by each agreement's responsible directorate."""
    groups = commitment_groups(year, date.today()) if groups is None else groups
    found = _rows_by(groups, lambda group: (group.directorate, group.directorate))
    return [Row(name, *found[name]) for name in sorted(found, key=lambda name: (-found[name][1], name))]


def by_year() -> list[Row]:
    """Every financial year with commitments due in it, oldest first."""
    due_year = case((func.extract("month", Commitment.due_date) >= 4, func.extract("year", Commitment.due_date)),
                    else_=func.extract("year", Commitment.due_date) - 1)
    query = _base(cast(due_year, BigInteger).label("fy"), *_commitment_sums()).group_by("fy").order_by("fy")
    return [Row(str(int(fy)), Year(int(fy)).short, int(c), int(d), int(n)) for fy, c, d, n in db.session.execute(query)]


def _confirmed_in(year: Year | None):
    if year is None:
        return Pledge.status == CONFIRMED
    return and_(
        Pledge.status == CONFIRMED,
        Pledge.confirmed_at >= datetime.combine(year.first_day, datetime.min.time()),
        Pledge.confirmed_at < datetime.combine(year.last_day + timedelta(days=1), datetime.min.time()),
    )


def _delivered_totals(year: Year | None, *columns, by_ward: bool = False):
    """The delivery totals kept as data (models.reporting.delivery_totals) for confirmed
    pledges, in the year (or all years): one row (or one a ward), not an aggregate over
    every delivery."""
    return filter_totals(
        select(*columns), LedgerFilters(year=year.start if year else None), over=("ward_key",) if by_ward else ()
    )


def delivered_by_ward(year: Year | None) -> list[Row]:
    """The value of deliveries confirmed in the year, by the ward of the need (every ward listed)."""
    delivered = (
        _delivered_totals(
            year, DeliveryTotal.ward_key, func.sum(DeliveryTotal.value_pence).label("value"),
            func.sum(DeliveryTotal.deliveries).label("n"), by_ward=True,
        )
        .group_by(DeliveryTotal.ward_key)
        .subquery()
    )
    query = (
        select(Ward.code, Ward.name, func.coalesce(delivered.c.value, 0), func.coalesce(delivered.c.n, 0))
        .outerjoin(delivered, delivered.c.ward_key == Ward.id)
        .order_by(Ward.name)
    )
    rows = [Row(code, name, 0, int(value), int(n)) for code, name, value, n in db.session.execute(query)]
    borough = db.session.execute(
        _delivered_totals(
            year, func.coalesce(func.sum(DeliveryTotal.value_pence), 0), func.coalesce(func.sum(DeliveryTotal.deliveries), 0),
            by_ward=True,
        ).where(DeliveryTotal.ward_key == BOROUGH_WIDE)
    ).one()
    if borough[1]:
        rows.append(Row("borough", "Borough-wide", 0, int(borough[0]), int(borough[1])))
    return rows


@dataclass(frozen=True)
class Headline:
    committed_pence: int
    delivered_against_commitments_pence: int
    delivered_in_year_pence: int
    deliveries_in_year: int
    beneficiaries_in_year: int
    commitments: int
    met: int
    on_track: int
    at_risk: int
    unmet: int
    fund_received_pence: int
    credits: int
    # Of delivered_against_commitments_pence: what accepted supplier returns delivered (the
    # rest came through confirmed pledges; never both for one delivery).
    delivered_through_returns_pence: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _status_case(today: date):
    days, share = at_risk_rule()
    return case(
        (Commitment.total_delivered >= Commitment.target_quantity, literal("met")),
        (Commitment.due_date < today, literal("unmet")),
        (
            and_(
                Commitment.due_date <= today + timedelta(days=days),
                cast(Commitment.total_delivered, BigInteger) * 10_000 < cast(Commitment.target_quantity, BigInteger) * int(share * 10_000),
            ),
            literal("at_risk"),
        ),
        else_=literal("on_track"),
    )


def status_counts(year: Year | None, today: date, groups: list[CommitmentGroup] | None = None) -> dict[str, int]:
    groups = commitment_groups(year, today) if groups is None else groups
    counts = {"met": 0, "on_track": 0, "at_risk": 0, "unmet": 0}
    for group in groups:
        counts[group.status] += group.commitments
    return counts


def headline(year: Year | None, today: date, groups: list[CommitmentGroup] | None = None) -> Headline:
    groups = commitment_groups(year, today) if groups is None else groups
    committed, delivered, count, returned = (
        sum(getattr(group, name) for group in groups)
        for name in ("committed_pence", "delivered_pence", "commitments", "returned_pence")
    )
    in_year, deliveries = db.session.execute(
        _delivered_totals(
            year, func.coalesce(func.sum(DeliveryTotal.value_pence), 0), func.coalesce(func.sum(DeliveryTotal.deliveries), 0)
        )
    ).one()
    beneficiaries = db.session.scalar(
        select(func.coalesce(func.sum(Need.beneficiaries), 0)).where(
            Need.id.in_(select(Pledge.need_id).where(_confirmed_in(year)))
        )
    )
    fund, credits = settlements(year)
    counts = status_counts(year, today, groups)
    return Headline(
        committed_pence=int(committed),
        delivered_against_commitments_pence=int(delivered),
        delivered_in_year_pence=int(in_year),
        deliveries_in_year=int(deliveries),
        beneficiaries_in_year=int(beneficiaries or 0),
        commitments=int(count),
        met=counts["met"],
        on_track=counts["on_track"],
        at_risk=counts["at_risk"],
        unmet=counts["unmet"],
        fund_received_pence=fund,
        credits=credits,
        delivered_through_returns_pence=int(returned),
    )


def settlements(year: Year | None) -> tuple[int, int]:
    """Social Value Fund payments received (pence) and credits approved, settled in the year."""
    query = select(
        func.coalesce(func.sum(case((Commitment.settlement == "fund_payment", Commitment.fund_payment_pence), else_=0)), 0),
        func.count(case((Commitment.settlement == "credit", Commitment.id))),
    ).where(Commitment.settlement.is_not(None))
    if year is not None:
        query = query.where(
            Commitment.settled_at >= datetime.combine(year.first_day, datetime.min.time()),
            Commitment.settled_at < datetime.combine(year.last_day + timedelta(days=1), datetime.min.time()),
        )
    fund, credits = db.session.execute(query).one()
    return int(fund), int(credits)


@dataclass(frozen=True)
class Kpi:
    commitment_id: int
    contract_id: int
    contract_reference: str
    contract_title: str
    contract_value_pence: int
    tier: str
    supplier: str
    theme: str
    measure: str
    unit: str
    target: int
    delivered: int
    due_date: date
    status: str
    value_committed_pence: int | None
    value_delivered_pence: int | None
    settlement: str | None
    fund_payment_pence: int | None
    remedial_action: str | None
    delivered_through_returns: int = 0  # of `delivered`: the rest came through confirmed pledges
    rating: str | None = None  # the officer's latest 12-month KPI rating (models/returns/ratings.py), if any

    @property
    def delivered_through_pledges(self) -> int:
        return self.delivered - self.delivered_through_returns

    @property
    def percent(self) -> int:
        return round(100 * self.delivered / self.target) if self.target else 100

    @property
    def variance(self) -> int:
        return self.delivered - self.target


def latest_rating():
    """(the rating, the join condition): the latest 12-month rating an officer gave each
    commitment, outer-joined once (the newest year of its ratings), not a subquery per row."""
    from sqlalchemy.orm import aliased

    from models.returns.models import KpiRating

    newest = (
        select(KpiRating.commitment_id, func.max(KpiRating.year_start).label("year_start"))
        .group_by(KpiRating.commitment_id).subquery()
    )
    latest = aliased(KpiRating, name="latest_rating")
    return latest, newest, and_(latest.commitment_id == newest.c.commitment_id, latest.year_start == newest.c.year_start)


def kpis(year: Year | None, today: date, only_in_tier: bool = False, status: str | None = None, limit: int = 500) -> list[Kpi]:
    """Each approved commitment as a KPI: target, delivered, status, value; one query."""
    tier = tier_case()
    state = _status_case(today)
    latest, newest, latest_of_newest = latest_rating()
    query = (
        _base(
            Commitment.id, Contract.id, Contract.reference, Contract.title, Contract.value_pence, tier,
            Organisation.name, Theme.name, Measure.name, Measure.unit, Commitment.target_quantity,
            Commitment.total_delivered, Commitment.due_date, state, Measure.proxy_value_pence,
            Commitment.settlement, Commitment.fund_payment_pence, Commitment.remedial_action,
            Commitment.returned_quantity, latest.rating,
        )
        .join(Organisation, Organisation.id == Contract.supplier_id)
        .join(Theme, Theme.id == Measure.theme_id)
        .outerjoin(newest, newest.c.commitment_id == Commitment.id)
        .outerjoin(latest, latest_of_newest)
        .where(_due_in(year))
        .order_by(Organisation.name, Contract.reference, Commitment.due_date, Commitment.id)
        .limit(limit)
    )
    if only_in_tier:
        query = query.where(tier != Tier.NONE.value)
    if status:
        query = query.where(state == status)
    result = []
    for row in db.session.execute(query):
        (cid, contract_id, reference, title, value, tier_key, supplier, theme, measure, unit, target, delivered, due,
         state_key, proxy, settlement, fund, remedial, returned, rating) = row
        result.append(
            Kpi(cid, contract_id, reference, title, int(value), TIER_LABELS[tier_key], supplier, theme, measure, unit,
                int(target), int(delivered), due, state_key,
                int(target) * proxy if proxy is not None else None, int(delivered) * proxy if proxy is not None else None,
                settlement, fund, remedial, int(returned), rating)
        )
    return result


@dataclass(frozen=True)
class ContractRow:
    contract_id: int
    reference: str
    title: str
    supplier: str
    value_pence: int
    tier: str
    commitments: int
    committed_pence: int
    delivered_pence: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.delivered_pence / self.committed_pence) if self.committed_pence else None


def contracts_over_threshold(year: Year | None) -> list[ContractRow]:
    """Delivered against committed for each contract over the social value threshold."""
    tier = tier_case()
    query = (
        _base(Contract.id, Contract.reference, Contract.title, Organisation.name, Contract.value_pence, tier, *_commitment_sums())
        .join(Organisation, Organisation.id == Contract.supplier_id)
        .where(_due_in(year), tier != Tier.NONE.value)
        .group_by(Contract.id, Contract.reference, Contract.title, Organisation.name, Contract.value_pence)
        .order_by(Contract.value_pence.desc(), Contract.reference)
    )
    return [
        ContractRow(id_, ref, title, supplier, int(value), TIER_LABELS[tier_key], int(n), int(c), int(d))
        for id_, ref, title, supplier, value, tier_key, c, d, n in db.session.execute(query)
    ]


@dataclass(frozen=True)
class Participation:
    ward: str
    rounds: int
    digital: int
    paper: int

    @property
    def total(self) -> int:
        return self.digital + self.paper


def participation(year: Year | None) -> list[Participation]:
    """Ballots in each ward's votes (online and paper), for rounds that closed in the year."""
    query = (
        select(
            func.coalesce(Ward.name, "Whole borough"),
            func.count(func.distinct(Round.id)),
            func.count(case((Ballot.kind.in_(("digital", "code")), Ballot.id))),
            func.count(case((Ballot.kind.in_(("paper", "in_person")), Ballot.id))),
        )
        .select_from(Round)
        .outerjoin(Ward, Ward.id == Round.ward_id)
        .outerjoin(Ballot, Ballot.round_id == Round.id)
        .where(Round.source == "platform", Round.state.in_(CLOSED_ROUND_STATES))
        .group_by(Ward.name)
        .order_by(Ward.name)
    )
    if year is not None:
        query = query.where(
            Round.closes_at >= datetime.combine(year.first_day, datetime.min.time()),
            Round.closes_at < datetime.combine(year.last_day + timedelta(days=1), datetime.min.time()),
        )
    return [Participation(ward, int(r), int(d), int(p)) for ward, r, d, p in db.session.execute(query)]


@dataclass(frozen=True)
class Diversity:
    label: str
    organisations: int
    engaged: int  # posted a need, or pledged, in the year


def diversity(year: Year | None) -> list[Diversity]:
    """Verified organisations by kind and size, and whether they are based in the borough;
    *engaged* means a group with a need published or a supplier with a pledge made in the year."""
    # Whether each organisation has a pledge or a published need in the year: an index probe
    # per organisation (by supplier, by organisation), not a pass over every pledge; the
    # council's funding of needs from the Fund is not a supplier's pledge.
    pledged = select(Pledge.id).where(Pledge.supplier_id == Organisation.id, Pledge.source == "supplier")
    needed = select(Need.id).where(Need.organisation_id == Organisation.id, Need.published_at.is_not(None))
    if year is not None:
        start = datetime.combine(year.first_day, datetime.min.time())
        end = datetime.combine(year.last_day + timedelta(days=1), datetime.min.time())
        pledged = pledged.where(Pledge.created_at >= start, Pledge.created_at < end)
        needed = needed.where(Need.published_at >= start, Need.published_at < end)
    engaged = or_(pledged.exists(), needed.exists())
    band = case(
        (Organisation.kind == "vcse", literal("Community groups (VCSE)")),
        (Organisation.size_band.in_(("micro", "small")), literal("Suppliers: micro and small")),
        (Organisation.size_band == "medium", literal("Suppliers: medium")),
        else_=literal("Suppliers: large"),
    ).label("band")
    local = case((Organisation.based_in_borough.is_(True), literal(" based in the borough")), else_=literal(" based elsewhere"))
    # One pass: by band and where based; the bands' own rows are their sums.
    query = (
        select(band, local.label("local"), func.count(Organisation.id), func.count(case((engaged, Organisation.id))))
        .where(Organisation.status == OrganisationStatus.VERIFIED.value)
        .group_by(band, local)
    )
    by_band: dict[str, tuple[int, int]] = {}
    by_place: dict[str, tuple[int, int]] = {}
    for label, where, total, active in db.session.execute(query):
        total_so_far, active_so_far = by_band.get(label, (0, 0))
        by_band[label] = (total_so_far + int(total), active_so_far + int(active))
        by_place[label + where] = (int(total), int(active))
    return [Diversity(label, *by_band[label]) for label in sorted(by_band)] + [
        Diversity(label, *by_place[label]) for label in sorted(by_place)
    ]


def years_available(today: date) -> list[Year]:
    """This financial year and every earlier one with a commitment due or a delivery confirmed."""
    first_due = db.session.scalar(select(func.min(Commitment.due_date)))
    first_confirmed = db.session.scalar(select(func.min(Pledge.confirmed_at)).where(Pledge.status == CONFIRMED))
    starts = [financial_year(today)]
    for day in (first_due, first_confirmed):
        if day is not None:
            starts.append(financial_year(day))
    last_due = db.session.scalar(select(func.max(Commitment.due_date)))
    newest = max(financial_year(today), financial_year(last_due) if last_due else 0)
    return [Year(start) for start in range(newest, min(starts) - 1, -1)]


@dataclass(frozen=True)
class Report:
    """The annual social value impact report: every section's figures for one year."""

    year: Year
    today: date
    headline: Headline
    deliveries: DeliverySplit  # how the deliveries confirmed in the year count, and why the figures differ
    contracts: list[ContractRow]
    kpis: list[Kpi]
    unmet: list[Kpi]
    themes: list[Row]
    wards: list[Row]
    participation: list[Participation]
    diversity: list[Diversity]
    case_studies: list  # models.stories.case_studies.CaseStudy, successes first
    sources: list[Row] = field(default_factory=list)  # by kind of agreement
    directorates: list[Row] = field(default_factory=list)
    fund: object = None  # models.fund.ledger.FundSummary: the Fund's balance, in and out (all years)
    fund_year: object = None  # models.fund.ledger.FundYear: the Fund in the report's year

    def as_dict(self) -> dict:
        def plain(value):
            if isinstance(value, date):
                return value.isoformat()
            return value

        return {
            "financial_year": {"start": self.year.first_day.isoformat(), "end": self.year.last_day.isoformat(), "label": self.year.label},
            "produced_on": self.today.isoformat(),
            "headline": self.headline.as_dict(),
            "deliveries_split": self.deliveries.as_dict(),
            "contracts_over_threshold": [asdict(row) for row in self.contracts],
            "kpis": [{key: plain(value) for key, value in asdict(kpi).items()} for kpi in self.kpis],
            "unmet_commitments": [kpi.commitment_id for kpi in self.unmet],
            "by_theme": [asdict(row) for row in self.themes],
            "by_source": [asdict(row) for row in self.sources],
            "by_directorate": [asdict(row) for row in self.directorates],
            "social_value_fund": asdict(self.fund) if self.fund is not None else None,
            "social_value_fund_in_year": (
                {**asdict(self.fund_year), "label": self.fund_year.label} if self.fund_year is not None else None
            ),
            "delivered_by_ward": [asdict(row) for row in self.wards],
            "participation": [asdict(row) for row in self.participation],
            "diversity": [asdict(row) for row in self.diversity],
            "case_studies": [
                {
                    "kind": study.kind,
                    "title": study.title,
                    "commitment_id": study.commitment_id,
                    "summary": study.summary,
                    "variance_reasons": study.variance_reasons,
                    "lessons": study.lessons,
                }
                for study in self.case_studies
            ],
        }


KPI_CSV_HEADER = (
    "Commitment", "Supplier", "Contract reference", "Contract", "Contract value (£)", "Tier", "Theme", "Measure", "Unit",
    "Target", "Delivered", "Delivered %", "Due", "Status", "Value committed (£)", "Value delivered (£)",
    "Settlement", "Social Value Fund payment (£)",
)


def _pounds(pence: int | None) -> str:
    return "" if pence is None else f"{pence / 100:.2f}"


def kpi_csv_rows(report: Report):
    yield KPI_CSV_HEADER
    for kpi in report.kpis:
        yield (
            kpi.commitment_id, kpi.supplier, kpi.contract_reference, kpi.contract_title, _pounds(kpi.contract_value_pence),
            kpi.tier, kpi.theme, kpi.measure, kpi.unit, kpi.target, kpi.delivered, kpi.percent, kpi.due_date.isoformat(),
            kpi.status, _pounds(kpi.value_committed_pence), _pounds(kpi.value_delivered_pence), kpi.settlement or "",
            _pounds(kpi.fund_payment_pence),
        )


def case_studies_for(year: Year) -> list:
    from sqlalchemy.orm import selectinload

    from models.stories.case_studies import CaseStudy

    return list(
        db.session.scalars(
            select(CaseStudy)
            .options(selectinload(CaseStudy.commitment))
            .where(CaseStudy.financial_year == year.start)
            .order_by(CaseStudy.kind.desc(), CaseStudy.id)
        )
    )


def report_figures(year_start: int, today: date) -> dict:
    """What the report's templates read (the officers' page and the PDF job): the report,
    and the contract value from which contracts are reported on."""
    from models.tenders.tracing import promised_at_tender

    report = build_report(Year(year_start), today)
    return {
        "report": report,
        "threshold": council_thresholds().basic_from_pence,
        # Contracts awarded from a tender here: what the winning bid promised against what was delivered.
        "promised": promised_at_tender([row.contract_id for row in report.contracts]),
    }


def build_report(year: Year, today: date) -> Report:
    from models.fund.ledger import fund_summary, fund_year

    all_kpis = kpis(year, today, only_in_tier=True, limit=5000)
    groups = commitment_groups(year, today)
    return Report(
        year=year,
        today=today,
        headline=headline(year, today, groups),
        deliveries=delivery_split(year),
        contracts=contracts_over_threshold(year),
        kpis=all_kpis,
        unmet=[kpi for kpi in all_kpis if kpi.status == "unmet"],
        themes=by_theme(year, groups),
        wards=[row for row in delivered_by_ward(year) if row.delivered_pence],
        participation=participation(year),
        diversity=diversity(year),
        case_studies=case_studies_for(year),
        sources=by_source(year, groups),
        directorates=by_directorate(year, groups),
        fund=fund_summary(),
        fund_year=fund_year(year.start),
    )
