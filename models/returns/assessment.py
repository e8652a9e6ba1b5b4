"""A contract performance assessment for a contract and a 12-month year (Procurement Act
2023, section 71): the contract, the supplier, the period, and each KPI with its figures,
rating and explanation; as rows for a page and a CSV, and as an OCDS release whose
`contracts[].implementation.metrics` carry each KPI's delivery in the year, its rating in the
observation's notes. Ready for the officer to publish to the central platform."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from models.contracts.models import Contract
from models.reporting.ocds_release import _observations, _period, contract_release, package_head
from models.reporting.opendata import Publisher
from models.returns.kpis import KpiYear, kpi_years
from models.returns.ratings import Rating

CSV_HEADER = (
    "contract_reference", "contract_title", "supplier", "period_start", "period_end", "kpi", "unit", "target",
    "due_date", "pro_rata_target", "delivered", "proposed_rating", "rating", "explanation",
)


@dataclass(frozen=True)
class Assessment:
    contract: Contract
    year_start: date
    year_end: date
    kpis: list[KpiYear]

    @property
    def complete(self) -> bool:
        """Every KPI has an officer's rating."""
        return bool(self.kpis) and all(row.saved is not None for row in self.kpis)


def rating_of(row: KpiYear) -> tuple[str, str]:
    """(rating label, explanation): the officer's, else the proposed one marked as such."""
    if row.saved is not None:
        return Rating(row.saved.rating).label, row.saved.reason
    return Rating(row.proposed.value).label, "Proposed from the figures; not yet confirmed by an officer."


def assessment_for(contract: Contract, year_start: date, today: date) -> Assessment | None:
    rows = [row for row in kpi_years(contract, today) if row.year_start == year_start]
    if not rows:
        return None
    return Assessment(contract, year_start, rows[0].year_end, rows)


def csv_rows(assessment: Assessment) -> list[list[Any]]:
    contract = assessment.contract
    rows = []
    for row in assessment.kpis:
        rating, explanation = rating_of(row)
        rows.append([
            contract.reference, contract.title, contract.supplier.name, assessment.year_start.isoformat(),
            assessment.year_end.isoformat(), row.commitment.measure.name, row.commitment.measure.unit,
            row.commitment.target_quantity, row.commitment.due_date.isoformat(), row.pro_rata_target, row.delivered,
            row.proposed.label, rating, explanation,
        ])
    return rows


def assessment_release(assessment: Assessment, publisher: Publisher) -> dict[str, Any]:
    """The contract's release with its KPIs' delivery in the year as implementation metrics."""
    changed = datetime.combine(assessment.year_end, time(23, 59, 59))
    commitments = [row.commitment for row in assessment.kpis]
    release = contract_release(assessment.contract, commitments, changed, publisher)
    period = _period(assessment.year_start, assessment.year_end)
    metrics = []
    for row in assessment.kpis:
        rating, explanation = rating_of(row)
        notes = (f"Contract performance assessment, {assessment.year_start:%d %B %Y} to {assessment.year_end:%d %B %Y}: "
                 f"rated {rating}. Delivered {row.delivered:,} against a pro-rata target of {row.pro_rata_target:,}."
                 + (f" {explanation}" if explanation else ""))
        key = f"commitment-{row.commitment.id}-{assessment.year_start.isoformat()}"
        metrics.append({
            "id": f"commitment-{row.commitment.id}",
            "title": row.commitment.measure.name,
            "observations": _observations(key, row.commitment.measure, row.delivered, period, "delivered quantity", notes),
        })
    release["contracts"][0]["implementation"] = {"metrics": metrics}
    release["tag"] = ["implementation"]
    release["id"] = f"{release['ocid']}-assessment-{assessment.year_start.isoformat()}"
    return release


def assessment_package(assessment: Assessment, publisher: Publisher, uri: str, published: datetime) -> dict[str, Any]:
    return {**package_head(publisher, uri, published), "releases": [assessment_release(assessment, publisher)]}
