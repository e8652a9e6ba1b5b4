"""Publishing contracts and their social value in the Open Contracting Data Standard
(OCDS 1.1) as a release package, with the metrics extension: each approved commitment
is an agreed metric of the contract (`contracts[].agreedMetrics`: the target), and what
has been delivered against it is an implementation metric
(`contracts[].implementation.metrics`: the confirmed deliveries allocated to it).

One release per contract of a verified supplier, with a stable ocid (the council's
prefix and the contract's id; or, for a contract imported from an OCDS release of the
council's, that release's own ocid and award id) and a release id that changes when its
content does. The
content depends on the data alone, never on the time of the request: the same data gives
the same release, whenever it is exported.

As the metrics extension asks, an observation carries a `value` for a financial metric (a
measure counted in pounds) and a `measure` with its `unit` for any other, never both; a
unit names its UN/CEFACT Recommendation 20 code (scheme `UNCEFACT`). A measure with a
proxy value (what one unit is worth) has that valuation as an observation of its own.
The award's `date` is the latest moment the contract is known to have been awarded by: its
start, or the day the council recorded it here if that came first. OCDS 1.1 requires an
`initiationType`, and its one code, `tender`, says a tender began the process: so every
release has its `tender`, the process (its id is the ocid) that ended in this award, which
is all the platform knows of it.
Contracts are read in batches with their commitments, so the package streams.
(models/contracts/ocds_import.py is the other direction: importing contracts from OCDS files.)"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from typing import Any, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from models import db
from models.contracts.models import Commitment, Contract
from models.matching.scoring import unit_key
from models.core.money import format_pence
from models.reporting.opendata import OGL, Publisher, json_document, pounds, utc_iso
from models.people.organisations import Organisation, OrganisationStatus
from models.pledges.models import Allocation
from models.places.themes import Measure
from models.tenders.models import Tender

# The metrics extension's tagged version v1.1, by the metadata URL the OCDS Extension Registry
# lists for it (a tag, so the schema the data is read with never changes under it).
METRICS_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_metrics_extension/v1.1/extension.json"
)
# UN/CEFACT Recommendation 20 common codes for the units social value is counted in, by the
# first word of the unit found here (singular); any other unit is a count of things (meals,
# laptops, apprenticeships): C62, "one".
UNCEFACT_UNITS = {
    "hour": "HUR", "hr": "HUR", "week": "WEE", "day": "DAY", "month": "MON", "year": "ANN",
    "kwh": "KWH", "tonne": "TNE", "kg": "KGM", "kilogram": "KGM", "km": "KMT", "kilometre": "KMT",
    "litre": "LTR", "square": "MTK", "m2": "MTK", "m²": "MTK", "metre": "MTR",
}
COUNT = "C62"
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


def is_financial(measure: Measure) -> bool:
    """A measure counted in pounds ("£", "£ value"): its quantities are amounts of money."""
    return unit_key(measure.unit) == "£"


def uncefact_unit(unit: str) -> dict[str, str]:
    """The unit as the metrics extension's `unit`: its name as the council wrote it, and its
    UN/CEFACT Recommendation 20 code ("volunteer hours": HUR; "laptops": C62)."""
    words = (word.removesuffix("s") for word in re.findall(r"[\w²]+", unit.lower()))
    code = next((UNCEFACT_UNITS[word] for word in words if word in UNCEFACT_UNITS), COUNT)
    return {"name": unit.strip(), "scheme": "UNCEFACT", "id": code}


def _observations(
    key: str, measure: Measure, quantity: int, period: dict[str, str], what: str, notes: str | None = None
) -> list[dict[str, Any]]:
    """The observations of `quantity` of `measure` (`what` it is: the target...): a value for a
    financial measure, else a measure with its unit, and then its value at the measure's proxy
    value, if it has one."""
    extra = {"notes": notes} if notes else {}
    if is_financial(measure):
        return [{"id": key, "value": _money(quantity * 100), "period": period, **extra}]
    observations = [{"id": key, "measure": quantity, "unit": uncefact_unit(measure.unit), "period": period, **extra}]
    if measure.proxy_value_pence is not None:
        proxy = format_pence(measure.proxy_value_pence)
        observations.append({
            "id": f"{key}-value",
            "value": _money(quantity * measure.proxy_value_pence),
            "period": period,
            "notes": f"The {what} valued at the measure's proxy value, {proxy} for each of its {measure.unit.strip()}.",
        })
    return observations


def agreed_metric(commitment: Commitment) -> dict[str, Any]:
    """The commitment's target, as the contract's agreed metric."""
    measure = commitment.measure
    period = _period(commitment.contract.start_date, commitment.due_date)
    return {
        "id": f"commitment-{commitment.id}",
        "title": measure.name,
        "description": commitment.description or f"{measure.name} ({measure.theme.name})",
        "observations": _observations(
            f"commitment-{commitment.id}-target", measure, commitment.target_quantity, period, "target"
        ),
    }


def delivered_metric(commitment: Commitment, as_of: datetime) -> dict[str, Any]:
    """What has been delivered against the commitment: confirmed deliveries allocated to it and
    accepted supplier returns,
    observed up to `as_of` (when the contract's social value last changed, not the time of
    the request, so that the release stays the same while the data does)."""
    measure, start = commitment.measure, commitment.contract.start_date
    notes = "Confirmed deliveries allocated to this commitment, and supplier returns the council accepted."
    if commitment.settlement:
        notes += f" The shortfall was settled by {SETTLEMENTS[commitment.settlement]}."
    period = _period(start if start is not None and start <= as_of.date() else None, as_of)
    key = f"commitment-{commitment.id}-delivered"
    return {
        "id": f"commitment-{commitment.id}",
        "title": measure.name,
        "observations": _observations(key, measure, commitment.total_delivered, period, "delivered quantity", notes),
    }


def award_date(contract: Contract) -> datetime:
    """The latest moment the contract is known to have been awarded by: the start of its first
    day, or when the council recorded it here if that came first (the platform holds no
    decision date)."""
    recorded = contract.created_at.replace(microsecond=0)
    if contract.start_date is None:
        return recorded
    return min(recorded, datetime(contract.start_date.year, contract.start_date.month, contract.start_date.day))


def ocid_and_award_id(contract: Contract, publisher: Publisher) -> tuple[str, str]:
    """The contracting process a contract is published under, and its award's id there. A
    contract imported from an OCDS release keeps that release's ocid and award id, so the
    same process is not published twice under two ocids; one recorded here by hand gets the
    council's ocid prefix and its own id."""
    if contract.source == "ocds" and contract.ocid and contract.reference.startswith(f"{contract.ocid}/"):
        award_id = contract.reference.removeprefix(f"{contract.ocid}/")
        if award_id:
            return contract.ocid, award_id
    if contract.source == "tender" and contract.ocid:
        return contract.ocid, f"{contract.id}"  # awarded here from a tender imported from OCDS: its process
    return f"{publisher.ocid_prefix}{contract.id}", f"{contract.id}"


