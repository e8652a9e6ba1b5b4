"""A ward in figures, as the public sees it: open and public needs, confirmed
deliveries and their value, ward votes (not drafts), verified organisations based there, and
the local indicators an administrator imported for it (models.places.indicators)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from models import db
from models.reporting.ledger import LedgerFilters, LedgerTotals, ledger_totals
from models.needs.search import NeedFilters, public_needs_query
from models.people.organisations import Organisation, OrganisationStatus
from models.places.indicators import WardIndicator
from models.places.wards import Ward
from models.voting.models import Round, RoundState


@dataclass(frozen=True)
class WardSummary:
    open_needs: int
    public_needs: int
    deliveries: LedgerTotals
    rounds: int
    organisations: int
    indicators: list[WardIndicator]


def _count(query) -> int:
    return db.session.scalar(query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)) or 0


def ward_summary(ward: Ward, today: date) -> WardSummary:
    return WardSummary(
        open_needs=_count(public_needs_query(NeedFilters(ward=ward.code, still_open=True), today)),
        public_needs=_count(public_needs_query(NeedFilters(ward=ward.code), today)),
        deliveries=ledger_totals(LedgerFilters(ward=ward.code)),
        rounds=db.session.scalar(
            select(func.count()).select_from(Round).where(Round.ward_id == ward.id, Round.state != RoundState.DRAFT.value)
        )
        or 0,
        organisations=db.session.scalar(
            select(func.count())
            .select_from(Organisation)
            .where(Organisation.ward_id == ward.id, Organisation.status == OrganisationStatus.VERIFIED.value)
        )
        or 0,
        indicators=list(db.session.scalars(
            select(WardIndicator).where(WardIndicator.ward_id == ward.id)
            .order_by(WardIndicator.indicator, WardIndicator.year.desc())
        )),
    )
