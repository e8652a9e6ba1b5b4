"""What the API shows of each thing, as JSON-ready dicts. Organisations are named;
people never are (no names, emails or who voted for what). Money is whole pence,
times are UTC (RFC 3339), days are YYYY-MM-DD."""

from __future__ import annotations

from typing import Any

from flask import url_for

from models import Need, Organisation, Round, Theme, Ward
from models.reporting.ledger import LedgerRow, LedgerTotals
from models.reporting.opendata import utc_iso
from models.voting.models import RoundState
from models.voting.count import Turnout, spent_pence
from models.reporting.scorecards import CommitmentLine, Scorecard
from models.places.ward_summary import WardSummary


def _when(moment) -> str | None:
    return utc_iso(moment) if moment is not None else None


def ward_ref(ward: Ward | None) -> dict[str, str] | None:
    return {"code": ward.code, "name": ward.name} if ward is not None else None


def theme_json(theme: Theme) -> dict[str, Any]:
    return {"slug": theme.slug, "name": theme.name, "description": theme.description}


def organisation_ref(organisation: Organisation) -> dict[str, Any]:
    return {"id": organisation.id, "name": organisation.name}


def need_json(need: Need, detail: bool = False) -> dict[str, Any]:
    found = {
        "id": need.id,
        "title": need.title,
        "summary": need.summary,
        "kind": need.kind,
        "status": need.status,
        "quantity": need.quantity,
        "unit": need.unit,
        "value_pence": need.value_pence,
        "pledged_quantity": need.pledged_quantity,
        "delivered_quantity": need.delivered_quantity,
        "remaining_quantity": need.remaining_quantity,
        "beneficiaries": need.beneficiaries,
        "deadline": need.deadline.isoformat(),
        "published_at": _when(need.published_at),
        "ward": ward_ref(need.ward),
        "theme": {"slug": need.theme.slug, "name": need.theme.name},
        "organisation": organisation_ref(need.organisation),
        "url": url_for("public.need", need_id=need.id, _external=True),
        "api_url": url_for("api.need", need_id=need.id, _external=True),
    }
    if detail:
        found["description_markdown"] = need.description
    return found


def ward_json(ward: Ward, summary: WardSummary | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "code": ward.code,
        "name": ward.name,
        "lad_code": ward.lad_code,
        "url": url_for("public.ward", code=ward.code, _external=True),
        "api_url": url_for("api.ward", code=ward.code, _external=True),
    }
    if summary is not None:
        found["counts"] = {
            "open_needs": summary.open_needs,
            "public_needs": summary.public_needs,
            "confirmed_deliveries": summary.deliveries.count,
            "delivered_value_pence": summary.deliveries.value_pence,
            "rounds": summary.rounds,
            "organisations": summary.organisations,
        }
        found["indicators"] = [
            {"indicator": row.indicator, "year": row.year, "value": row.value, "source": row.source}
            for row in summary.indicators
        ]
    return found


def round_json(round_: Round) -> dict[str, Any]:
    return {
        "id": round_.id,
        "title": round_.title,
        "ward": ward_ref(round_.ward),
        "area": round_.area_name,
        "state": round_.state,
        "method": round_.method,
        "max_choices": round_.max_choices,
        "rule": round_.rule,
        "budget_pence": round_.budget_pence,
        "currency": round_.currency,
        "opens_at": utc_iso(round_.opens_at),
        "closes_at": utc_iso(round_.closes_at),
        "url": url_for("public.round", round_id=round_.id, _external=True),
        "api_url": url_for("api.round", round_id=round_.id, _external=True),
    }


