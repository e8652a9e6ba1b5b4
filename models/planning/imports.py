"""Importing developer contributions files into the planning obligations register.

`import_developer_file` reads one CSV (models/planning/parsing.py), then creates what is new
and leaves alone what is already there, so importing a file twice changes nothing:
an agreement is known by its reference, a contribution by its agreement, reference, purpose
and amount, a transaction by its contribution, status, amount and date. Every line it cannot
take is reported with its number and reason: unreadable values, another council's
agreement (its organisation is not one of this council's identifiers, the admin's
"council buyer" settings), a contribution for an unknown agreement, a transaction for an
unknown contribution. It never commits: the caller does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select

from models import db
from models.contracts.council_buyer import CouncilBuyer, council_buyer, normalise_id
from models.fund.ledger import receive_section_106
from models.planning.models import DeveloperAgreement, DeveloperContribution, DeveloperTransaction
from models.planning.parsing import Problem, parse_file

MAX_PLANNING_BYTES = 5 * 1024 * 1024
MAX_PROBLEMS_LISTED = 500


@dataclass
class ImportReport:
    kind: str
    created: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.problems)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "created": self.created,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            # Each line not imported, in words (components/task.html lists them).
            "lines": [f"Line {p.line}: {p.message}" for p in self.problems[:MAX_PROBLEMS_LISTED]],
        }


def is_councils(organisation: str, council: CouncilBuyer) -> bool:
    """Whether a planning data organisation ("local-authority-eng:BEN") is this council
    (whose identifiers are org-id.guide's, "GB-LAE-BEN")."""
    prefix, _, code = organisation.strip().partition(":")
    if prefix != "local-authority-eng" or not code:
        return False
    wanted = {normalise_id(item) for item in council.ids}
    return normalise_id(f"GB-LAE-{code}") in wanted


def import_developer_file(data: bytes, progress: Callable[[int], None] | None = None) -> ImportReport:
    parsed = parse_file(data)
    report = ImportReport(parsed.kind, problems=list(parsed.problems))
    handle = {"developer-agreement": _agreement, "developer-agreement-contribution": _contribution,
              "developer-agreement-transaction": _transaction}[parsed.kind]
    council = council_buyer()
    total = max(len(parsed.rows), 1)
    for done, row in enumerate(parsed.rows, start=1):
        problem = handle(row, report, council)
        if problem:
            report.problems.append(Problem(row["line"], problem))
        if progress and done % 50 == 0:
            progress(done * 100 // total)
    report.problems.sort(key=lambda problem: problem.line)
    db.session.flush()
    return report


def _agreement(row: dict, report: ImportReport, council: CouncilBuyer) -> str | None:
    if not is_councils(row["organisation"], council):
        return (f"The agreement {row['reference']} is {row['organisation'] or 'no council'}\u2019s, not this "
                "council\u2019s: only agreements for sites in the council\u2019s wards are imported")
    existing = db.session.scalar(select(DeveloperAgreement).where(DeveloperAgreement.reference == row["reference"]))
    if existing is not None:
        report.unchanged += 1
        return None
    db.session.add(DeveloperAgreement(**{key: value for key, value in row.items() if key != "line"}))
    db.session.flush()
    report.created += 1
    return None


def _contribution(row: dict, report: ImportReport, council: CouncilBuyer) -> str | None:
    agreement = db.session.scalar(select(DeveloperAgreement).where(DeveloperAgreement.reference == row["agreement"]))
    if agreement is None:
        return f"The contribution {row['reference']} refers to the agreement {row['agreement']}, which has not been imported"
    key = dict(developer_agreement_id=agreement.id, reference=row["reference"], purpose_text=row["purpose_text"],
               amount_pence=row["amount_pence"], units=row["units"])
    if db.session.scalar(select(DeveloperContribution.id).filter_by(**key)) is not None:
        report.unchanged += 1
        return None
    db.session.add(DeveloperContribution(**key, purpose=row["purpose"], entry_date=row["entry_date"],
                                         start_date=row["start_date"], end_date=row["end_date"]))
    db.session.flush()
    report.created += 1
    return None


def _transaction(row: dict, report: ImportReport, council: CouncilBuyer) -> str | None:
    contribution = db.session.scalar(
        select(DeveloperContribution).where(DeveloperContribution.reference == row["contribution"])
        .order_by(DeveloperContribution.id).limit(1)
    )
    if contribution is None:
        return f"The transaction refers to the contribution {row['contribution']}, which has not been imported"
    key = dict(contribution_id=contribution.id, status=row["status"], amount_pence=row["amount_pence"],
               units=row["units"], transaction_date=row["start_date"] or row["entry_date"])
    if db.session.scalar(select(DeveloperTransaction.id).filter_by(**key)) is not None:
        report.unchanged += 1
        return None
    transaction = DeveloperTransaction(**key, reference=row["reference"])
    db.session.add(transaction)
    db.session.flush()
    receive_section_106(transaction)  # social money received goes into the Social Value Fund
    report.created += 1
    return None
