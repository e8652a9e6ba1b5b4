"""A tender's bid pack, read from the platform: the candidates (models/tenders/bid_pack.py
assembles them with the officers' curation), and an offer's figures (its value in pounds,
themes and wards, needs and ward priorities covered, whether it meets the tier)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from models import db
from models.contracts.tiers import Tier, tier_shortfalls
from models.needs.models import Need, NeedStatus
from models.places.themes import Measure, Theme
from models.tenders.bid_pack import BidPack, PackItem, assemble, item_key, parse_key, vote_candidates
from models.tenders.models import Offer, PackCuration, Reservation, Tender
from models.voting.models import Round, RoundOption, RoundState

MAX_NEEDS = 40


def tier_requirement(tier: Tier) -> str:
    if tier == Tier.NONE:
        return "No formal social value requirement at this value; offers are still welcome."
    return " ".join(tier_shortfalls(tier, []))


def _amount(quantity: int, unit: str) -> str:
    return f"£{quantity:,}" if unit == "£" else f"{quantity:,} {unit}"


def _need_item(need: Need) -> PackItem:
    return PackItem(
        key=item_key("need", need.id), section="need", title=need.title,
        detail=f"{need.organisation.name}: {need.summary.rstrip('. ')}",
        theme=need.theme.name, ward=need.ward.name if need.ward else "Borough-wide",
        still_needed=f"{_amount(need.remaining_quantity, need.unit)} still needed of {_amount(need.quantity, need.unit)}",
        value_pence=need.remaining_value_pence, unit=need.unit,
        facts=(("group", need.organisation.name), ("summary", need.summary.rstrip(". ")),
               ("remaining", _amount(need.remaining_quantity, need.unit)), ("quantity", _amount(need.quantity, need.unit))),
    )


def _measure_item(measure: Measure) -> PackItem:
    proxy = f"worth £{measure.proxy_value_pence / 100:,.2f} a unit" if measure.proxy_value_pence is not None else "no proxy value set"
    return PackItem(
        key=item_key("measure", measure.id), section="measure", title=measure.name,
        detail=f"Counted in {measure.unit}; {proxy}", theme=measure.theme.name,
        value_pence=measure.proxy_value_pence, unit=measure.unit,
        facts=(("unit", measure.unit), ("proxy_pence", measure.proxy_value_pence)),
    )


def _option_item(option: RoundOption, total: int) -> PackItem:
    round_ = option.round
    rank = option.vote_rank or total
    return PackItem(
        key=item_key("option", option.id), section="vote", title=option.title,
        detail=f"{round_.title}: {'won, ' if option.won else ''}ranked {rank} of {total} with {option.votes:,} votes",
        ward=round_.area_name, value_pence=option.cost_pence, won=option.won, rank=rank,
        theme=option.need.theme.name if option.need is not None else "",
        facts=(("round", round_.title), ("won", option.won), ("rank", rank), ("total", total), ("votes", option.votes or 0)),
    )


def _latest_rounds(ward_ids: list[int]) -> list[Round]:
    if not ward_ids:
        return []
    latest = (
        select(Round.ward_id, func.max(Round.published_at).label("at"))
        .where(Round.ward_id.in_(ward_ids), Round.state == RoundState.PUBLISHED.value)
        .group_by(Round.ward_id)
        .subquery()
    )
    return list(db.session.scalars(
        select(Round).join(latest, (latest.c.ward_id == Round.ward_id) & (latest.c.at == Round.published_at))
        .options(selectinload(Round.options).selectinload(RoundOption.need), selectinload(Round.ward))
    ))


def _open_needs(tender: Tender, today: date):
    query = (
        select(Need)
        .options(selectinload(Need.organisation), selectinload(Need.theme), selectinload(Need.ward))
        .where(Need.status == NeedStatus.PUBLISHED.value, Need.deadline >= today, Need.pledged_quantity < Need.quantity)
    )
    if tender.themes:
        query = query.where(Need.theme_id.in_([theme.id for theme in tender.themes]))
    if tender.wards:
        query = query.where(or_(Need.ward_id.in_([ward.id for ward in tender.wards]), Need.ward_id.is_(None)))
    return db.session.scalars(query.order_by(Need.remaining_value_pence.desc(), Need.id).limit(MAX_NEEDS))


def _measures(theme_ids: list[int] | None):
    query = (
        select(Measure).join(Theme).options(selectinload(Measure.theme))
        .where(Measure.active.is_(True), Theme.active.is_(True))
        .order_by(Theme.position, Theme.id, Measure.name)
    )
    if theme_ids:
        query = query.where(Measure.theme_id.in_(theme_ids))
    return db.session.scalars(query)


def curation_of(tender: Tender) -> dict[str, str]:
    return dict(db.session.execute(
        select(PackCuration.item_key, PackCuration.state).where(PackCuration.tender_id == tender.id)
    ).all())


def _extra_items(keys: list[str]) -> list[PackItem]:
    """The items officers added by hand (any published need, measure or published option)."""
    wanted: dict[str, list[int]] = {"need": [], "measure": [], "option": []}
    for key in keys:
        parsed = parse_key(key)
        if parsed:
            wanted[parsed[0]].append(parsed[1])
    items: list[PackItem] = []
    if wanted["need"]:
        needs = db.session.scalars(
            select(Need).options(selectinload(Need.organisation), selectinload(Need.theme), selectinload(Need.ward))
            .where(Need.id.in_(wanted["need"]), Need.status.in_((NeedStatus.PUBLISHED.value, NeedStatus.FULLY_PLEDGED.value)))
        )
        items.extend(_need_item(need) for need in needs)
    if wanted["measure"]:
        items.extend(_measure_item(m) for m in db.session.scalars(
            select(Measure).options(selectinload(Measure.theme)).where(Measure.id.in_(wanted["measure"]), Measure.active.is_(True))
        ))
    if wanted["option"]:
        for option in db.session.scalars(select(RoundOption).where(RoundOption.id.in_(wanted["option"]))):
            if option.round.state == RoundState.PUBLISHED.value:
                items.append(_option_item(option, len(option.round.options)))
    return items


def bid_pack(tender: Tender, today: date) -> BidPack:
    """The tender's bid pack as it stands: assembled now, with the officers' curation."""
    candidates: list[PackItem] = []
    for round_ in _latest_rounds([ward.id for ward in tender.wards]):
        total = len(round_.options)
        candidates.extend(vote_candidates(_option_item(option, total) for option in round_.options))
    candidates.extend(_need_item(need) for need in _open_needs(tender, today))
    candidates.extend(_measure_item(measure) for measure in _measures([theme.id for theme in tender.themes]))
    curation = curation_of(tender)
    have = {item.key for item in candidates}
    extra = _extra_items([key for key, state in curation.items() if state in ("added", "pinned") and key not in have])
    tier = tender.tier()
    return assemble(candidates, curation, extra, tier.label, tier_requirement(tier))


# An offer's figures ----------------------------------------------------------------------


@dataclass
class OfferFigures:
    value_pence: int
    unpriced_lines: int
    themes: list[str]
    wards: list[str]
    needs_covered: int
    priorities_covered: int
    shortfalls: list[str]

    @property
    def meets_tier(self) -> bool:
        return not self.shortfalls


def offer_figures(offer: Offer, priority_keys: set[str] | None = None) -> OfferFigures:
    """Value in pounds (commitments at their measures' proxy values, reserved needs at their
    share of the need's value), the themes and wards it touches, and the tier's shortfalls."""
    from models.places.wards import Ward

    value, unpriced = 0, 0
    themes: dict[int, str] = {}
    ward_ids: set[int] = set()
    ward_names: set[str] = set()
    for line in offer.lines:
        if line.value_pence is None:
            unpriced += 1
        else:
            value += line.value_pence
        themes[line.measure.theme_id] = line.measure.theme.name
        ward_ids.update(line.ward_ids or [])
    for reservation in offer.reservations:
        value += reservation.value_pence
        themes[reservation.need.theme_id] = reservation.need.theme.name
        ward_names.add(reservation.need.ward.name if reservation.need.ward else "Borough-wide")
    if ward_ids:
        ward_names.update(db.session.scalars(select(Ward.name).where(Ward.id.in_(ward_ids))))
    keys = {line.pack_key for line in offer.lines if line.pack_key} | {r.pack_key for r in offer.reservations}
    priorities = len(keys & priority_keys) if priority_keys is not None else 0
    return OfferFigures(
        value_pence=value, unpriced_lines=unpriced, themes=sorted(themes.values()), wards=sorted(ward_names),
        needs_covered=len(offer.reservations), priorities_covered=priorities,
        shortfalls=tier_shortfalls(offer.tender.tier(), [line.measure.theme_id for line in offer.lines]),
    )


def ward_priority_keys(pack: BidPack) -> set[str]:
    """The pack items that stand for what residents voted for: the vote options, and the
    needs that were options (a need and its option are the same priority)."""
    keys = {item.key for _, _, items in pack.sections for item in items if item.section == "vote"}
    option_ids = [parse_key(key)[1] for key in keys]
    if option_ids:
        keys |= {
            item_key("need", need_id)
            for need_id in db.session.scalars(select(RoundOption.need_id).where(RoundOption.id.in_(option_ids), RoundOption.need_id.is_not(None)))
        }
    return keys


def offers_reserving(need_ids: list[int]) -> dict[int, int]:
    """How many submitted offers reserve each need (what its group sees: never who)."""
    if not need_ids:
        return {}
    return dict(db.session.execute(
        select(Reservation.need_id, func.count())
        .join(Offer, Offer.id == Reservation.offer_id)
        .where(Reservation.need_id.in_(need_ids), Offer.state == "submitted")
        .group_by(Reservation.need_id)
    ).all())
