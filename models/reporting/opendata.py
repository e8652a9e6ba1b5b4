"""Open data: confirmed deliveries as grants in the 360Giving Data Standard (a JSON
grants package and the flattened CSV with the standard's column titles).

A confirmed pledge is a grant from the supplier (the funding organisation) to the
community group (the recipient): cash, or in kind at its estimated value, marked in
`classifications`. A need funded from the council's Social Value Fund (a pledge whose
source is the Fund) is a cash grant from the council itself (the publisher's org-id) under
the grant programme "Social Value Fund". The beneficiary location is the need's ward (GSS code, type WD), or
the council's area, by its name, for borough-wide needs; the recipient's location is the
ward the group is based in, or the council's area for a group based in the borough but
in no one ward. Each grant says when it was last modified (`dateModified`: its
confirmation, or a later change to its need) and what was planned (`plannedDates`:
from the pledge to the need's deadline). Organisations only: no person's name or email
address, and not an organisation's contact email either.

Everything streams: rows are read from the database in batches and the text is
yielded as it is written, so a download of every delivery never sits in memory.
No Flask here: the view passes what it knows (addresses, settings) in a Publisher."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Iterator, NamedTuple

from sqlalchemy import select

from models import db
from models.core.money import format_pence
from models.reporting.ledger import GROUP, GROUP_WARD, SUPPLIER, LedgerFilters, delivery_rows, value_pence_column
from models.needs.models import PUBLIC_STATUSES, Need
from models.people.organisations import SUPPLIER_FORMS, VCSE_FORMS
from models.places.wards import Ward
from models.pledges.models import FUND_SOURCE, Pledge
from models.places.themes import NeedKind, Theme

OGL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
OGL_NAME = "Open Government Licence v3.0"

# ONS GSS code prefixes and the 360Giving geoCodeType for each.
AREA_CODE_TYPES = {
    "E05": "WD", "W05": "WD", "S13": "WD",
    "E06": "UA", "E07": "NMD", "E08": "MD", "E09": "LONB", "W06": "UA", "S12": "CA",
}

# The column titles are the 360Giving schema's (as flattentool writes them with --use-titles).
GRANT_CSV_HEADER = (
    "Identifier", "Title", "Description", "Currency", "Amount Awarded", "Award Date", "URL",
    "Planned Dates:Start Date", "Planned Dates:End Date",
    "Recipient Org:Identifier", "Recipient Org:Name", "Recipient Org:Charity Number", "Recipient Org:Company Number",
    "Recipient Org:Location:Name", "Recipient Org:Location:Country Code", "Recipient Org:Location:Geographic Code",
    "Recipient Org:Location:Geographic Code Type",
    "Beneficiary Location:Name", "Beneficiary Location:Country Code", "Beneficiary Location:Geographic Code",
    "Beneficiary Location:Geographic Code Type", "Funding Org:Identifier", "Funding Org:Name",
    "Grant Programme:Code", "Grant Programme:Title",
    "Classifications:Vocabulary", "Classifications:Code", "Classifications:Title", "Last modified", "Data Source",
)


@dataclass(frozen=True)
class Publisher:
    """Who publishes the data and where: from the app's settings, passed in by the view."""

    name: str  # the council
    org_id: str  # org-id.guide identifier, e.g. GB-LAE-BEN
    website: str
    grant_prefix: str  # 360Giving, e.g. 360G-brent-sv-
    ocid_prefix: str  # OCDS, e.g. ocds-brentsv-


def organisation_identifier(legal_form: str, number: str | None, fallback: str) -> str:
    """The org-id.guide identifier: Companies House (GB-COH), the Charity Commission for
    England and Wales (GB-CHC), OSCR (GB-SC) or the Charity Commission for Northern
    Ireland (GB-NIC); `fallback` for a group with no registration number."""
    checker = {**VCSE_FORMS, **SUPPLIER_FORMS}.get(legal_form, ("", None))[1]
    if not number or checker is None:
        return fallback
    if checker == "company":
        return f"GB-COH-{number}"
    if number.startswith("SC"):
        return f"GB-SC-{number}"
    if number.startswith("NIC"):
        return f"GB-NIC-{number[3:]}"
    return f"GB-CHC-{number}"


def registration_fields(legal_form: str, number: str | None) -> dict[str, str]:
    """The charityNumber or companyNumber a 360Giving organisation carries."""
    checker = {**VCSE_FORMS, **SUPPLIER_FORMS}.get(legal_form, ("", None))[1]
    if not number or checker is None:
        return {}
    return {"charityNumber": number} if checker == "charity" else {"companyNumber": number}


