"""Planning contributions whose purpose is social (community facilities, economic
development, education, health, open space and leisure, employment and skills) can carry
commitments and needs: an officer links a commitment of a planning obligation agreement (the
developer's promise, such as local jobs) or a community need (what the money pays for) to
the contribution. A commitment or a need is linked to at most one contribution (database
constraints); the developer agreement takes the planning obligation as its agreement."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import DomainError, db, utcnow
from models.contracts.models import Commitment
from models.core.events import record_event
from models.needs.models import Need
from models.people.permissions import require_officer
from models.planning.models import DeveloperContribution

if TYPE_CHECKING:
    from models.people.accounts import User


class ContributionLink(db.Model):
    __tablename__ = "contribution_links"
    __table_args__ = (
        CheckConstraint("(commitment_id IS NULL) <> (need_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("developer_contributions.id", ondelete="CASCADE"), index=True)
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"), unique=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    contribution: Mapped[DeveloperContribution] = relationship()
    commitment: Mapped[Commitment | None] = relationship()
    need: Mapped[Need | None] = relationship()


def _social(contribution: DeveloperContribution) -> None:
    if not contribution.is_social:
        raise DomainError(f"This contribution is for {contribution.purpose_label.lower()}, not a social purpose: "
                          "only social contributions carry commitments and needs")


def link_commitment(contribution: DeveloperContribution, commitment_id: int | None, officer: "User") -> ContributionLink:
    require_officer(officer)
    _social(contribution)
    commitment = db.session.get(Commitment, commitment_id) if commitment_id else None
    if commitment is None:
        raise DomainError("Choose a commitment", field="commitment_id")
    if commitment.contract.kind != "planning_obligation":
        raise DomainError("Only a commitment of a planning obligation can be linked to a planning contribution",
                          field="commitment_id")
    developer_agreement = contribution.developer_agreement
    if developer_agreement.agreement_id not in (None, commitment.contract_id):
        raise DomainError(f"{developer_agreement.reference} belongs to the planning obligation "
                          f"{developer_agreement.agreement.reference}: choose one of its commitments", field="commitment_id")
    if db.session.scalar(select(ContributionLink.id).where(ContributionLink.commitment_id == commitment.id)):
        raise DomainError("This commitment is already linked to a contribution", field="commitment_id")
    developer_agreement.agreement_id = commitment.contract_id
    link = ContributionLink(contribution_id=contribution.id, commitment_id=commitment.id, created_by_id=officer.id)
    db.session.add(link)
    db.session.flush()
    record_event("contribution.linked", contribution, actor=officer, detail={"commitment": commitment.id})
    return link


def link_need(contribution: DeveloperContribution, need_id: int | None, officer: "User") -> ContributionLink:
    require_officer(officer)
    _social(contribution)
    need = db.session.get(Need, need_id) if need_id else None
    if need is None:
        raise DomainError("Enter the number of an existing need", field="need_id")
    if need.status in ("draft", "rejected", "withdrawn"):
        raise DomainError("Link a need that has been submitted to the council, not a draft, rejected or withdrawn one",
                          field="need_id")
    if db.session.scalar(select(ContributionLink.id).where(ContributionLink.need_id == need.id)):
        raise DomainError("This need is already linked to a contribution", field="need_id")
    link = ContributionLink(contribution_id=contribution.id, need_id=need.id, created_by_id=officer.id)
    db.session.add(link)
    db.session.flush()
    record_event("contribution.linked", contribution, actor=officer, detail={"need": need.id})
    return link


def unlink(link: ContributionLink, officer: "User") -> None:
    require_officer(officer)
    detail = {"commitment": link.commitment_id} if link.commitment_id else {"need": link.need_id}
    record_event("contribution.unlinked", link.contribution, actor=officer, detail=detail)
    db.session.delete(link)


def links_by_contribution(contribution_ids: list[int]) -> dict[int, list[ContributionLink]]:
    """The links of these contributions (one query), for the planning register."""
    from sqlalchemy.orm import joinedload

    found: dict[int, list[ContributionLink]] = {}
    if contribution_ids:
        for link in db.session.scalars(
            select(ContributionLink).where(ContributionLink.contribution_id.in_(contribution_ids))
            .options(joinedload(ContributionLink.commitment).joinedload(Commitment.contract),
                     joinedload(ContributionLink.commitment).joinedload(Commitment.measure),
                     joinedload(ContributionLink.need))
            .order_by(ContributionLink.id)
        ):
            found.setdefault(link.contribution_id, []).append(link)
    return found


def contribution_of_commitment(commitment_id: int) -> DeveloperContribution | None:
    return db.session.scalar(
        select(DeveloperContribution).join(ContributionLink, ContributionLink.contribution_id == DeveloperContribution.id)
        .where(ContributionLink.commitment_id == commitment_id)
    )


def planning_commitments(limit: int = 500) -> list[Commitment]:
    """Commitments of planning obligations, for the officer to choose from."""
    from sqlalchemy.orm import joinedload

    from models.contracts.models import Contract

    return list(db.session.scalars(
        select(Commitment).join(Contract, Contract.id == Commitment.contract_id)
        .where(Contract.kind == "planning_obligation", Commitment.state != "rejected")
        .options(joinedload(Commitment.contract), joinedload(Commitment.measure))
        .order_by(Contract.reference, Commitment.id).limit(limit)
    ))