def round_detail_json(round_: Round, turnout: Turnout | None) -> dict[str, Any]:
    """Options always; votes, rank and winners only once the results are published."""
    published = round_.state == RoundState.PUBLISHED.value
    options = []
    for option in round_.options:
        found: dict[str, Any] = {
            "position": option.position,
            "title": option.title,
            "description": option.description,
            "group": option.group_name or None,
            "cost_pence": option.cost_pence,
            "need_id": option.need_id,
        }
        if published:
            found.update(votes=option.votes, rank=option.vote_rank, selected=option.won)
        options.append(found)
    found_round = {**round_json(round_), "description": round_.description, "options": options}
    if published and turnout is not None:
        found_round["results"] = {
            "published_at": _when(round_.published_at),
            "spent_pence": spent_pence(round_),
            "turnout": {"online": turnout.online, "paper": turnout.on_paper, "imported": turnout.imported,
                        "total": turnout.total},
        }
    return found_round


def delivery_json(row: LedgerRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "confirmed_at": utc_iso(row.confirmed_at),
        "supplier": {"id": row.supplier_id, "name": row.supplier_name},
        "source": row.source,
        "group": {"id": row.group_id, "name": row.group_name},
        "need": {
            "id": row.need_id,
            "title": row.need_title,
            "url": url_for("public.need", need_id=row.need_id, _external=True) if row.need_is_public else None,
        },
        "ward": {"code": row.ward_code, "name": row.ward_name} if row.ward_code is not None else None,
        "theme": {"slug": row.theme_slug, "name": row.theme_name},
        "kind": row.kind,
        "quantity": row.quantity,
        "unit": row.unit,
        "value_pence": row.value_pence,
    }


def supplier_json(supplier: Organisation, deliveries: LedgerTotals) -> dict[str, Any]:
    return {
        "id": supplier.id,
        "name": supplier.name,
        "company_number": supplier.registration_number,
        "size_band": supplier.size_band,
        "based_in_borough": supplier.based_in_borough,
        "confirmed_deliveries": deliveries.count,
        "delivered_value_pence": deliveries.value_pence,
        "url": url_for("organisations.show", organisation_id=supplier.id, _external=True),
        "api_url": url_for("api.supplier", supplier_id=supplier.id, _external=True),
    }


def commitment_json(line: CommitmentLine) -> dict[str, Any]:
    return {
        "id": line.id,
        "contract_id": line.contract_id,
        "measure": line.measure,
        "theme": line.theme,
        "unit": line.unit,
        "description": line.description,
        "target_quantity": line.target_quantity,
        "delivered_quantity": line.delivered_quantity,
        "delivered_through_pledges": line.delivered_through_pledges,
        "delivered_through_returns": line.delivered_through_returns,
        "due_date": line.due_date.isoformat(),
        "status": line.status.value,
        "target_value_pence": line.target_value_pence,
        "delivered_value_pence": line.delivered_value_pence,
        "settlement": line.settlement,
    }


def scorecard_json(card: Scorecard) -> dict[str, Any]:
    return {
        **supplier_json(card.supplier, card.deliveries),
        "contracts": [
            {
                "id": contract.id,
                "reference": contract.reference,
                "title": contract.title,
                # The kind of agreement the commitments come from (models/contracts/agreements.py).
                "source": contract.kind,
                "value_pence": contract.value_pence,
                "start_date": contract.start_date.isoformat() if contract.start_date else None,
                "end_date": contract.end_date.isoformat() if contract.end_date else None,
            }
            for contract in card.contracts
        ],
        "commitments": [commitment_json(line) for line in card.commitments],
        "totals": {
            "contracts_value_pence": card.contracts_value_pence,
            "committed_value_pence": card.committed_value_pence,
            "commitments_delivered_value_pence": card.commitments_delivered_value_pence,
            "commitments_by_status": {status.value: count for status, count in card.status_counts().items()},
        },
        "kpi_ratings": [
            {
                "contract_reference": rated.contract_reference, "kpi": rated.measure, "unit": rated.unit,
                "year_start": rated.year_start.isoformat(), "year_end": rated.year_end.isoformat(), "rating": rated.rating,
                "explanation": rated.reason, "delivered": rated.delivered, "pro_rata_target": rated.pro_rata_target,
            }
            for rated in card.ratings
        ],
    }
