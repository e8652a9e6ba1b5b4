"""The Social Value Fund as open data: every entry of its ledger, newest first, with where the
money came from (the agreement whose unmet commitment paid in lieu, or the section 106
agreement and purpose of the money received) and where it went (a ward vote's budget, or a
need funded directly: its 360Giving grant identifier, so the two datasets join). Only what is
public is named: a ward vote still in draft, or a need no longer public, is described, not
named; organisations only, never the officers who moved the money.

Rows are plain tuples read in batches from one query with outer joins (a server-side cursor
on PostgreSQL), so a download of every entry never sits in memory."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterator, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import aliased

from models import db
from models.contracts.models import Commitment, Contract
from models.fund.ledger import SOURCES, FundEntry
from models.needs.models import PUBLIC_STATUSES, Need
from models.people.organisations import Organisation
from models.places.wards import Ward
from models.planning.models import DeveloperAgreement, DeveloperContribution, DeveloperTransaction
from models.pledges.models import Pledge
from models.reporting.delivery_totals import financial_year_of
from models.reporting.ledger import financial_year_label

PUBLIC_ROUND_STATES = ("open", "closed", "published")
HOLDER = aliased(Organisation, name="fund_holder")
GROUP = aliased(Organisation, name="fund_group")
ROUND_WARD = aliased(Ward, name="fund_round_ward")
NEED_WARD = aliased(Ward, name="fund_need_ward")

CSV_HEADER = (
    "Entry", "Date", "Financial year", "Direction", "Source", "Source description", "Amount (£)",
    "Paid by", "Agreement reference", "Agreement kind", "Section 106 agreement", "Section 106 purpose",
    "Ward vote", "Ward", "Ward code", "Need", "Need link", "Group", "360Giving grant",
)


class FundRow(NamedTuple):
    id: int
    created_at: datetime
    direction: str
    source: str
    amount_pence: int
    holder_name: str | None
    agreement_reference: str | None
    agreement_kind: str | None
    s106_reference: str | None
    s106_purpose: str | None
    round_id: int | None
    round_title: str | None
    round_state: str | None
    round_ward_name: str | None
    round_ward_code: str | None
    pledge_id: int | None
    need_id: int | None
    need_title: str | None
    need_status: str | None
    group_name: str | None
    need_ward_name: str | None
    need_ward_code: str | None


def fund_rows(batch: int = 2000, ids: list[int] | None = None) -> Iterator[FundRow]:
    """Every entry, newest first (or only those with these ids: one page of the API)."""
    from models import Round

    query = (
        select(
            FundEntry.id, FundEntry.created_at, FundEntry.direction, FundEntry.source, FundEntry.amount_pence,
            HOLDER.name, Contract.reference, Contract.kind, DeveloperAgreement.reference, DeveloperContribution.purpose_text,
            Round.id, Round.title, Round.state, ROUND_WARD.name, ROUND_WARD.code,
            Pledge.id, Need.id, Need.title, Need.status, GROUP.name, NEED_WARD.name, NEED_WARD.code,
        )
        .outerjoin(Commitment, Commitment.id == FundEntry.commitment_id)
        .outerjoin(Contract, Contract.id == Commitment.contract_id)
        .outerjoin(HOLDER, HOLDER.id == Contract.supplier_id)
        .outerjoin(DeveloperTransaction, DeveloperTransaction.id == FundEntry.developer_transaction_id)
        .outerjoin(DeveloperContribution, DeveloperContribution.id == DeveloperTransaction.contribution_id)
        .outerjoin(DeveloperAgreement, DeveloperAgreement.id == DeveloperContribution.developer_agreement_id)
        .outerjoin(Round, Round.id == FundEntry.round_id)
        .outerjoin(ROUND_WARD, ROUND_WARD.id == Round.ward_id)
        .outerjoin(Pledge, Pledge.id == FundEntry.pledge_id)
        .outerjoin(Need, Need.id == Pledge.need_id)
        .outerjoin(GROUP, GROUP.id == Need.organisation_id)
        .outerjoin(NEED_WARD, NEED_WARD.id == Need.ward_id)
        .order_by(FundEntry.id.desc())
        .execution_options(yield_per=batch, stream_results=True)
    )
    if ids is not None:
        query = query.where(FundEntry.id.in_(ids))
    for row in db.session.execute(query):
        yield FundRow._make(row)


def fund_entry(row: FundRow, grant_prefix: str, need_url: str) -> dict[str, Any]:
    """One entry as the JSON download and the API give it (the CSV flattens the same)."""
    year = financial_year_of(row.created_at)
    found: dict[str, Any] = {
        "id": row.id,
        "date": row.created_at.replace(microsecond=0).isoformat() + "Z",
        "financial_year": {"start": year, "label": financial_year_label(year)},
        "direction": row.direction,
        "source": row.source,
        "source_description": SOURCES[row.source],
        "amount_pence": row.amount_pence,
    }
    if row.source == "payment_in_lieu":
        found["agreement"] = (
            {"reference": row.agreement_reference, "kind": row.agreement_kind, "holder": row.holder_name}
            if row.agreement_reference else None
        )
    elif row.source == "section_106":
        found["section_106"] = {"agreement": row.s106_reference, "purpose": row.s106_purpose} if row.s106_reference else None
    elif row.source == "ward_vote":
        public = row.round_state in PUBLIC_ROUND_STATES
        found["ward_vote"] = {
            "id": row.round_id if public else None,
            "title": row.round_title if public else "A ward vote being prepared",
            "ward": {"code": row.round_ward_code, "name": row.round_ward_name} if row.round_ward_code else None,
        } if row.round_id else None
    elif row.source == "need":
        public = row.need_status in PUBLIC_STATUSES
        found["need"] = {
            "id": row.need_id if public else None,
            "title": row.need_title if public else "A need no longer public",
            "url": f"{need_url}{row.need_id}" if public else None,
            "group": row.group_name if public else None,
            "ward": {"code": row.need_ward_code, "name": row.need_ward_name} if row.need_ward_code and public else None,
            "grant_id": f"{grant_prefix}{row.pledge_id}" if public else None,
        } if row.need_id else None
    return found


def fund_entries(grant_prefix: str, need_url: str, ids: list[int] | None = None) -> Iterator[dict[str, Any]]:
    for row in fund_rows(ids=ids):
        yield fund_entry(row, grant_prefix, need_url)


def fund_figures() -> dict[str, Any]:
    """The Fund's balance and totals by source, and its figures per financial year: the head
    of the JSON download and the API's answer."""
    from models.fund.ledger import fund_summary, fund_years

    summary = fund_summary()
    return {
        "balance_pence": summary.balance_pence,
        "in_pence": summary.in_pence,
        "out_pence": summary.out_pence,
        "by_source": summary.by_source,
        "financial_years": [
            {"start": year.start, "label": year.label, "in_pence": year.in_pence, "out_pence": year.out_pence,
             "by_source": year.by_source, "balance_at_end_pence": year.balance_pence}
            for year in fund_years()
        ],
    }


def fund_csv_row(entry: dict[str, Any]) -> list[Any]:
    agreement = entry.get("agreement") or {}
    s106 = entry.get("section_106") or {}
    vote = entry.get("ward_vote") or {}
    need = entry.get("need") or {}
    ward = vote.get("ward") or need.get("ward") or {}
    pence = entry["amount_pence"]
    return [
        entry["id"], entry["date"][:10], entry["financial_year"]["label"], entry["direction"], entry["source"],
        entry["source_description"], f"{pence // 100}.{pence % 100:02d}",
        agreement.get("holder") or "", agreement.get("reference") or "", agreement.get("kind") or "",
        s106.get("agreement") or "", s106.get("purpose") or "",
        vote.get("title") or "", ward.get("name") or "", ward.get("code") or "",
        need.get("title") or "", need.get("url") or "", need.get("group") or "", need.get("grant_id") or "",
    ]
