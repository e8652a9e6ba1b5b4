"""One CSV of all a supplier's returns for a period: a line per commitment, each checked as
the web form checks it. Every problem is reported with its line number; nothing is saved
unless every line is right (the caller rolls back when `problems` is not empty). A line for
another supplier's contract is refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from models import DomainError, db
from models.contracts.models import Commitment, Contract
from models.core.csv_files import read_csv_upload
from models.returns.models import SupplierReturn
from models.returns.rules import LineDetails, save_line, start_return, submit_return

if TYPE_CHECKING:
    from models.people.accounts import User
    from models.people.organisations import Organisation

COLUMNS = (
    "contract_reference", "period_start", "commitment_id", "measure", "quantity", "description", "beneficiaries",
    "beneficiaries_in_borough", "wards", "spend_micro", "spend_small", "spend_medium", "spend_large", "spend_vcse",
    "spend_in_borough",
)
REQUIRED = ("contract_reference", "period_start", "commitment_id", "quantity", "description")
NUMBERS = ("quantity", "beneficiaries", "beneficiaries_in_borough", "spend_micro", "spend_small", "spend_medium",
           "spend_large", "spend_vcse", "spend_in_borough")
MAX_CSV_BYTES = 2 * 1024 * 1024


@dataclass
class CsvFiling:
    returns: list[SupplierReturn] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _whole_number(text: str, column: str) -> int | None:
    raw = text.replace(",", "").strip()
    if not raw:
        return None
    if len(raw) > 15 or not raw.lstrip("-").isdigit():
        raise DomainError(f"{column} must be a whole number, not “{text[:40]}”")
    return int(raw)


def _ward_ids(text: str) -> tuple[int, ...]:
    """Wards by GSS code or name, separated by semicolons."""
    from models.places.wards import Ward

    ids = []
    for part in (piece.strip() for piece in text.split(";")):
        if not part:
            continue
        ward_id = db.session.scalar(select(Ward.id).where((Ward.code == part.upper()) | (func.lower(Ward.name) == part.lower())))
        if ward_id is None:
            raise DomainError(f"there is no ward “{part[:60]}” (use its name or code, separated by ;)")
        ids.append(ward_id)
    return tuple(ids)


def file_returns_csv(supplier: "Organisation", user: "User", data: bytes, today: date) -> CsvFiling:
    """Save and submit a return for each contract and period in the file. On any problem the
    caller must roll back: what was saved for the right lines is not kept."""
    filing = CsvFiling()
    if len(data) > MAX_CSV_BYTES:
        filing.problems.append("The file must be smaller than 2 MB")
        return filing
    upload = read_csv_upload(data, COLUMNS, REQUIRED)
    if upload.problems:
        filing.problems.extend(upload.problems)
        return filing
    if not upload.lines:
        filing.problems.append("The file has no lines after its header")
        return filing
    contracts = {c.reference: c for c in db.session.scalars(select(Contract).where(Contract.supplier_id == supplier.id))}
    opened: dict[tuple[int, date], SupplierReturn] = {}
    seen: set[tuple[int, date, int]] = set()
    for number, row in upload.lines:
        try:
            if row.get("__extra__"):
                raise DomainError("it has more cells than the header has columns")
            contract = contracts.get(row["contract_reference"])
            if contract is None:
                raise DomainError(f"contract “{row['contract_reference'][:60]}” is not one of {supplier.name}'s contracts")
            try:
                period_start = date.fromisoformat(row["period_start"])
            except ValueError:
                raise DomainError("period_start must be a date like 2025-04-01") from None
            commitment_id = _whole_number(row["commitment_id"], "commitment_id")
            commitment = db.session.get(Commitment, commitment_id) if commitment_id else None
            if commitment is None or commitment.contract_id != contract.id:
                raise DomainError(f"commitment {row['commitment_id'][:20]} is not part of contract {contract.reference}")
            if (contract.id, period_start, commitment.id) in seen:
                raise DomainError("this commitment is already reported for this period on an earlier line")
            numbers = {column: _whole_number(row.get(column, ""), column) for column in NUMBERS}
            if numbers["quantity"] is None:
                raise DomainError("quantity must be a whole number")
            key = (contract.id, period_start)
            if key not in opened:
                supplier_return = start_return(contract, user, period_start, today, source="csv")
                if supplier_return.state != "draft":
                    raise DomainError(f"the return for this period is {supplier_return.state_label.lower()}: "
                                      "answer the council on the web")
                opened[key] = supplier_return
            save_line(opened[key], commitment, user, LineDetails(
                quantity=numbers["quantity"], description=row["description"],
                beneficiaries=numbers["beneficiaries"] or 0, beneficiaries_in_borough=numbers["beneficiaries_in_borough"] or 0,
                ward_ids=_ward_ids(row.get("wards", "")),
                spend={part: numbers[f"spend_{part}"] for part in ("micro", "small", "medium", "large", "vcse", "in_borough")},
            ))
            seen.add((contract.id, period_start, commitment.id))
        except DomainError as error:
            filing.problems.append(f"Line {number}: {error.message[0].lower() + error.message[1:]}")
    if filing.problems:
        return filing
    for supplier_return in opened.values():
        submit_return(supplier_return, user)
        filing.returns.append(supplier_return)
    return filing


def template_rows(supplier: "Organisation", today: date) -> list[list[object]]:
    """A line for each commitment delivered through returns, in each ended period whose
    return is not yet submitted: the CSV a supplier fills in."""
    from models.returns.rules import period_rows, returnable_commitments

    rows: list[list[object]] = []
    for contract in db.session.scalars(select(Contract).where(Contract.supplier_id == supplier.id).order_by(Contract.reference)):
        for period, latest in period_rows(contract, today):
            if not period.ended(today) or (latest is not None and not latest.editable):
                continue
            for commitment in returnable_commitments(contract):
                rows.append([contract.reference, period.start.isoformat(), commitment.id,
                             f"{commitment.measure.name} ({commitment.measure.unit})", "", "", "", "", "", "", "", "", "",
                             "", ""])
    return rows


__all__ = ["COLUMNS", "CsvFiling", "file_returns_csv", "template_rows"]
