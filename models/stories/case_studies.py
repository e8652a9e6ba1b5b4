"""Case studies for the annual impact report: officers choose commitments that went
well and ones that fell short, and write down the reasons for the variance and the
lessons learned, as the scrutiny committee asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import DomainError, db, utcnow
from models.people.permissions import require_officer
from models.core.events import record_event

if TYPE_CHECKING:
    from models.people.accounts import User
    from models.contracts.models import Commitment

KINDS = {"success": "Success", "underperformance": "Underperformance"}
MAX_TEXT = 10_000


class CaseStudy(db.Model):
    __tablename__ = "case_studies"
    __table_args__ = (
        CheckConstraint("kind IN ('success', 'underperformance')", name="kind_known"),
        Index("ix_case_studies_year", "financial_year", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    financial_year: Mapped[int]  # the year it starts, as in models.reporting.ledger.financial_year
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitments.id", ondelete="SET NULL"), index=True)
    summary: Mapped[str] = mapped_column(Text)  # Markdown: what happened
    variance_reasons: Mapped[str] = mapped_column(Text)  # Markdown: why delivery differed from the commitment
    lessons: Mapped[str] = mapped_column(Text)  # Markdown: what the council and supplier learned
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    commitment: Mapped["Commitment | None"] = relationship()

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


@dataclass(frozen=True)
class CaseStudyDetails:
    financial_year: int
    kind: str
    title: str
    commitment_id: int | None
    summary: str
    variance_reasons: str
    lessons: str


def _check(details: CaseStudyDetails) -> None:
    from models.contracts.models import Commitment

    if details.kind not in KINDS:
        raise DomainError("Choose whether this is a success or underperformance", "kind")
    if not details.title.strip():
        raise DomainError("Enter a title", "title")
    for field, label in (("summary", "what happened"), ("variance_reasons", "the reasons for the variance"), ("lessons", "the lessons learned")):
        text = getattr(details, field).strip()
        if not text:
            raise DomainError(f"Enter {label}", field)
        if len(text) > MAX_TEXT:
            raise DomainError(f"Keep {label} to {MAX_TEXT:,} characters or fewer", field)
    if details.commitment_id is not None:
        commitment = db.session.get(Commitment, details.commitment_id)
        if commitment is None or commitment.state != "approved":
            raise DomainError("Choose an approved commitment", "commitment_id")


def save_case_study(officer: "User", details: CaseStudyDetails, case_study: CaseStudy | None = None) -> CaseStudy:
    require_officer(officer, "Only council officers write case studies.")
    _check(details)
    creating = case_study is None
    if creating:
        case_study = CaseStudy(created_by_id=officer.id)
        db.session.add(case_study)
    for name, value in details.__dict__.items():
        setattr(case_study, name, value.strip() if isinstance(value, str) else value)
    case_study.updated_at = utcnow()
    db.session.flush()
    record_event("case_study.created" if creating else "case_study.updated", case_study, actor=officer,
                 detail={"title": case_study.title, "kind": case_study.kind})
    return case_study


def delete_case_study(officer: "User", case_study: CaseStudy) -> None:
    require_officer(officer, "Only council officers write case studies.")
    record_event("case_study.deleted", case_study, actor=officer, detail={"title": case_study.title})
    db.session.delete(case_study)
