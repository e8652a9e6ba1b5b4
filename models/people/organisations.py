"""Organisations (community groups and suppliers), their members and invitations."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import DomainError, PermissionDenied, db, require_officer, utcnow
from models.core.events import record_event
from models.people.registration_numbers import normalise_charity_number, normalise_company_number

if TYPE_CHECKING:
    from models.people.accounts import User
    from models.places.wards import Ward


class OrganisationKind(str, enum.Enum):
    VCSE = "vcse"
    SUPPLIER = "supplier"

    @property
    def label(self) -> str:
        return {"vcse": "Community group", "supplier": "Supplier"}[self.value]


class OrganisationStatus(str, enum.Enum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {"pending": "Waiting for verification", "verified": "Verified", "rejected": "Not verified"}[self.value]


# Legal forms, with how their registration number is checked.
VCSE_FORMS = {
    "charity": ("Registered charity", "charity"),
    "cio": ("Charitable incorporated organisation (CIO)", "charity"),
    "cic": ("Community interest company (CIC)", "company"),
    "community_group": ("Community group or unincorporated association", None),
}
SUPPLIER_FORMS = {
    "company": ("Limited company", "company"),
    "plc": ("Public limited company", "company"),
    "llp": ("Limited liability partnership", "company"),
}
SIZE_BANDS = {
    "micro": "Micro (fewer than 10 staff)",
    "small": "Small (10 to 49 staff)",
    "medium": "Medium (50 to 249 staff)",
    "large": "Large (250 staff or more)",
}


class Organisation(db.Model):
    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint("kind IN ('vcse', 'supplier')", name="kind_known"),
        CheckConstraint("status IN ('pending', 'verified', 'rejected')", name="status_known"),
        CheckConstraint(
            "size_band IS NULL OR size_band IN ('micro', 'small', 'medium', 'large')", name="size_band_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(160), index=True)
    legal_form: Mapped[str] = mapped_column(String(32))
    registration_number: Mapped[str | None] = mapped_column(String(16), index=True)
    size_band: Mapped[str | None] = mapped_column(String(8))
    based_in_borough: Mapped[bool] = mapped_column(Boolean, default=False)
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id", ondelete="SET NULL"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str | None] = mapped_column(String(255))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16), default=OrganisationStatus.PENDING.value, index=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    ward: Mapped["Ward | None"] = relationship()

    @property
    def kind_label(self) -> str:
        return OrganisationKind(self.kind).label

    @property
    def status_label(self) -> str:
        return OrganisationStatus(self.status).label

    @property
    def legal_form_label(self) -> str:
        forms = VCSE_FORMS if self.kind == OrganisationKind.VCSE.value else SUPPLIER_FORMS
        return forms.get(self.legal_form, (self.legal_form, None))[0]

    @property
    def size_band_label(self) -> str | None:
        return SIZE_BANDS.get(self.size_band) if self.size_band else None

    @property
    def is_verified(self) -> bool:
        return self.status == OrganisationStatus.VERIFIED.value

    @property
    def can_act_publicly(self) -> bool:
        """Only verified organisations publish needs, pledge or appear publicly."""
        return self.is_verified

    def membership_of(self, user: "User | None") -> "Membership | None":
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return db.session.scalar(
            select(Membership).where(Membership.organisation_id == self.id, Membership.user_id == user.id)
        )

    def is_member(self, user: "User | None") -> bool:
        return self.membership_of(user) is not None

    def is_owner(self, user: "User | None") -> bool:
        membership = self.membership_of(user)
        return membership is not None and membership.is_owner

    def can_view(self, user: "User | None") -> bool:
        if self.is_verified:
            return True
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return user.is_officer or self.is_member(user)

    def members(self) -> list["Membership"]:
        return list(
            db.session.scalars(
                select(Membership)
                .where(Membership.organisation_id == self.id)
                .order_by(Membership.is_owner.desc(), Membership.created_at)
            )
        )

    def owners(self) -> list["User"]:
        from models.people.accounts import User

        return list(
            db.session.scalars(
                select(User)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.organisation_id == self.id, Membership.is_owner.is_(True))
            )
        )


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id", name="uq_memberships_organisation_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    user: Mapped["User"] = relationship(back_populates="memberships")


class Invitation(db.Model):
    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("organisation_id", "email", name="uq_invitations_organisation_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()


def clean_registration_number(kind: OrganisationKind, legal_form: str, number: str | None) -> str | None:
    """Check the number against the legal form; return it canonical, or raise."""
    forms = VCSE_FORMS if kind == OrganisationKind.VCSE else SUPPLIER_FORMS
    if legal_form not in forms:
        raise DomainError("Select the type of organisation", field="legal_form")
    checker = forms[legal_form][1]
    number = (number or "").strip()
    if checker is None:
        return number or None
    if not number:
        label = "charity number" if checker == "charity" else "company number"
        raise DomainError(f"Enter the {label}", field="registration_number")
    if checker == "charity":
        cleaned = normalise_charity_number(number)
        if cleaned is None:
            raise DomainError(
                "Enter a charity number in the right format, like 1234567, SC012345 or NIC100002",
                field="registration_number",
            )
    else:
        cleaned = normalise_company_number(number)
        if cleaned is None:
            raise DomainError(
                "Enter a company number in the right format, like 01234567 or SC123456",
                field="registration_number",
            )
    return cleaned


def create_organisation(
    user: "User",
    kind: OrganisationKind,
    name: str,
    legal_form: str,
    registration_number: str | None = None,
    size_band: str | None = None,
    based_in_borough: bool = False,
    description: str = "",
    website: str | None = None,
    contact_email: str | None = None,
    ward_id: int | None = None,
) -> Organisation:
    if not user.email_verified:
        raise PermissionDenied("Confirm your email address before you register an organisation")
    number = clean_registration_number(kind, legal_form, registration_number)
    if kind == OrganisationKind.SUPPLIER and size_band not in SIZE_BANDS:
        raise DomainError("Select the size of the business", field="size_band")
    if number:
        duplicate = db.session.scalar(
            select(func.count())
            .select_from(Organisation)
            .where(Organisation.registration_number == number, Organisation.kind == kind.value)
        )
        if duplicate:
            raise DomainError(
                "An organisation with this registration number is already registered. "
                "Ask one of its members to invite you.",
                field="registration_number",
            )
    organisation = Organisation(
        kind=kind.value,
        name=name.strip(),
        legal_form=legal_form,
        registration_number=number,
        size_band=size_band if kind == OrganisationKind.SUPPLIER else None,
        based_in_borough=based_in_borough,
        description=description.strip(),
        website=(website or "").strip() or None,
        contact_email=(contact_email or "").strip().lower() or None,
        ward_id=ward_id,
        created_by_id=user.id,
    )
    db.session.add(organisation)
    db.session.flush()
    db.session.add(Membership(organisation_id=organisation.id, user_id=user.id, is_owner=True))
    record_event("organisation.created", organisation, actor=user, to_state=OrganisationStatus.PENDING.value)
    return organisation


def verify_organisation(organisation: Organisation, officer: "User") -> None:
    require_officer(officer)
    if organisation.status != OrganisationStatus.PENDING.value:
        raise DomainError(f"This organisation is already {organisation.status_label.lower()}")
    organisation.status = OrganisationStatus.VERIFIED.value
    organisation.rejection_reason = None
    organisation.decided_at = utcnow()
    organisation.decided_by_id = officer.id
    record_event("organisation.verified", organisation, actor=officer, from_state="pending", to_state="verified")


def reject_organisation(organisation: Organisation, officer: "User", reason: str) -> None:
    require_officer(officer)
    reason = reason.strip()
    if not reason:
        raise DomainError("Enter the reason, so the applicant knows what to change", field="reason")
    if organisation.status != OrganisationStatus.PENDING.value:
        raise DomainError(f"This organisation is already {organisation.status_label.lower()}")
    organisation.status = OrganisationStatus.REJECTED.value
    organisation.rejection_reason = reason
    organisation.decided_at = utcnow()
    organisation.decided_by_id = officer.id
    record_event(
        "organisation.rejected",
        organisation,
        actor=officer,
        from_state="pending",
        to_state="rejected",
        detail={"reason": reason},
    )


def resubmit_organisation(organisation: Organisation, user: "User") -> None:
    if not organisation.is_owner(user):
        raise PermissionDenied("Only the organisation's owners can resubmit it")
    if organisation.status != OrganisationStatus.REJECTED.value:
        raise DomainError("Only an organisation that was not verified can be resubmitted")
    organisation.status = OrganisationStatus.PENDING.value
    organisation.submitted_at = utcnow()
    record_event("organisation.resubmitted", organisation, actor=user, from_state="rejected", to_state="pending")


def update_organisation_details(organisation: Organisation, user: "User", **fields) -> None:
    if not (organisation.is_owner(user) or user.is_officer):
        raise PermissionDenied("Only the organisation's owners can change its details")
    kind = OrganisationKind(organisation.kind)
    legal_form = fields.get("legal_form", organisation.legal_form)
    number = clean_registration_number(kind, legal_form, fields.get("registration_number"))
    if kind == OrganisationKind.SUPPLIER and fields.get("size_band") not in SIZE_BANDS:
        raise DomainError("Select the size of the business", field="size_band")
    changed = []
    values = dict(fields, registration_number=number)
    for key in (
        "name",
        "legal_form",
        "registration_number",
        "size_band",
        "based_in_borough",
        "description",
        "website",
        "contact_email",
        "ward_id",
    ):
        if key in values and getattr(organisation, key) != values[key]:
            setattr(organisation, key, values[key])
            changed.append(key)
    if changed:
        record_event("organisation.updated", organisation, actor=user, detail={"fields": changed})


def invite_member(organisation: Organisation, inviter: "User", email: str) -> Invitation:
    from models.people.accounts import User, normalise_email

    if not organisation.is_owner(inviter):
        raise PermissionDenied("Only the organisation's owners can invite members")
    email = normalise_email(email)
    already_member = db.session.scalar(
        select(func.count())
        .select_from(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation.id, User.email == email)
    )
    if already_member:
        raise DomainError("This person is already a member", field="email")
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.organisation_id == organisation.id, Invitation.email == email)
    )
    if invitation is None:
        invitation = Invitation(organisation_id=organisation.id, email=email, invited_by_id=inviter.id)
        db.session.add(invitation)
        db.session.flush()
    else:
        invitation.created_at = utcnow()
        invitation.accepted_at = None
        invitation.invited_by_id = inviter.id
    record_event("organisation.member_invited", organisation, actor=inviter, detail={"invitation_id": invitation.id})
    return invitation


def accept_invitation(invitation: Invitation, user: "User") -> Membership:
    if invitation.accepted_at is not None:
        raise DomainError("This invitation has already been used")
    if user.email != invitation.email:
        raise PermissionDenied(
            "This invitation was sent to a different email address. Sign in with the account for that address."
        )
    if not user.email_verified:
        raise PermissionDenied("Confirm your email address before you join an organisation")
    organisation = invitation.organisation
    membership = organisation.membership_of(user)
    if membership is None:
        membership = Membership(organisation_id=organisation.id, user_id=user.id, is_owner=False)
        db.session.add(membership)
    invitation.accepted_at = utcnow()
    record_event("organisation.member_joined", organisation, actor=user, detail={"invitation_id": invitation.id})
    return membership


def remove_member(organisation: Organisation, actor: "User", membership: Membership) -> None:
    if membership.organisation_id != organisation.id:
        raise PermissionDenied("That person is not a member of this organisation")
    leaving_self = membership.user_id == actor.id
    if not (leaving_self or organisation.is_owner(actor)):
        raise PermissionDenied("Only the organisation's owners can remove members")
    if membership.is_owner:
        other_owners = db.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(
                Membership.organisation_id == organisation.id,
                Membership.is_owner.is_(True),
                Membership.id != membership.id,
            )
        )
        if not other_owners:
            raise DomainError("An organisation needs at least one owner. Make someone else an owner first.")
    db.session.delete(membership)
    record_event("organisation.member_removed", organisation, actor=actor, detail={"user_id": membership.user_id})


def pending_organisations() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.status == OrganisationStatus.PENDING.value)
            .order_by(Organisation.submitted_at, Organisation.id)
        )
    )
