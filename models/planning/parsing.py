"""Reading the planning data standard's developer contributions CSVs
(developer-agreement, developer-agreement-contribution, developer-agreement-transaction)
as councils publish them: dates as dd/mm/yyyy, dd/mm/yy or ISO; amounts in pounds with
pence; purposes as codes ("open-space-and-leisure") or the free text some councils write
("OSSR", "Health care "); stray blank columns and spaces; UTF-8 or Windows-1252 text.
Each line becomes a plain row or a problem with its line number: one bad line never stops
the others.

Pure: no Flask, no session."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

KINDS = ("developer-agreement", "developer-agreement-contribution", "developer-agreement-transaction")
FUNDING_STATUSES = ("secured", "received", "allocated", "transferred", "spent")
AGREEMENT_TYPES = {"section-106": "section-106", "s106": "section-106", "section-278": "section-278",
                   "s278": "section-278", "community-infrastructure-levy": "community-infrastructure-levy"}

# The code list (contribution-purpose.csv) and the free text councils write for it.
PURPOSES = {
    "affordable-housing": "Affordable housing", "bonds": "Bonds", "cil-administration-costs": "CIL administration costs",
    "community-facilities": "Community facilities", "community-infrastructure-levy": "Community infrastructure levy",
    "digital-infrastructure": "Digital infrastructure", "economic-development": "Economic development",
    "education": "Education", "flood": "Flood", "flood-and-water-management": "Flood and water management",
    "green-infrastructure": "Green infrastructure", "health": "Health", "highways": "Highways", "land": "Land",
    "mayoral-community-infrastructure-levy": "Mayoral Community Infrastructure Levy", "monitoring-fees": "Monitoring fees",
    "neighbourhood-community-infrastructure-levy": "Neighbourhood Community Infrastructure Levy",
    "open-space": "Open space", "open-space-and-leisure": "Open space and leisure", "other": "Other",
    "transport": "Transport", "transport-and-travel": "Transport and travel",
    "employment-and-skills": "Employment and skills",  # not in the code list yet; councils use it
}
ALIASES = (
    (re.compile(r"^(ossr|off site play|leap|neap|muga|sports? facilit|play|allotment|open space)"), "open-space-and-leisure"),
    (re.compile(r"^health"), "health"),
    (re.compile(r"^affordable housing"), "affordable-housing"),
    (re.compile(r"^(education|school)"), "education"),
    (re.compile(r"^(employment|skills|training|apprentice)"), "employment-and-skills"),
    (re.compile(r"^(community (facilit|centre|hall)|librar)"), "community-facilities"),
    (re.compile(r"^(parking|highway)"), "highways"),
)
# Purposes whose contributions are social value: they can carry commitments and needs, and
# money received for them goes into the Social Value Fund.
SOCIAL_PURPOSES = frozenset({
    "community-facilities", "economic-development", "education", "health", "open-space",
    "open-space-and-leisure", "employment-and-skills",
})
MAX_AMOUNT_PENCE = 10_000_000_000_00  # £10bn: beyond any planning obligation


@dataclass
class Problem:
    line: int
    message: str


@dataclass
class Parsed:
    kind: str
    rows: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_date(text: str | None) -> date | None:
    """dd/mm/yyyy, dd/mm/yy or yyyy-mm-dd; None when blank; ValueError when unreadable."""
    text = (text or "").strip()
    if not text:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"the date \u201c{text}\u201d is not dd/mm/yyyy or yyyy-mm-dd")


def parse_pence(text: str | None, allow_negative: bool = False) -> int | None:
    text = (text or "").strip().replace(",", "").lstrip("£")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"the amount \u201c{text}\u201d is not a number") from None
    if not amount.is_finite():
        raise ValueError(f"the amount \u201c{text}\u201d is not a number")
    if amount < 0 and not allow_negative:
        raise ValueError(f"the amount {text} is negative")
    pence = int((amount * 100).to_integral_value())
    if abs(pence) > MAX_AMOUNT_PENCE:
        raise ValueError(f"the amount {text} is too large")
    return pence


def parse_units(text: str | None) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"the units \u201c{text}\u201d are not a whole number")
    return int(text)


def purpose_code(text: str) -> str:
    """The code-list purpose for what a council wrote ("OSSR " is open space and leisure)."""
    raw = " ".join((text or "").split()).strip()
    slug = re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")
    if slug in PURPOSES:
        return slug
    by_name = {name.lower(): code for code, name in PURPOSES.items()}
    if raw.lower() in by_name:
        return by_name[raw.lower()]
    for pattern, code in ALIASES:
        if pattern.match(raw.lower()):
            return code
    return "other"


def kind_of(header: list[str]) -> str | None:
    first = (header[0] if header else "").strip().lstrip("\ufeff")
    return first if first in KINDS else None


def _cells(row: list[str], header: list[str]) -> dict[str, str]:
    return {name.strip(): (row[i].strip() if i < len(row) else "") for i, name in enumerate(header) if name.strip()}


def parse_file(data: bytes) -> Parsed:
    """One developer contributions CSV: which of the three it is (by its first column),
    its rows as plain values, and each line that cannot be read with its reason."""
    reader = csv.reader(io.StringIO(decode(data)))
    header = next(reader, [])
    kind = kind_of(header)
    if kind is None:
        raise ValueError(
            "This is not a developer contributions file: its first column must be developer-agreement, "
            "developer-agreement-contribution or developer-agreement-transaction"
        )
    parsed = Parsed(kind)
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = _cells(row, header)
        try:
            parsed.rows.append({"line": line, **_row(kind, cells)})
        except ValueError as error:
            parsed.problems.append(Problem(line, str(error)[:1].upper() + str(error)[1:]))
    return parsed


def _required(cells: dict, name: str) -> str:
    """A reference: with no white space, as councils sometimes type one ("1954/18/OPA -IFSDA")."""
    value = "".join(cells.get(name, "").split())
    if not value:
        raise ValueError(f"the {name} is missing")
    return value[:160]


def _row(kind: str, cells: dict) -> dict:
    dates = {name.replace("-", "_"): parse_date(cells.get(name)) for name in ("entry-date", "start-date", "end-date")}
    if kind == "developer-agreement":
        raw_type = cells.get("developer-agreement-type", "").lower()
        return {
            "reference": _required(cells, "developer-agreement"),
            "organisation": cells.get("organisation", "")[:120],
            "planning_application": cells.get("planning-application", "")[:120] or None,
            "document_url": cells.get("document-url", "")[:500] or None,
            "agreement_type": AGREEMENT_TYPES.get(raw_type, raw_type[:40] or "section-106"),
            **dates,
        }
    amount = cells.get("amount")
    units = parse_units(cells.get("units"))
    if kind == "developer-agreement-contribution":
        pence = parse_pence(amount)
        if pence is None and units is None:
            raise ValueError("the contribution has neither an amount nor units")
        raw_purpose = " ".join(cells.get("contribution-purpose", "").split())
        code = purpose_code(raw_purpose)
        return {
            "reference": _required(cells, "developer-agreement-contribution"),
            "agreement": _required(cells, "developer-agreement"),
            "purpose": code,
            "purpose_text": raw_purpose[:200] or PURPOSES[code],
            "amount_pence": pence,
            "units": units,
            **dates,
        }
    status = cells.get("contribution-funding-status", "").lower()
    if status not in FUNDING_STATUSES:
        raise ValueError(f"the funding status \u201c{status}\u201d is not one of {', '.join(FUNDING_STATUSES)}")
    pence = parse_pence(amount)
    if pence is None and units is None:
        raise ValueError("the transaction has neither an amount nor units")
    return {
        "reference": cells.get("developer-agreement-transaction", "")[:60],
        "contribution": _required(cells, "developer-agreement-contribution"),
        "status": status,
        "amount_pence": pence,
        "units": units,
        **dates,
    }
