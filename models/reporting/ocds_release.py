"""Publishing contracts and their social value in the Open Contracting Data Standard
(OCDS 1.1) as a release package, with the metrics extension: each approved commitment
is an agreed metric of the contract (`contracts[].agreedMetrics`: the target), and what
has been delivered against it is an implementation metric
(`contracts[].implementation.metrics`: the confirmed deliveries allocated to it).

One release per contract of a verified supplier, with a stable ocid (the council's
prefix and the contract's id) and a release id that changes when its content does. The
content depends on the data alone, never on the time of the request: the same data gives
the same release, whenever it is exported.
Contracts are read in batches with their commitments, so the package streams.
(models/ocds.py is the other direction: importing contracts from OCDS files.)"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from models import db
from models.contracts.models import Commitment, Contract
from models.reporting.opendata import OGL, Publisher, json_document, pounds, utc_iso
from models.people.organisations import Organisation, OrganisationStatus
from models.pledges.models import Allocation
from models.places.themes import Measure

METRICS_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_metrics_extension/master/extension.json"
)
SETTLEMENTS = {"fund_payment": "a Social Value Fund payment in lieu", "credit": "a credit approved by the council"}


def _money(pence: int) -> dict[str, Any]:
    return {"amount": pounds(pence), "currency": "GBP"}


def _period(start: date | None, end: date | datetime | None) -> dict[str, str]:
    period = {}
    if start is not None:
        period["startDate"] = utc_iso(start)
    if end is not None:
        period["endDate"] = utc_iso(end) if isinstance(end, datetime) else f"{end.isoformat()}T23:59:59Z"
    return period


def _supplier_party(supplier: Organisation) -> dict[str, Any]:
    number = supplier.registration_number
    party: dict[str, Any] = {"id": f"GB-COH-{number}" if number else f"supplier-{supplier.id}", "name": supplier.name}
    if number:
        party["identifier"] = {"scheme": "GB-COH", "id": number, "legalName": supplier.name}
    party["roles"] = ["supplier"]
    return party


def agreed_metric(commitment: Commitment) -> dict[str, Any]:
    """The commitment's target, as the contract's agreed metric."""
    measure = commitment.measure
    observation: dict[str, Any] = {
        "id": f"commitment-{commitment.id}-target",
        "measure": commitment.target_quantity,
        "unit": {"name": measure.unit},
        "period": _period(commitment.contract.start_date, commitment.due_date),
    }
    if commitment.target_value_pence is not None:
        observation["value"] = _money(commitment.target_value_pence)
    return {
        "id": f"commitment-{commitment.id}",
        "title": measure.name,
        "description": commitment.description or f"{measure.name} ({measure.theme.name})",
        "observations": [observation],
    }


def delivered_metric(commitment: Commitment, as_of: datetime) -> dict[str, Any]:
    """What has been delivered against the commitment: confirmed deliveries allocated to it,
    observed up to `as_of` (when the contract's social value last changed, not the time of
    the request, so that the release stays the same while the data does)."""
    measure, start = commitment.measure, commitment.contract.start_date
    notes = "Confirmed deliveries allocated to this commitment."
    if commitment.settlement:
        notes += f" The shortfall was settled by {SETTLEMENTS[commitment.settlement]}."
    observation: dict[str, Any] = {
        "id": f"commitment-{commitment.id}-delivered",
        "measure": commitment.delivered_quantity,
        "unit": {"name": measure.unit},
        "period": _period(start if start is not None and start <= as_of.date() else None, as_of),
        "notes": notes,
    }
    if commitment.delivered_value_pence is not None:
        observation["value"] = _money(commitment.delivered_value_pence)
    return {"id": f"commitment-{commitment.id}", "title": measure.name, "observations": [observation]}


def contract_release(
    contract: Contract, commitments: list[Commitment], changed: datetime, publisher: Publisher
) -> dict[str, Any]:
    ocid = f"{publisher.ocid_prefix}{contract.id}"
    award_id = f"{contract.id}"
    buyer = {"id": publisher.org_id, "name": publisher.name}
    supplier = _supplier_party(contract.supplier)
    release: dict[str, Any] = {
        "ocid": ocid,
        "date": utc_iso(changed),
        "tag": ["contract", "implementation"] if commitments else ["contract"],
        "initiationType": "tender",
        "language": "en",
        "parties": [{**buyer, "roles": ["buyer"]}, supplier],
        "buyer": buyer,
        "awards": [{
            "id": award_id,
            "title": contract.title,
            "status": "active",
            "value": _money(contract.value_pence),
            "suppliers": [{"id": supplier["id"], "name": supplier["name"]}],
        }],
    }
    record: dict[str, Any] = {
        "id": contract.reference,
        "awardID": award_id,
        "title": contract.title,
        "value": _money(contract.value_pence),
    }
    if contract.start_date or contract.end_date:
        record["period"] = _period(contract.start_date, contract.end_date)
    if commitments:
        record["agreedMetrics"] = [agreed_metric(commitment) for commitment in commitments]
        record["implementation"] = {"metrics": [delivered_metric(commitment, changed) for commitment in commitments]}
    release["contracts"] = [record]
    # The id changes exactly when the content does, and the content is made of the data alone
    # (the date is when it last changed): two exports of the same data give the same id.
    digest = hashlib.sha256(json.dumps(release, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return {"id": f"{ocid}-{digest}", **release}


def _last_changes(contract_ids: list[int]) -> dict[int, datetime]:
    """When each contract's social value last changed: the newest allocation to it."""
    rows = db.session.execute(
        select(Commitment.contract_id, func.max(Allocation.created_at))
        .join(Allocation, Allocation.commitment_id == Commitment.id)
        .where(Commitment.contract_id.in_(contract_ids))
        .group_by(Commitment.contract_id)
    ).all()
    return {contract_id: changed for contract_id, changed in rows}


