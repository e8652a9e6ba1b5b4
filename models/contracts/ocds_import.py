"""Importing contracts from Open Contracting Data Standard (OCDS) data.

Three steps. The parsing functions (`load_releases`, `award_rows`) are pure: they take
bytes or dicts (and the council as a buyer) and return plain rows, with no Flask and no
session, so they can be tested alone. `plan_import` reads the database, writes nothing,
and says what an import would do: each award to create, update or leave unchanged, and
each release or award skipped, with its ocid and the reason; the officer sees that plan
as the preview. `import_ocds` is the rule that writes: it plans again (refusing when the
plan is no longer the one the officer confirmed), matches or creates the supplier
organisations, creates or updates one Contract per award, with the reference
f"{ocid}/{award id}" and the release's own ocid, and records it all as an import batch
that can be undone (models/contracts/import_batches.py). It never commits: the caller
does, so a file that fails part-way writes nothing.

Only the council's own releases are imported: a release whose buyer is someone else is
skipped, "buyer is Ministry of Defence, not this council" (models/contracts/council_buyer.py).
One release that cannot be read (an amount of 1e308, a value that is not a number, a
list where an object belongs) is skipped with its reason; it never stops the others.

Accepted shapes: a release package ({"releases": [...]}), a record package
({"records": [{"compiledRelease": ...} or {"releases": [...]}]}), or a bare list
of releases. Importing the same file twice changes nothing."""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation, ROUND_HALF_UP
from typing import TYPE_CHECKING, Any, Iterable

from sqlalchemy import func, select

from models import DomainError, db
from models.contracts.council_buyer import CouncilBuyer, buyer_of, council_buyer
from models.people.registration_numbers import normalise_company_number

if TYPE_CHECKING:
    from models.contracts.models import Contract
    from models.people.accounts import User
    from models.people.organisations import Organisation

MAX_OCDS_BYTES = 20 * 1024 * 1024
MAX_SKIPPED_LISTED = 200
MAX_LISTED = 1000  # items of each kind a preview lists (the counts are always whole)

NOT_OCDS = (
    "This file is JSON but not Open Contracting data: expected a release package "
    '({"releases": [...]}), a record package ({"records": [...]}) or a list of releases.'
)
PLAN_CHANGED = (
    "What this file would change is no longer what the preview showed (another import, or a change to the "
    "council's settings, came in between). Nothing was changed: upload the file again to see a new preview."
)

# Why an award or release was not imported, in words an officer reads on the report.
NO_AWARDS = "release has no awards"
NO_OCID = "release has no ocid"
OCID_TOO_LONG = "ocid is too long (more than 120 characters)"
NO_BUYER = "release names no buyer"
NO_AWARD_ID = "award has no id"
NOT_ACTIVE = "award is not active (cancelled or unsuccessful)"
NO_SUPPLIERS = "award has no suppliers"
SEVERAL_SUPPLIERS = "award has several suppliers sharing one value (a framework or grant programme)"
NO_VALUE = "award has no value"
NOT_A_NUMBER = "value is not a number"
ZERO_VALUE = "award value is zero (not published)"
NOT_GBP = "value is not in pounds (GBP)"
NEGATIVE_VALUE = "value is negative"
TOO_LARGE = "value is too large to be a council contract"
DATES_REVERSED = "contract period ends before it starts"
NO_TITLE = "award has no title"
SUPERSEDED = "superseded by a later release of the same award in this file"
MANUAL_CONTRACT = "a contract with this reference was recorded by hand"
REFERENCE_TOO_LONG = "ocid and award id are too long for a contract reference"
UNREADABLE = "release could not be read"


def other_buyer(name: str) -> str:
    """The reason a release of another buyer is skipped."""
    return f"buyer is {name}, not this council"