def tender_section(ocid: str, contract: Contract, tender: "Tender | None") -> dict[str, Any]:
    """The process that ended in the award (complete): initiationType `tender` needs it. A
    contract awarded here from a tender (models/tenders/) publishes that tender under the same
    ocid: its estimate, closing date and how many sealed offers were made."""
    if tender is None:
        return {"id": ocid, "title": contract.title, "status": "complete"}
    section: dict[str, Any] = {
        "id": tender.reference, "title": tender.title, "status": "complete", "value": _money(tender.value_pence),
        "tenderPeriod": {"endDate": f"{tender.closing_date.isoformat()}T23:59:59Z"},
        "numberOfTenderers": sum(1 for offer in tender.offers if offer.submitted_at is not None),
    }
    if tender.description:
        section["description"] = tender.description
    return section


def contract_release(
    contract: Contract, commitments: list[Commitment], changed: datetime, publisher: Publisher,
    tender: "Tender | None" = None,
) -> dict[str, Any]:
    ocid, award_id = ocid_and_award_id(contract, publisher)
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
        "tender": tender_section(ocid, contract, tender),
        "awards": [{
            "id": award_id,
            "title": contract.title,
            "status": "active",
            "date": utc_iso(award_date(contract)),
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
        tenders = {
            tender.contract_id: tender
            for tender in db.session.scalars(
                select(Tender).where(Tender.contract_id.in_(chunk)).options(selectinload(Tender.offers))
            )
        }
        for contract in contracts:
            approved = [commitment for commitment in contract.commitments if commitment.state == "approved"]
            moments = [contract.created_at, changes.get(contract.id)]
            moments += [moment for commitment in approved for moment in (commitment.created_at, commitment.settled_at)]
            changed = max(moment for moment in moments if moment is not None)
            yield contract_release(contract, approved, changed, publisher, tenders.get(contract.id))
            db.session.expunge(contract)  # with its commitments: what was yielded is plain data


def _scheme_and_uid(org_id: str) -> dict[str, str]:
    """GB-LAE-BEN: the org-id.guide list GB-LAE, and BEN in it."""
    parts = org_id.split("-", 2)
    return {"scheme": f"{parts[0]}-{parts[1]}", "uid": parts[2]} if len(parts) == 3 else {"uid": org_id}


def release_package(publisher: Publisher, uri: str, published: datetime) -> Iterator[str]:
    """The OCDS 1.1 release package, as text. Only the package's `publishedDate` is the
    time of publication; its releases are the same whenever the same data is exported."""
    return json_document(package_head(publisher, uri, published), "releases", contract_releases(publisher))


def package_head(publisher: Publisher, uri: str, published: datetime) -> dict[str, Any]:
    """A release package's fields but its releases (the metrics extension declared)."""
    return {
        "uri": uri,
        "version": "1.1",
        "extensions": [METRICS_EXTENSION],
        "publishedDate": utc_iso(published),
        "publisher": {"name": publisher.name, **_scheme_and_uid(publisher.org_id), "uri": publisher.website},
        "license": OGL,
        "publicationPolicy": f"{publisher.website}/open-data",
    }