def contract_releases(publisher: Publisher, batch: int = 200) -> Iterator[dict[str, Any]]:
    """A release per contract of a verified supplier, read `batch` contracts at a time."""
    ids = db.session.scalars(
        select(Contract.id)
        .join(Organisation, Organisation.id == Contract.supplier_id)
        .where(Organisation.status == OrganisationStatus.VERIFIED.value)
        .order_by(Contract.id)
    ).all()
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        contracts = db.session.scalars(
            select(Contract)
            .where(Contract.id.in_(chunk))
            .options(
                selectinload(Contract.supplier),
                selectinload(Contract.commitments).selectinload(Commitment.measure).selectinload(Measure.theme),
            )
            .order_by(Contract.id)
        ).all()
        changes = _last_changes(chunk)
        for contract in contracts:
            approved = [commitment for commitment in contract.commitments if commitment.state == "approved"]
            moments = [contract.created_at, changes.get(contract.id)]
            moments += [moment for commitment in approved for moment in (commitment.created_at, commitment.settled_at)]
            changed = max(moment for moment in moments if moment is not None)
            yield contract_release(contract, approved, changed, publisher)
            db.session.expunge(contract)  # with its commitments: what was yielded is plain data


def _scheme_and_uid(org_id: str) -> dict[str, str]:
    """GB-LAE-BEN: the org-id.guide list GB-LAE, and BEN in it."""
    parts = org_id.split("-", 2)
    return {"scheme": f"{parts[0]}-{parts[1]}", "uid": parts[2]} if len(parts) == 3 else {"uid": org_id}


def release_package(publisher: Publisher, uri: str, published: datetime) -> Iterator[str]:
    """The OCDS 1.1 release package, as text. Only the package's `publishedDate` is the
    time of publication; its releases are the same whenever the same data is exported."""
    head = {
        "uri": uri,
        "version": "1.1",
        "extensions": [METRICS_EXTENSION],
        "publishedDate": utc_iso(published),
        "publisher": {"name": publisher.name, **_scheme_and_uid(publisher.org_id), "uri": publisher.website},
        "license": OGL,
        "publicationPolicy": f"{publisher.website}/open-data",
    }
    return json_document(head, "releases", contract_releases(publisher))