def grouped_reasons(reasons: dict[str, int]) -> dict[str, int]:
    """The reasons as a report counts them: every other buyer's releases on one line (each
    skipped release still names its buyer), the other reasons as they are."""
    grouped: dict[str, int] = {}
    buyers = skipped = 0
    for reason, count in reasons.items():
        if reason.startswith("buyer is ") and reason.endswith(", not this council"):
            buyers, skipped = buyers + 1, skipped + count
        else:
            grouped[reason] = count
    if buyers:
        grouped[f"buyer is another organisation, not this council ({buyers} buyer{'' if buyers == 1 else 's'})"] = skipped
    return dict(sorted(grouped.items()))


# Parsing (pure) ------------------------------------------------------------------


def _json_int(text: str) -> int | Decimal:
    # Python refuses to turn more than 4,300 digits into an int: such a number becomes
    # a Decimal, so the one release that has it is skipped, not the whole file.
    return int(text) if len(text) <= 1000 else Decimal(text)


def load_releases(data: bytes) -> list[dict[str, Any]]:
    """The releases in an OCDS file, or a DomainError that says what is wrong with it."""
    if len(data) > MAX_OCDS_BYTES:
        raise DomainError(f"The file is too large: Open Contracting files must be {MAX_OCDS_BYTES // (1024 * 1024)} MB or smaller.", field="file")
    if not data.strip():
        raise DomainError("The file is empty.", field="file")
    try:
        document = json.loads(data.decode("utf-8-sig"), parse_int=_json_int)
    except UnicodeDecodeError:
        raise DomainError("The file is not valid JSON: it is not UTF-8 text.", field="file")
    except json.JSONDecodeError as error:
        raise DomainError(
            f"The file is not valid JSON: {error.msg.removesuffix(' at')} at line {error.lineno}, column {error.colno}.", field="file"
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

    @property
    def key(self) -> str:
        """The same supplier twice in one file has one key (so it is created once)."""
        return f"coh:{self.company_number}" if self.company_number else f"name:{self.name.casefold()}"


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
    ocid: str = ""


def _text(value: Any) -> str:
    return html.unescape(value).strip() if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


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
    from models.contracts.models import MAX_CONTRACT_VALUE_PENCE

    if not isinstance(value, dict) or value.get("amount") is None:
        return None, NO_VALUE
    currency = value.get("currency")
    if currency not in (None, "GBP"):
        return None, NOT_GBP
    amount = value["amount"]
    if isinstance(amount, (bool, dict, list)):
        return None, NOT_A_NUMBER
    try:
        pounds = Decimal(amount) if isinstance(amount, (int, Decimal)) else Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        return None, NOT_A_NUMBER
    if not pounds.is_finite():
        return None, NOT_A_NUMBER
    if pounds < 0:
        return None, NEGATIVE_VALUE
    # Compared before rounding: 1e308 pounds has more digits than a Decimal rounds to.
    if pounds * 100 > MAX_CONTRACT_VALUE_PENCE:
        return None, TOO_LARGE
    pence = int((pounds * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    # Contracts Finder publishes 0 when a value is withheld: not a £0 contract.
    if pence == 0:
        return None, ZERO_VALUE
    return pence, None


def _company_number(identifier: Any) -> str | None:
    if not isinstance(identifier, dict) or identifier.get("scheme") != "GB-COH":
        # Other schemes (GB-SRS, GB-CFS, ...) are not company numbers: matching them
        # against our registration numbers could join two different firms.
        return None
    if not isinstance(identifier.get("id"), (str, int)):
        return None
    raw = str(identifier.get("id") or "").strip()
    if raw.endswith(".0") and raw[:-2].isdigit():
        raw = raw[:-2]  # a number that passed through a spreadsheet
    return normalise_company_number(raw) if raw else None


def _supplier_ref(reference: dict[str, Any], parties: dict[str, dict[str, Any]]) -> SupplierRef | None:
    party = parties.get(str(reference.get("id"))) or {}
    identifier = _dict(party.get("identifier"))
    name = _text(reference.get("name")) or _text(party.get("name")) or _text(identifier.get("legalName"))
    if not name:
        return None
    legal_name = _text(identifier.get("legalName")) or None
    return SupplierRef(name=name[:160], legal_name=(legal_name[:160] if legal_name else None), company_number=_company_number(identifier))


def _matching_contract(release: dict[str, Any], award_id: str) -> dict[str, Any]:
    for contract in _list(release.get("contracts")):
        if isinstance(contract, dict) and str(contract.get("awardID")) == award_id:
            return contract
    return {}


def _release_outcomes(release: dict[str, Any], ocid: str, release_id: str) -> list[tuple[str, AwardRow | Skipped]]:
    """(reference, outcome) for each award of one release of the council's."""
    awards = [award for award in _list(release.get("awards")) if isinstance(award, dict)]
    if not awards:
        return [("", Skipped(release_id, NO_AWARDS, ocid))]
    outcomes: list[tuple[str, AwardRow | Skipped]] = []
    for award in awards:
        award_id = _text(str(award.get("id"))) if isinstance(award.get("id"), (str, int)) else ""
        if not award_id:
            outcomes.append(("", Skipped(release_id, NO_AWARD_ID, ocid)))
            continue
        reference = f"{ocid}/{award_id}"
        outcomes.append((reference, _award_outcome(release, award, reference, ocid)))
    return outcomes


def award_rows(
    releases: Iterable[dict[str, Any]], buyer: CouncilBuyer | None = None
) -> tuple[list[AwardRow], list[Skipped]]:
    """One row per award (the latest release wins), and what was skipped and why. With a
    `buyer`, only that council's releases give rows; the others are skipped, naming
    their buyer. A release that cannot be read is skipped alone."""
    ordered = sorted(
        (release for release in releases if isinstance(release, dict)),
        key=lambda release: str(release.get("date") or ""),
    )
    outcomes: dict[str, AwardRow | Skipped] = {}  # by reference: the latest release's outcome
    skipped: list[Skipped] = []
    for release in ordered:
        raw_id = release.get("id") if isinstance(release.get("id"), (str, int)) else None
        raw_ocid = release.get("ocid")
        release_id = _text(str(raw_id)) if raw_id is not None else (_text(raw_ocid) or "a release")
        release_id = release_id[:300] or "a release"
        if not isinstance(raw_ocid, str) or not raw_ocid.strip():
            skipped.append(Skipped(release_id, NO_OCID))
            continue
        ocid = raw_ocid.strip()
        if len(ocid) > 120:
            skipped.append(Skipped(release_id, OCID_TOO_LONG, ocid[:120]))
            continue
        try:
            if buyer is not None:
                named = buyer_of(release)
                if not named.ids and not named.names:
                    skipped.append(Skipped(release_id, NO_BUYER, ocid))
                    continue
                if not buyer.matches(named):
                    skipped.append(Skipped(release_id, other_buyer(named.label[:200]), ocid))
                    continue
            found = _release_outcomes(release, ocid, release_id)
        except Exception as error:  # noqa: BLE001 (one release, however malformed, never stops the file)
            skipped.append(Skipped(release_id, f"{UNREADABLE} ({type(error).__name__})", ocid))
            continue
        for reference, outcome in found:
            if not reference:
                skipped.append(outcome)  # type: ignore[arg-type]
                continue
            if reference in outcomes:
                skipped.append(Skipped(reference, SUPERSEDED, ocid))
            outcomes[reference] = outcome
    rows = [outcome for outcome in outcomes.values() if isinstance(outcome, AwardRow)]
    skipped.extend(outcome for outcome in outcomes.values() if isinstance(outcome, Skipped))
    return rows, skipped


def _award_outcome(release: dict[str, Any], award: dict[str, Any], reference: str, ocid: str) -> AwardRow | Skipped:
    parties = {str(party.get("id")): party for party in _list(release.get("parties")) if isinstance(party, dict)}
    tender = _dict(release.get("tender"))
    named = buyer_of(release)
    buyer_name = named.names[0] if named.names else ""
    suitability = _dict(tender.get("suitability"))
    sme = suitability.get("sme") if isinstance(suitability.get("sme"), bool) else None
    if len(reference) > 160:
        return Skipped(reference[:300], REFERENCE_TOO_LONG, ocid)
    if award.get("status") in ("cancelled", "unsuccessful"):
        return Skipped(reference, NOT_ACTIVE, ocid)
    suppliers = [item for item in _list(award.get("suppliers")) if isinstance(item, dict)]
    if len(suppliers) > 1:
        # One value shared by several firms says nothing about what each holds.
        return Skipped(reference, SEVERAL_SUPPLIERS, ocid)
    supplier = _supplier_ref(suppliers[0], parties) if suppliers else None
    if supplier is None:
        return Skipped(reference, NO_SUPPLIERS, ocid)
    contract = _matching_contract(release, reference.removeprefix(f"{ocid}/"))
    value_pence, problem = _pence(contract.get("value") if contract.get("value") is not None else award.get("value"))
    if problem:
        return Skipped(reference, problem, ocid)
    period = _dict(contract.get("period")) or _dict(award.get("contractPeriod")) or _dict(tender.get("contractPeriod"))
    start, end = _date(period.get("startDate")), _date(period.get("endDate"))
    if start and end and end < start:
        return Skipped(reference, DATES_REVERSED, ocid)
    title = _text(contract.get("title")) or _text(award.get("title")) or _text(tender.get("title"))
    if not title:
        return Skipped(reference, NO_TITLE, ocid)
    return AwardRow(
        reference=reference,
        ocid=ocid,
        release_date=str(release.get("date") or ""),
        title=title[:300],
        buyer_department=buyer_name[:200] or None,
        value_pence=value_pence,
        start_date=start,
        end_date=end,
        supplier=supplier,
        suitable_for_sme=sme,
    )


# The plan: what an import would do (reads the session, writes nothing) -------------------

CONTRACT_FIELDS = ("title", "buyer_department", "supplier_id", "value_pence", "start_date", "end_date", "ocid")
FIELD_LABELS = {
    "title": "title",
    "buyer_department": "buyer",
    "supplier_id": "supplier",
    "value_pence": "value",
    "start_date": "start date",
    "end_date": "end date",
    "ocid": "ocid",
}


def snapshot(values: dict[str, Any]) -> dict[str, Any]:
    """A contract's imported fields as JSON (dates as ISO text)."""
    return {name: (value.isoformat() if isinstance(value, date) else value) for name, value in values.items()}


def contract_values(contract: "Contract") -> dict[str, Any]:
    return {name: getattr(contract, name) for name in CONTRACT_FIELDS}


@dataclass
class PlanItem:
    action: str  # create, update, unchanged, skip
    where: str  # the contract's reference (ocid/award id), or the release's id
    ocid: str
    reason: str
    title: str = ""
    supplier: str = ""
    new_supplier: bool = False
    value_pence: int | None = None
    changed: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        item: dict[str, Any] = {"where": self.where, "ocid": self.ocid, "reason": self.reason}
        if self.action != "skip":
            item.update(title=self.title, supplier=self.supplier, new_supplier=self.new_supplier, value_pence=self.value_pence)
        if self.changed:
            item["changed"] = list(self.changed)
        return item


@dataclass
class _Write:
    item: PlanItem
    row: AwardRow
    contract_id: int | None  # the contract to update
    supplier_id: int | None  # a supplier we already have
    new_supplier: str | None  # else the key of one to create


@dataclass
class ImportPlan:
    buyer: CouncilBuyer
    items: list[PlanItem] = field(default_factory=list)
    writes: list[_Write] = field(default_factory=list)
    new_suppliers: dict[str, tuple[SupplierRef, bool | None]] = field(default_factory=dict)

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)

    @property
    def changes_anything(self) -> bool:
        return bool(self.writes)

    def reasons(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for item in self.items:
            if item.action == "skip":
                found[item.reason] = found.get(item.reason, 0) + 1
        return dict(sorted(found.items()))

    @property
    def digest(self) -> str:
        """What the import would write, as a fingerprint: the import confirms it is still
        the plan the officer saw."""
        writes = [
            [w.item.action, w.row.reference, w.contract_id, w.supplier_id, w.new_supplier,
             snapshot({**_row_values(w.row), "supplier_id": None})]
            for w in self.writes
        ]
        text = json.dumps({"writes": writes, "suppliers": sorted(self.new_suppliers)}, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def summary(self) -> str:
        return _summary(
            self.count("create"), self.count("update"), self.count("unchanged"), self.count("skip"),
            len(self.new_suppliers), grouped_reasons(self.reasons()),
        )

    def as_dict(self) -> dict[str, Any]:
        """The preview, as the task keeps it: counts, and the items of each kind (up to
        MAX_LISTED of each; `more` says how many were left off the list)."""
        listed: dict[str, list[dict[str, Any]]] = {"create": [], "update": [], "unchanged": [], "skip": []}
        more = dict.fromkeys(listed, 0)
        for item in self.items:
            if len(listed[item.action]) < MAX_LISTED:
                listed[item.action].append(item.as_dict())
            else:
                more[item.action] += 1
        return {
            "created": self.count("create"),
            "updated": self.count("update"),
            "unchanged": self.count("unchanged"),
            "skipped": self.count("skip"),
            "suppliers_created": len(self.new_suppliers),
            "reasons": grouped_reasons(self.reasons()),
            "buyer": self.buyer.as_dict(),
            "digest": self.digest,
            "items": listed,
            "more": more,
            "new_suppliers": [ref.name for ref, _sme in list(self.new_suppliers.values())[:MAX_LISTED]],
        }

    def event_detail(self) -> dict[str, Any]:
        """What the audit trail keeps of a preview: the counts, not every item."""
        return {key: value for key, value in self.as_dict().items() if key not in ("items", "new_suppliers")}


def _row_values(row: AwardRow) -> dict[str, Any]:
    return {
        "title": row.title,
        "buyer_department": row.buyer_department,
        "value_pence": row.value_pence,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "ocid": row.ocid,
    }


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


class _PlannedSuppliers:
    """The suppliers a plan creates, found again by company number or name (as
    `_find_supplier` finds the ones we have), so that one file's firm is created once."""

    def __init__(self, planned: dict[str, tuple[SupplierRef, bool | None]]):
        self.planned = planned
        self.by_number: dict[str, str] = {}
        self.by_name: dict[str, str] = {}

    def find(self, ref: SupplierRef) -> str | None:
        if ref.key in self.planned:
            return ref.key
        if ref.company_number and ref.company_number in self.by_number:
            return self.by_number[ref.company_number]
        for name in filter(None, (ref.name, ref.legal_name)):
            if name.lower() in self.by_name:
                return self.by_name[name.lower()]
        return None

    def add(self, ref: SupplierRef, suitable_for_sme: bool | None) -> str:
        self.planned[ref.key] = (ref, suitable_for_sme)
        if ref.company_number:
            self.by_number.setdefault(ref.company_number, ref.key)
        self.by_name.setdefault(ref.name.lower(), ref.key)
        return ref.key


def _reason_for_create(row: AwardRow) -> str:
    return f"new award of this council's ({row.buyer_department})" if row.buyer_department else "new award of this council's"


def plan_import(data: bytes | list[dict[str, Any]], buyer: CouncilBuyer | None = None) -> ImportPlan:
    """What importing this file would do, writing nothing. The council as a buyer is the
    administrator's setting unless given."""
    from models.contracts.models import Contract

    releases = load_releases(data) if isinstance(data, (bytes, bytearray)) else data
    buyer = buyer if buyer is not None else council_buyer()
    rows, skipped = award_rows(releases, buyer)
    plan = ImportPlan(buyer=buyer)
    planned = _PlannedSuppliers(plan.new_suppliers)
    for item in skipped:
        plan.items.append(PlanItem("skip", item.where, item.ocid, item.reason))
    existing = {
        contract.reference: contract
        for start in range(0, len(rows), 500)
        for contract in db.session.scalars(
            select(Contract).where(Contract.reference.in_([row.reference for row in rows[start : start + 500]]))
        )
    }
    for row in rows:
        contract = existing.get(row.reference)
        if contract is not None and contract.source != "ocds":
            plan.items.append(PlanItem("skip", row.reference, row.ocid, MANUAL_CONTRACT))
            continue
        supplier = _find_supplier(row.supplier)
        new_key = None
        if supplier is None:
            new_key = planned.find(row.supplier) or planned.add(row.supplier, row.suitable_for_sme)
        supplier_name = supplier.name if supplier is not None else plan.new_suppliers[new_key][0].name
        common = dict(title=row.title, supplier=supplier_name, new_supplier=supplier is None, value_pence=row.value_pence)
        if contract is None:
            item = PlanItem("create", row.reference, row.ocid, _reason_for_create(row), **common)
            plan.items.append(item)
            plan.writes.append(_Write(item, row, None, supplier.id if supplier else None, new_key))
            continue
        values = {**_row_values(row), "supplier_id": supplier.id if supplier is not None else None}
        changed = tuple(name for name in CONTRACT_FIELDS if getattr(contract, name) != values[name])
        if not changed:
            plan.items.append(PlanItem("unchanged", row.reference, row.ocid, "already imported, unchanged", **common))
            continue
        labels = ", ".join(FIELD_LABELS[name] for name in changed)
        item = PlanItem("update", row.reference, row.ocid, f"changed in the file: {labels}", changed=changed, **common)
        plan.items.append(item)
        plan.writes.append(_Write(item, row, contract.id, supplier.id if supplier else None, new_key))
    return plan


# The import rule (writes; the caller commits) ----------------------------------------------


def _summary(created: int, updated: int, unchanged: int, skipped: int, suppliers: int, reasons: dict[str, int]) -> str:
    text = (
        f"{created} created, {updated} updated, {unchanged} unchanged, {skipped} skipped; "
        f"{suppliers} new supplier{'' if suppliers == 1 else 's'} to verify"
    )
    if reasons:
        text += "\n" + "\n".join(f"  {reason}: {count}" for reason, count in sorted(reasons.items()))
    return text


@dataclass
class OcdsReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    suppliers_created: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    skipped_items: list[dict[str, str]] = field(default_factory=list)
    batch_id: int | None = None

    def skip(self, where: str, reason: str, ocid: str = "") -> None:
        self.skipped += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1
        if len(self.skipped_items) < MAX_SKIPPED_LISTED:
            self.skipped_items.append({"where": where, "reason": reason, "ocid": ocid})

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "suppliers_created": self.suppliers_created,
            "reasons": grouped_reasons(self.reasons),
            "skipped_items": self.skipped_items,
            "batch_id": self.batch_id,
        }

    def summary(self) -> str:
        return _summary(
            self.created, self.updated, self.unchanged, self.skipped, self.suppliers_created, grouped_reasons(self.reasons)
        )


def _create_supplier(ref: SupplierRef, suitable_for_sme: bool | None, batch_id: int) -> "Organisation":
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
    record_event(
        "organisation.created", organisation, actor=None, to_state="pending", detail={"source": "ocds", "import": batch_id}
    )
    return organisation


def _report_of(plan: ImportPlan, batch_id: int | None) -> OcdsReport:
    """The report before anything is written: what was skipped, and what was up to date."""
    report = OcdsReport(batch_id=batch_id)
    for item in plan.items:
        if item.action == "skip":
            report.skip(item.where, item.reason, item.ocid)
        elif item.action == "unchanged":
            report.unchanged += 1
    return report


def apply_plan(
    plan: ImportPlan,
    officer: "User | None" = None,
    file_name: str = "",
    file_sha256: str | None = None,
    preview_task_id: str | None = None,
) -> OcdsReport:
    """Write the plan as one import batch: its suppliers, contracts and audit events. A plan
    that changes nothing writes nothing (no batch either): importing a file again is a no-op."""
    from models.contracts.models import Contract, ImportBatch, ImportChange
    from models.core.events import record_event

    if not plan.writes:
        return _report_of(plan, None)
    batch = ImportBatch(
        source="ocds",
        file_name=(file_name or "")[:255],
        file_sha256=file_sha256,
        preview_task_id=preview_task_id,
        created_by_id=officer.id if officer else None,
        status="applied",
    )
    db.session.add(batch)
    db.session.flush()
    report = _report_of(plan, batch.id)
    created_suppliers: dict[str, int] = {}
    for write in plan.writes:
        supplier_id = write.supplier_id
        if supplier_id is None:
            key = write.new_supplier or write.row.supplier.key
            if key not in created_suppliers:
                ref, sme = plan.new_suppliers[key]
                organisation = _create_supplier(ref, sme, batch.id)
                created_suppliers[key] = organisation.id
                db.session.add(ImportChange(batch_id=batch.id, kind="supplier_created", organisation_id=organisation.id, label=ref.name))
                report.suppliers_created += 1
            supplier_id = created_suppliers[key]
        values = {**_row_values(write.row), "supplier_id": supplier_id}
        row = write.row
        if write.contract_id is None:
            contract = Contract(
                reference=row.reference, source="ocds", created_by_id=officer.id if officer else None, **values
            )
            db.session.add(contract)
            db.session.flush()
            record_event(
                "contract.recorded", contract, actor=officer, to_state="recorded", detail={"source": "ocds", "import": batch.id}
            )
            # Added to the session, not to batch.changes: a growing collection would be
            # compared again at every flush (a file of 5,000 awards took minutes).
            db.session.add(ImportChange(
                batch_id=batch.id, kind="contract_created", contract_id=contract.id, label=row.reference, ocid=row.ocid,
                after=snapshot(contract_values(contract)),
            ))
            report.created += 1
            continue
        contract = db.session.get(Contract, write.contract_id)
        before = snapshot(contract_values(contract))
        changed = [name for name in CONTRACT_FIELDS if getattr(contract, name) != values[name]]
        for name in changed:
            setattr(contract, name, values[name])
        record_event(
            "contract.updated", contract, actor=officer, detail={"source": "ocds", "fields": changed, "import": batch.id}
        )
        db.session.add(ImportChange(
            batch_id=batch.id, kind="contract_updated", contract_id=contract.id, label=row.reference, ocid=row.ocid,
            before=before, after=snapshot(contract_values(contract)),
        ))
        report.updated += 1
    batch.created_count, batch.updated_count, batch.unchanged_count = report.created, report.updated, report.unchanged
    batch.skipped_count, batch.suppliers_created_count = report.skipped, report.suppliers_created
    batch.report = {key: value for key, value in report.as_dict().items() if key != "batch_id"}
    db.session.flush()
    record_event(
        "contract_import.applied", batch, actor=officer, to_state="applied",
        detail={"file": batch.file_name, "created": report.created, "updated": report.updated,
                "unchanged": report.unchanged, "skipped": report.skipped, "suppliers_created": report.suppliers_created},
    )
    return report


def import_ocds(
    data: bytes,
    officer: "User | None" = None,
    *,
    file_name: str = "",
    expected_digest: str | None = None,
    preview_task_id: str | None = None,
    buyer: CouncilBuyer | None = None,
) -> OcdsReport:
    """Create or update a Contract per award of the council's in an OCDS file, as one
    import batch. With `expected_digest` (the preview's), refuse if what would be written
    is not what the preview showed. The caller commits."""
    if officer is not None and not officer.is_officer:
        from models import PermissionDenied

        raise PermissionDenied("Only council officers can import contracts")
    if preview_task_id is not None:
        from models.contracts.models import ImportBatch

        if db.session.scalar(select(ImportBatch.id).where(ImportBatch.preview_task_id == preview_task_id)):
            raise DomainError("This preview has already been imported.")
    plan = plan_import(data, buyer)
    if expected_digest is not None and plan.digest != expected_digest:
        raise DomainError(PLAN_CHANGED)
    return apply_plan(
        plan, officer, file_name=file_name, file_sha256=hashlib.sha256(data).hexdigest(), preview_task_id=preview_task_id
    )
