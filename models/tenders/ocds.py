"""Recording tenders from Open Contracting (OCDS) releases at the tender stage, such as
Contracts Finder's notices: only the council's own (the buyer check of
models/contracts/council_buyer.py), read with the contract import's helpers
(models/contracts/ocds_import.py: the file's shapes, amounts, dates). `tender_rows` is
pure (no session); `import_tenders` writes (the caller commits). A file may also hold the award
release of a tender recorded here: the award is then recorded from it, to the supplier's sealed
offer, through the same award rule as by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Iterable

from sqlalchemy import select

from models import DomainError, db
from models.contracts.council_buyer import CouncilBuyer, buyer_of, council_buyer
from models.contracts.ocds_import import (
    NO_BUYER,
    NO_OCID,
    AwardRow,
    Skipped,
    _date,
    _dict,
    _pence,
    _find_supplier,
    _text,
    award_rows,
    load_releases,
    other_buyer,
)

if TYPE_CHECKING:
    from models.people.accounts import User

NOT_TENDER_STAGE = "release is not at the tender stage (no active or planned tender)"
NO_CLOSING_DATE = "tender has no closing date (tenderPeriod.endDate)"
NO_TITLE = "tender has no title"
ALREADY = "already recorded"


@dataclass(frozen=True)
class TenderRow:
    ocid: str
    reference: str
    title: str
    description: str
    buyer_department: str | None
    value_pence: int
    closing_date: date


def tender_rows(releases: Iterable[dict[str, Any]], buyer: CouncilBuyer) -> tuple[list[TenderRow], list[Skipped]]:
    """One row per ocid (its latest tender-stage release), and what was skipped and why."""
    rows: dict[str, TenderRow] = {}
    skipped: list[Skipped] = []
    for release in sorted((r for r in releases if isinstance(r, dict)), key=lambda r: str(r.get("date") or "")):
        release_id = _text(str(release.get("id") or "")) or "a release"
        ocid = _text(release.get("ocid"))
        if not ocid or len(ocid) > 120:
            skipped.append(Skipped(release_id, NO_OCID))
            continue
        named = buyer_of(release)
        if not named.ids and not named.names:
            skipped.append(Skipped(release_id, NO_BUYER, ocid))
            continue
        if not buyer.matches(named):
            skipped.append(Skipped(release_id, other_buyer(named.label[:200]), ocid))
            continue
        tender = _dict(release.get("tender"))
        tags = release.get("tag") if isinstance(release.get("tag"), list) else []
        if not tender or tender.get("status") not in ("active", "planned") or release.get("awards") and "tender" not in tags:
            skipped.append(Skipped(release_id, NOT_TENDER_STAGE, ocid))
            continue
        title = _text(tender.get("title"))
        if not title:
            skipped.append(Skipped(release_id, NO_TITLE, ocid))
            continue
        closing = _date(_dict(tender.get("tenderPeriod")).get("endDate"))
        if closing is None:
            skipped.append(Skipped(release_id, NO_CLOSING_DATE, ocid))
            continue
        value, problem = _pence(tender.get("value"))
        if problem and tender.get("value") is not None:
            skipped.append(Skipped(release_id, problem.replace("award", "tender"), ocid))
            continue
        rows[ocid] = TenderRow(
            ocid=ocid, reference=ocid[:160], title=title[:300], description=_text(tender.get("description"))[:5000],
            buyer_department=(named.names[0][:200] if named.names else None), value_pence=value or 0, closing_date=closing,
        )
    return list(rows.values()), skipped


@dataclass
class TenderImport:
    created: list[int] = field(default_factory=list)
    awarded: list[int] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"{len(self.created)} tender{'' if len(self.created) == 1 else 's'} recorded, {len(self.awarded)} awarded, "
            f"{len(self.skipped)} skipped"
        ]
        lines += [f"  {item.ocid or item.where}: {item.reason}" for item in self.skipped]
        return "\n".join(lines)


def no_offer(name: str) -> str:
    return f"awarded to {name}, who made no offer for this tender here"


def _award_from_release(row: AwardRow, tender, officer: "User", today: date, result: TenderImport) -> None:
    """An award release of a tender recorded here: award it to the supplier's submitted offer,
    through the award rule (a supplier with no offer is reported, never awarded)."""
    from models.tenders.rules import AwardDetails, award_tender

    supplier = _find_supplier(row.supplier)
    offer = next(
        (o for o in tender.offers if supplier is not None and o.supplier_id == supplier.id and o.state == "submitted"), None
    )
    if offer is None:
        result.skipped.append(Skipped(row.reference, no_offer(row.supplier.name), row.ocid))
        return
    try:
        award_tender(tender, officer, AwardDetails(offer.id, row.value_pence, row.start_date, row.end_date), today)
    except DomainError as error:
        result.skipped.append(Skipped(row.reference, error.message, row.ocid))
        return
    result.awarded.append(tender.id)


def import_tenders(data: bytes, officer: "User", today: date, buyer: CouncilBuyer | None = None) -> TenderImport:
    """Record a tender for each of the council's tender-stage releases not yet recorded, and
    award each recorded open tender whose award release the file holds."""
    from models.tenders.models import Tender
    from models.tenders.rules import TenderDetails, record_tender

    releases = load_releases(data)
    buyer = buyer if buyer is not None else council_buyer()
    rows, skipped = tender_rows(releases, buyer)
    awards, _ = award_rows(releases, buyer)
    open_tenders = {
        tender.ocid: tender
        for tender in db.session.scalars(
            select(Tender).where(Tender.ocid.in_({award.ocid for award in awards}), Tender.state == "open")
        )
    } if awards else {}
    result = TenderImport(skipped=[item for item in skipped if not (item.ocid in open_tenders and item.reason == NOT_TENDER_STAGE)])
    for award in awards:
        if award.ocid in open_tenders:
            _award_from_release(award, open_tenders[award.ocid], officer, today, result)
    for row in rows:
        if db.session.scalar(select(Tender.id).where((Tender.ocid == row.ocid) | (Tender.reference == row.reference))):
            result.skipped.append(Skipped(row.reference, ALREADY, row.ocid))
            continue
        details = TenderDetails(row.reference, row.title, row.buyer_department, row.value_pence, row.closing_date, row.description)
        result.created.append(record_tender(details, officer, today, ocid=row.ocid, source="ocds").id)
    return result