def area_code_type(code: str | None) -> str | None:
    return AREA_CODE_TYPES.get(code[:3]) if code else None


COUNCIL_WORDS = re.compile(
    r"^(?:the\s+)?(?:(?:london|royal)\s+)?borough\s+(?:council\s+)?of\s+"
    r"|\s+(?:metropolitan\s+)?(?:(?:borough|city|county|district)\s+)?council$",
    re.IGNORECASE,
)


def area_name(council: str) -> str:
    """The place a council serves, from the council's name: "Brent Council" and "London
    Borough of Brent" serve Brent (a borough-wide grant benefits Brent, not Brent Council)."""
    return COUNCIL_WORDS.sub("", council.strip()).strip() or council


IRREGULAR_SINGULARS = {"people": "person", "children": "child", "men": "man", "women": "woman", "feet": "foot"}
SAME_IN_BOTH = ("series", "species", "means", "sheep", "fish", "news")


def singular(word: str) -> str:
    """An English plural's singular, for the unit words groups write ("laptops", "hours",
    "boxes", "batteries", "people"); a word that is not a plural stays as it is."""
    lower = word.lower()
    if lower in IRREGULAR_SINGULARS:
        found = IRREGULAR_SINGULARS[lower]
        return found.capitalize() if word[:1].isupper() else found
    if lower in SAME_IN_BOTH or len(lower) < 3 or not lower.endswith("s") or lower.endswith(("ss", "us", "is")):
        return word
    if lower.endswith("ies") and len(lower) > 4:
        return word[:-3] + ("Y" if word.endswith("IES") else "y")
    if lower.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return word[:-2]
    return word[:-1]


def quantity_text(quantity: int, unit: str) -> str:
    """"1 laptop", "3 laptops", "1 bag of compost", "24 volunteer hours": the unit, written
    in the plural by the group, in the singular for one."""
    words = unit.split()
    if quantity == 1 and words:
        # the counted noun: the word before "of" ("bags of compost"), else the last word
        at = words.index("of") - 1 if "of" in words[1:] else len(words) - 1
        words[at] = singular(words[at])
    return f"{quantity:,} {' '.join(words)}".rstrip()


def council_area_code() -> str | None:
    """The council's own area (LAD) code, from its wards: where borough-wide needs benefit."""
    return db.session.scalar(select(Ward.lad_code).where(Ward.lad_code.is_not(None)).limit(1))


def pounds(pence: int) -> int | float:
    """A JSON number of pounds: whole pounds as an integer, else to the penny."""
    return pence // 100 if pence % 100 == 0 else pence / 100


def utc_iso(moment: datetime | date) -> str:
    """A stored naive UTC time (or a day, from its start) as an RFC 3339 date-time."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    return moment.replace(microsecond=0).isoformat() + "Z"


def json_document(head: dict[str, Any], key: str, items: Iterable[dict[str, Any]], batch: int = 200) -> Iterator[str]:
    """A JSON object: `head`'s fields, then `key` as an array written item by item as
    the items are read, in chunks of `batch`."""
    opening = json.dumps(head, ensure_ascii=False)[:-1]
    yield opening + (", " if head else "") + json.dumps(key) + ": ["
    separator, chunk = "", []
    for item in items:
        chunk.append(json.dumps(item, ensure_ascii=False, separators=(",", ":")))
        if len(chunk) >= batch:
            yield separator + ",".join(chunk)
            separator, chunk = ",", []
    if chunk:
        yield separator + ",".join(chunk)
    yield "]}"


# 360Giving ------------------------------------------------------------------------


class GrantRow(NamedTuple):
    pledge_id: int
    confirmed_at: datetime
    quantity: int
    value_pence: int
    need_id: int
    title: str
    summary: str
    kind: str
    unit: str
    need_status: str
    group_id: int
    group_name: str
    group_form: str
    group_number: str | None
    supplier_id: int
    supplier_name: str
    supplier_form: str
    supplier_number: str | None
    ward_code: str | None
    ward_name: str | None
    theme_slug: str
    theme_name: str
    pledged_at: datetime
    deadline: date
    need_updated_at: datetime | None
    group_in_borough: bool
    group_ward_code: str | None
    group_ward_name: str | None
    source: str  # the pledge's: 'supplier', or 'fund' (the council's Social Value Fund)


def grant_rows(filters: LedgerFilters, batch: int = 2000) -> Iterator[GrantRow]:
    """What the grants file says of each confirmed delivery, newest first, as plain rows
    read in batches (no ORM objects, no query per row)."""
    columns = (
        Pledge.id, Pledge.confirmed_at, Pledge.quantity, value_pence_column(), Need.id, Need.title, Need.summary,
        Need.kind, Need.unit, Need.status, GROUP.id, GROUP.name, GROUP.legal_form, GROUP.registration_number,
        SUPPLIER.id, SUPPLIER.name, SUPPLIER.legal_form, SUPPLIER.registration_number, Ward.code, Ward.name,
        Theme.slug, Theme.name, Pledge.created_at, Need.deadline, Need.updated_at, GROUP.based_in_borough,
        GROUP_WARD.code, GROUP_WARD.name, Pledge.source,
    )
    for row in delivery_rows(columns, filters, batch):
        yield GrantRow._make(row)


def kind_classification(kind: str, publisher: Publisher) -> dict[str, str]:
    """Cash, or in kind (goods, volunteer time, professional skills, space), in the
    council's own vocabulary (named with its 360Giving prefix, as the standard asks)."""
    label = NeedKind(kind).label
    return {
        "vocabulary": f"{publisher.grant_prefix}support-type",
        "code": kind,
        "title": label if kind == NeedKind.CASH.value else f"In kind: {label.lower()}",
    }


