"""Importing contracts from Open Contracting Data Standard (OCDS) data.

Two halves. The parsing functions (`load_releases`, `award_rows`) are pure: they
take bytes or dicts and return plain rows, with no Flask and no session, so they
can be tested alone. `import_ocds` is the rule that writes: it matches or creates
the supplier organisations and creates or updates one Contract per award, with
the reference f"{ocid}/{award id}". It never commits: the caller does, so a file
that fails part-way writes nothing.

Accepted shapes: a release package ({"releases": [...]}), a record package
({"records": [{"compiledRelease": ...} or {"releases": [...]}]}), or a bare list
of releases. Importing the same file twice changes nothing."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation, ROUND_HALF_UP
from typing import TYPE_CHECKING, Any, Iterable

from sqlalchemy import func, select

from models import DomainError, db
from models.people.registration_numbers import normalise_company_number

if TYPE_CHECKING:
    from models.people.accounts import User
    from models.people.organisations import Organisation

MAX_OCDS_BYTES = 20 * 1024 * 1024
MAX_SKIPPED_LISTED = 200

NOT_OCDS = (
    "This file is JSON but not Open Contracting data: expected a release package "
    '({"releases": [...]}), a record package ({"records": [...]}) or a list of releases.'
)

# Why an award or release was not imported, in words an officer reads on the report.
NO_AWARDS = "release has no awards"
NO_OCID = "release has no ocid"
NO_AWARD_ID = "award has no id"
NOT_ACTIVE = "award is not active (cancelled or unsuccessful)"
NO_SUPPLIERS = "award has no suppliers"
SEVERAL_SUPPLIERS = "award has several suppliers sharing one value (a framework or grant programme)"
NO_VALUE = "award has no value"
ZERO_VALUE = "award value is zero (not published)"
NOT_GBP = "value is not in pounds (GBP)"
NEGATIVE_VALUE = "value is negative"
TOO_LARGE = "value is too large to be a council contract"
DATES_REVERSED = "contract period ends before it starts"
NO_TITLE = "award has no title"
SUPERSEDED = "superseded by a later release of the same award in this file"
MANUAL_CONTRACT = "a contract with this reference was recorded by hand"
REFERENCE_TOO_LONG = "ocid and award id are too long for a contract reference"


# Parsing (pure) ------------------------------------------------------------------


def load_releases(data: bytes) -> list[dict[str, Any]]:
    """The releases in an OCDS file, or a DomainError that says what is wrong with it."""
    if len(data) > MAX_OCDS_BYTES:
        raise DomainError(f"The file is too large: Open Contracting files must be {MAX_OCDS_BYTES // (1024 * 1024)} MB or smaller.", field="file")
    if not data.strip():
        raise DomainError("The file is empty.", field="file")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise DomainError("The file is not valid JSON: it is not UTF-8 text.", field="file")
    except json.JSONDecodeError as error:
        raise DomainError(
            f"The file is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}.", field="file"
        )
    except RecursionError:
        raise DomainError("The file is not valid JSON: it is nested too deeply.", field="file")

    if isinstance(document, list):
        releases = document
    elif isinstance(document, dict) and isinstance(document.get("releases"), list):
        releases = document["releases"]
    elif isinstance(document, dict) and isinstance(document.get("records"), list):
        releases = []
        for record in document["records"]:
            if not isinstance(record, dict):
                raise DomainError(NOT_OCDS, field="file")
            if isinstance(record.get("compiledRelease"), dict):
                releases.append(record["compiledRelease"])
            elif isinstance(record.get("releases"), list):
                # Linked releases ({"url": ..., "date": ...}) carry no content to import.
                releases.extend(item for item in record["releases"] if isinstance(item, dict) and "ocid" in item)
            else:
                raise DomainError(NOT_OCDS, field="file")
    else:
        raise DomainError(NOT_OCDS, field="file")
    if not all(isinstance(release, dict) for release in releases):
        raise DomainError(NOT_OCDS, field="file")
    if releases and not any(isinstance(release.get("ocid"), str) for release in releases):
        raise DomainError(NOT_OCDS, field="file")
    return releases


@dataclass(frozen=True)
class SupplierRef:
    """A supplier as the file names it: its name, legal name and company number (if any)."""

    name: str
    legal_name: str | None = None
    company_number: str | None = None


@dataclass(frozen=True)
class AwardRow:
    reference: str
    ocid: str
    release_date: str
    title: str
    buyer_department: str | None
    value_pence: int
    start_date: date | None
    end_date: date | None
    supplier: SupplierRef
    suitable_for_sme: bool | None


@dataclass(frozen=True)
class Skipped:
    where: str  # the reference, or the release id when there is no award
    reason: str


def _text(value: Any) -> str:
    return html.unescape(value).strip() if isinstance(value, str) else ""


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None


def _pence(value: Any) -> tuple[int | None, str | None]:
    """(pence, None) or (None, why not)."""
    if not isinstance(value, dict) or value.get("amount") is None:
        return None, NO_VALUE
    currency = value.get("currency")
    if currency not in (None, "GBP"):
        return None, NOT_GBP
    amount = value["amount"]
    if isinstance(amount, bool):
        return None, NO_VALUE
    try:
        pounds = Decimal(str(amount).strip())
    except InvalidOperation:
        return None, NO_VALUE
    if not pounds.is_finite():
        return None, NO_VALUE
    if pounds < 0:
        return None, NEGATIVE_VALUE
    pence = int((pounds * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    # Contracts Finder publishes 0 when a value is withheld: not a £0 contract.
    if pence == 0:
        return None, ZERO_VALUE
    from models.contracts.models import MAX_CONTRACT_VALUE_PENCE

    if pence > MAX_CONTRACT_VALUE_PENCE:
        return None, TOO_LARGE
    return pence, None


def _company_number(identifier: Any) -> str | None:
    if not isinstance(identifier, dict) or identifier.get("scheme") != "GB-COH":
        # Other schemes (GB-SRS, GB-CFS, ...) are not company numbers: matching them
        # against our registration numbers could join two different firms.
        return None
    raw = str(identifier.get("id") or "").strip()
    if raw.endswith(".0") and raw[:-2].isdigit():
        raw = raw[:-2]  # a number that passed through a spreadsheet
    return normalise_company_number(raw) if raw else None


def _supplier_ref(reference: dict[str, Any], parties: dict[str, dict[str, Any]]) -> SupplierRef | None:
    party = parties.get(str(reference.get("id"))) or {}
    identifier = party.get("identifier") if isinstance(party.get("identifier"), dict) else {}
    name = _text(reference.get("name")) or _text(party.get("name")) or _text(identifier.get("legalName"))
    if not name:
        return None
    legal_name = _text(identifier.get("legalName")) or None
    return SupplierRef(name=name[:160], legal_name=(legal_name[:160] if legal_name else None), company_number=_company_number(identifier))


def _matching_contract(release: dict[str, Any], award_id: str) -> dict[str, Any]:
    for contract in release.get("contracts") or []:
        if isinstance(contract, dict) and str(contract.get("awardID")) == award_id:
            return contract
    return {}


def award_rows(releases: Iterable[dict[str, Any]]) -> tuple[list[AwardRow], list[Skipped]]:
    """One row per award (the latest release wins), and what was skipped and why."""
    ordered = sorted(
        (release for release in releases if isinstance(release, dict)),
        key=lambda release: str(release.get("date") or ""),
    )
    outcomes: dict[str, AwardRow | Skipped] = {}  # by reference: the latest release's outcome
    skipped: list[Skipped] = []
    for release in ordered:
        release_id = str(release.get("id") or release.get("ocid") or "a release")
        ocid = release.get("ocid")
        if not isinstance(ocid, str) or not ocid.strip():
            skipped.append(Skipped(release_id, NO_OCID))
            continue
        awards = [award for award in release.get("awards") or [] if isinstance(award, dict)]
        if not awards:
            skipped.append(Skipped(release_id, NO_AWARDS))
            continue
        for award in awards:
            award_id = str(award.get("id") or "").strip()
            if not award_id:
                skipped.append(Skipped(release_id, NO_AWARD_ID))
                continue
            reference = f"{ocid.strip()}/{award_id}"
            if reference in outcomes:
                skipped.append(Skipped(reference, SUPERSEDED))
            outcomes[reference] = _award_outcome(release, award, reference)
    rows = [outcome for outcome in outcomes.values() if isinstance(outcome, AwardRow)]
    skipped.extend(outcome for outcome in outcomes.values() if isinstance(outcome, Skipped))
    return rows, skipped


def _award_outcome(release: dict[str, Any], award: dict[str, Any], reference: str) -> AwardRow | Skipped:
    parties = {str(party.get("id")): party for party in release.get("parties") or [] if isinstance(party, dict)}
    tender = release.get("tender") if isinstance(release.get("tender"), dict) else {}
    buyer = release.get("buyer") if isinstance(release.get("buyer"), dict) else {}
    buyer_name = _text(buyer.get("name")) or next(
        (_text(party.get("name")) for party in parties.values() if "buyer" in (party.get("roles") or [])), ""
    )
    suitability = tender.get("suitability") if isinstance(tender.get("suitability"), dict) else {}
    sme = suitability.get("sme") if isinstance(suitability.get("sme"), bool) else None
    if len(reference) > 160:
        return Skipped(reference, REFERENCE_TOO_LONG)
    if award.get("status") in ("cancelled", "unsuccessful"):
        return Skipped(reference, NOT_ACTIVE)
    suppliers = [item for item in award.get("suppliers") or [] if isinstance(item, dict)]
    if len(suppliers) > 1:
        # One value shared by several firms says nothing about what each holds.
        return Skipped(reference, SEVERAL_SUPPLIERS)
    supplier = _supplier_ref(suppliers[0], parties) if suppliers else None
    if supplier is None:
        return Skipped(reference, NO_SUPPLIERS)
    contract = _matching_contract(release, str(award.get("id")).strip())
    value_pence, problem = _pence(contract.get("value") if contract.get("value") is not None else award.get("value"))
    if problem:
        return Skipped(reference, problem)
    period = contract.get("period") or award.get("contractPeriod") or tender.get("contractPeriod") or {}
    period = period if isinstance(period, dict) else {}
    start, end = _date(period.get("startDate")), _date(period.get("endDate"))
    if start and end and end < start:
        return Skipped(reference, DATES_REVERSED)
    title = _text(contract.get("title")) or _text(award.get("title")) or _text(tender.get("title"))
    if not title:
        return Skipped(reference, NO_TITLE)
    return AwardRow(
        reference=reference,
        ocid=str(release["ocid"]).strip()[:120],
        release_date=str(release.get("date") or ""),
        title=title[:300],
        buyer_department=buyer_name[:200] or None,
        value_pence=value_pence,
        start_date=start,
        end_date=end,
        supplier=supplier,
        suitable_for_sme=sme,
    )


# The import rule (uses the session) ----------------------------------------------


@dataclass
class OcdsReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    suppliers_created: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    skipped_items: list[dict[str, str]] = field(default_factory=list)

    def skip(self, where: str, reason: str) -> None:
        self.skipped += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1
        if len(self.skipped_items) < MAX_SKIPPED_LISTED:
            self.skipped_items.append({"where": where, "reason": reason})

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "suppliers_created": self.suppliers_created,
            "reasons": dict(sorted(self.reasons.items())),
            "skipped_items": self.skipped_items,
        }

    def summary(self) -> str:
        text = (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, {self.skipped} skipped; "
            f"{self.suppliers_created} new supplier{'' if self.suppliers_created == 1 else 's'} to verify"
        )
        if self.reasons:
            text += "\n" + "\n".join(f"  {reason}: {count}" for reason, count in sorted(self.reasons.items()))
        return text


def _find_supplier(ref: SupplierRef) -> "Organisation | None":
    from models.people.organisations import Organisation

    suppliers = select(Organisation).where(Organisation.kind == "supplier").order_by(Organisation.id).limit(1)
    if ref.company_number:
        found = db.session.scalar(suppliers.where(Organisation.registration_number == ref.company_number))
        if found is not None:
            return found
    for name in filter(None, (ref.name, ref.legal_name)):
        found = db.session.scalar(suppliers.where(func.lower(Organisation.name) == name.lower()))
        if found is not None:
            return found
    return None


def _create_supplier(ref: SupplierRef, suitable_for_sme: bool | None) -> "Organisation":
    from models.core.events import record_event
    from models.people.organisations import Organisation, OrganisationStatus, number_taken

    # A company number is one organisation's (a community interest company registered as a
    # group may hold it): then the new supplier waits for an officer without it.
    number = None if number_taken("company", ref.company_number) else ref.company_number
    organisation = Organisation(
        kind="supplier",
        name=ref.name,
        legal_form="company",
        registration_number=number,
        # A default an officer should correct: OCDS says whether the *tender* suited
        # SMEs, not how big the winning firm is.
        size_band="small" if suitable_for_sme else "large",
        status=OrganisationStatus.PENDING.value,
        created_by_id=None,
    )
    db.session.add(organisation)
    db.session.flush()
    record_event("organisation.created", organisation, actor=None, to_state="pending", detail={"source": "ocds"})
    return organisation


CONTRACT_FIELDS = ("title", "buyer_department", "supplier_id", "value_pence", "start_date", "end_date", "ocid")


def import_ocds(data: bytes, officer: "User | None" = None) -> OcdsReport:
    """Create or update a Contract per award in an OCDS file. The caller commits."""
    from models.contracts.models import Contract
    from models.core.events import record_event

    if officer is not None and not officer.is_officer:
        from models import PermissionDenied

        raise PermissionDenied("Only council officers can import contracts")
    rows, skipped = award_rows(load_releases(data))
    report = OcdsReport()
    for item in skipped:
        report.skip(item.where, item.reason)
    for row in rows:
        contract = db.session.scalar(select(Contract).where(Contract.reference == row.reference))
        if contract is not None and contract.source != "ocds":
            report.skip(row.reference, MANUAL_CONTRACT)
            continue
        supplier = _find_supplier(row.supplier)
        if supplier is None:
            supplier = _create_supplier(row.supplier, row.suitable_for_sme)
            report.suppliers_created += 1
        values = {
            "title": row.title,
            "buyer_department": row.buyer_department,
            "supplier_id": supplier.id,
            "value_pence": row.value_pence,
            "start_date": row.start_date,
            "end_date": row.end_date,
            "ocid": row.ocid,
        }
        if contract is None:
            contract = Contract(reference=row.reference, source="ocds", created_by_id=officer.id if officer else None, **values)
            db.session.add(contract)
            db.session.flush()
            record_event("contract.recorded", contract, actor=officer, to_state="recorded", detail={"source": "ocds"})
            report.created += 1
            continue
        changed = [name for name in CONTRACT_FIELDS if getattr(contract, name) != values[name]]
        if not changed:
            report.unchanged += 1
            continue
        for name in changed:
            setattr(contract, name, values[name])
        record_event("contract.updated", contract, actor=officer, detail={"source": "ocds", "fields": changed})
        report.updated += 1
    return report