class GrantWriter:
    """Turns delivery rows into 360Giving grants. What repeats from grant to grant (an
    organisation, a theme, a ward, a kind) is worked out once and shared: treat the
    grants it returns as read-only."""

    def __init__(self, publisher: Publisher, need_url: str, data_source: str, council_area: str | None):
        self.publisher, self.need_url, self.data_source = publisher, need_url, data_source
        self.classifications = {kind.value: [kind_classification(kind.value, publisher)] for kind in NeedKind}
        self.kind_words = {kind.value: kind.label.lower() for kind in NeedKind}
        self.shared: dict[tuple, list[dict[str, Any]]] = {}
        area_type = area_code_type(council_area)
        self.borough = (
            [{"name": area_name(publisher.name), "geoCode": council_area, "geoCodeType": area_type, "countryCode": "GB"}]
            if council_area and area_type
            else None
        )

    def _organisation(self, organisation_id: int, name: str, form: str, number: str | None, funder: bool) -> list:
        key = ("organisation", organisation_id, funder)
        if key not in self.shared:
            identifier = organisation_identifier(form, number, f"{self.publisher.grant_prefix}org-{organisation_id}")
            details = {} if funder else registration_fields(form, number)
            self.shared[key] = [{"id": identifier, "name": name, **details}]
        return self.shared[key]

    def _recipient(self, row: GrantRow) -> list:
        """The group, with where it is based: its ward, or the borough if it is based in
        the borough but in no one ward (nothing if neither is known)."""

        def make() -> list:
            found = dict(self._organisation(row.group_id, row.group_name, row.group_form, row.group_number, False)[0])
            if row.group_ward_code:
                found["location"] = self._ward(row.group_ward_code, row.group_ward_name)
            elif row.group_in_borough and self.borough:
                found["location"] = self.borough
            return [found]

        return self._once(("recipient", row.group_id), make)

    def _ward(self, code: str, name: str | None) -> list:
        return self._once(("ward", code), lambda: [{"name": name, "geoCode": code, "geoCodeType": "WD", "countryCode": "GB"}])

    def _once(self, key: tuple, make) -> list:
        if key not in self.shared:
            self.shared[key] = make()
        return self.shared[key]

    def grant(self, row: GrantRow) -> dict[str, Any]:
        """One confirmed delivery as a 360Giving grant."""
        given = self._council_grant(row) if row.source == FUND_SOURCE else self._supplier_grant(row)
        return self._grant(row, given)

    def _supplier_grant(self, row: GrantRow) -> dict[str, Any]:
        cash = row.kind == NeedKind.CASH.value
        given = format_pence(row.value_pence) if cash else quantity_text(row.quantity, row.unit)
        return {
            "description": f"{row.summary} {row.supplier_name} gave {given} ({self.kind_words[row.kind]}) "
            "towards its social value commitments, confirmed by the council.",
            "fundingOrganization": self._organisation(
                row.supplier_id, row.supplier_name, row.supplier_form, row.supplier_number, True
            ),
            "grantProgramme": self._once(("theme", row.theme_slug), lambda: [{"code": row.theme_slug, "title": row.theme_name}]),
            "classifications": self.classifications[row.kind],
        }

    def _council_grant(self, row: GrantRow) -> dict[str, Any]:
        """The council pays from its Social Value Fund (money paid in lieu of unmet commitments
        and section 106 money for social purposes): cash, whatever the need asked for."""
        return {
            "description": f"{row.summary} Funded by the council's Social Value Fund: "
            f"{format_pence(row.value_pence)} towards {quantity_text(row.quantity, row.unit)} "
            f"({row.theme_name.lower()}).",
            "fundingOrganization": self._once(
                ("council",), lambda: [{"id": self.publisher.org_id, "name": self.publisher.name}]
            ),
            "grantProgramme": self._once(
                ("fund",), lambda: [{"code": f"{self.publisher.grant_prefix}fund", "title": "Social Value Fund"}]
            ),
            "classifications": self.classifications[NeedKind.CASH.value],
        }

    def _grant(self, row: GrantRow, given: dict[str, Any]) -> dict[str, Any]:
        """What every grant says, with who gave it (`given`: its description, funding
        organisation, grant programme and classifications)."""
        found: dict[str, Any] = {
            "id": f"{self.publisher.grant_prefix}{row.pledge_id}",
            "title": row.title,
            "currency": "GBP",
            "amountAwarded": pounds(row.value_pence),
            "awardDate": utc_iso(row.confirmed_at),
            "recipientOrganization": self._recipient(row),
            **given,
            # the confirmation, or a later change to the need (its title, summary, value, ward...)
            "dateModified": utc_iso(max(row.confirmed_at, row.need_updated_at or row.confirmed_at)),
            "dataSource": self.data_source,
        }
        if row.need_status in PUBLIC_STATUSES:
            found["url"] = f"{self.need_url}{row.need_id}"
        pledged_on = row.pledged_at.date()
        if pledged_on <= row.deadline:  # planned: from the pledge to the need's deadline
            found["plannedDates"] = [{"startDate": pledged_on.isoformat(), "endDate": row.deadline.isoformat()}]
        if row.ward_code:
            found["beneficiaryLocation"] = self._ward(row.ward_code, row.ward_name)
        elif self.borough:
            found["beneficiaryLocation"] = self.borough
        return found


def grants(filters: LedgerFilters, publisher: Publisher, need_url: str, data_source: str) -> Iterator[dict[str, Any]]:
    writer = GrantWriter(publisher, need_url, data_source, council_area_code())
    for row in grant_rows(filters):
        yield writer.grant(row)


def grants_package(
    filters: LedgerFilters, publisher: Publisher, need_url: str, data_source: str, issued: datetime
) -> Iterator[str]:
    """A 360Giving grants package ({"grants": [...]}, with its licence and publisher), as text."""
    head = {
        "license": OGL,
        "publisher": {"name": publisher.name, "identifier": publisher.org_id, "website": publisher.website},
        "issued": utc_iso(issued),
        "accessURL": data_source,
    }
    return json_document(head, "grants", grants(filters, publisher, need_url, data_source))


def grant_csv_row(found: dict[str, Any]) -> list[Any]:
    """A grant flattened into GRANT_CSV_HEADER's columns (360Giving's summary table)."""
    recipient, funder = found["recipientOrganization"][0], found["fundingOrganization"][0]
    based = (recipient.get("location") or [{}])[0]
    location = (found.get("beneficiaryLocation") or [{}])[0]
    planned = (found.get("plannedDates") or [{}])[0]
    programme, classification = found["grantProgramme"][0], found["classifications"][0]
    amount = found["amountAwarded"]
    return [
        found["id"], found["title"], found["description"], found["currency"],
        f"{amount:.2f}" if isinstance(amount, float) else str(amount), found["awardDate"][:10], found.get("url", ""),
        planned.get("startDate", ""), planned.get("endDate", ""),
        recipient["id"], recipient["name"], recipient.get("charityNumber", ""), recipient.get("companyNumber", ""),
        based.get("name", ""), based.get("countryCode", ""), based.get("geoCode", ""), based.get("geoCodeType", ""),
        location.get("name", ""), location.get("countryCode", ""), location.get("geoCode", ""),
        location.get("geoCodeType", ""), funder["id"], funder["name"], programme["code"], programme["title"],
        classification["vocabulary"], classification["code"], classification["title"], found["dateModified"],
        found["dataSource"],
    ]
