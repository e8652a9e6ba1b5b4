"""Organisations (community groups and suppliers), their members and invitations.

An organisation's identity (its name, legal form and registration number) is what an
officer verifies. Once verified, a change to it goes back to an officer: it waits in an
OrganisationChange, and the organisation keeps its verified identity, on every public page
and in the open data, until an officer approves the change. Two organisations never share
a registration number of the same kind (charity or company): a partial unique index per
kind of number, and a clear message beside the field when someone tries."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import DomainError, PermissionDenied, db, utcnow
from models.people.permissions import require_officer
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
# The legal forms whose numbers come from each register: a number is unique within its register.
REGISTERS = {
    register: tuple(sorted(form for form, (_, checker) in {**VCSE_FORMS, **SUPPLIER_FORMS}.items() if checker == register))
    for register in ("charity", "company")
}
# The fields an officer verifies: changing one of them sends a verified organisation back.
IDENTITY_FIELDS = ("name", "legal_form", "registration_number")
NUMBER_TAKEN = (
    "An organisation with this registration number is already registered. Ask one of its members to invite you."
)


def register_of(legal_form: str) -> str | None:
    """"charity" or "company": the register the legal form's number comes from (None: no register)."""
    return {**VCSE_FORMS, **SUPPLIER_FORMS}.get(legal_form, ("", None))[1]


def _one_number_per_register(register: str) -> Index:
    forms = ", ".join(f"'{form}'" for form in REGISTERS[register])
    where = text(f"registration_number IS NOT NULL AND legal_form IN ({forms})")
    return Index(
        f"uq_organisations_{register}_number",
        "registration_number",
        unique=True,
        sqlite_where=where,
        postgresql_where=where,
    )


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
        _one_number_per_register("charity"),
        _one_number_per_register("company"),
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
    change: Mapped["OrganisationChange | None"] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", uselist=False
    )

    @property
    def pending_change(self) -> "OrganisationChange | None":
        """A change of identity waiting for an officer (None when there is none)."""
        change = self.change
        return change if change is not None and change.status == "pending" else None

    @property
    def rejected_change(self) -> "OrganisationChange | None":
        """The last change of identity an officer did not accept, until the owners change it again."""
        change = self.change
        return change if change is not None and change.status == "rejected" else None

    def identity(self) -> dict[str, str | None]:
        return {key: getattr(self, key) for key in IDENTITY_FIELDS}

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


class OrganisationChange(db.Model):
    """A verified organisation's new name, legal form or registration number, waiting for an
    officer (status "pending"), or the last one an officer did not accept ("rejected", with
    the reason, shown to the owners until they change the details again). At most one per
    organisation; an approved change is applied and deleted (the audit trail keeps it)."""

    __tablename__ = "organisation_changes"
    __table_args__ = (CheckConstraint("status IN ('pending', 'rejected')", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(String(160))
    legal_form: Mapped[str] = mapped_column(String(32))
    registration_number: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(back_populates="change")

    def identity(self) -> dict[str, str | None]:
        return {key: getattr(self, key) for key in IDENTITY_FIELDS}

    @property
    def legal_form_label(self) -> str:
        forms = VCSE_FORMS if self.organisation.kind == OrganisationKind.VCSE.value else SUPPLIER_FORMS
        return forms.get(self.legal_form, (self.legal_form, None))[0]

    def changed_fields(self) -> list[str]:
        """Which of name, legal form and number this change would change."""
        return [key for key in IDENTITY_FIELDS if getattr(self, key) != getattr(self.organisation, key)]


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
    if number_taken(legal_form, number):
        raise DomainError(NUMBER_TAKEN, field="registration_number")
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
    flush_or_number_taken()
    db.session.add(Membership(organisation_id=organisation.id, user_id=user.id, is_owner=True))
    record_event("organisation.created", organisation, actor=user, to_state=OrganisationStatus.PENDING.value)
    return organisation


def number_taken(legal_form: str, number: str | None, other_than: int | None = None) -> bool:
    """Whether another organisation has this number in the same register (charity or company)."""
    register = register_of(legal_form)
    if not number or register is None:
        return False
    query = select(func.count()).select_from(Organisation).where(
        Organisation.registration_number == number, Organisation.legal_form.in_(REGISTERS[register])
    )
    if other_than is not None:
        query = query.where(Organisation.id != other_than)
    return bool(db.session.scalar(query))


def flush_or_number_taken() -> None:
    """Write the pending changes; if another request took the number meanwhile, the unique
    index refuses it: say so beside the field (the caller's transaction is rolled back)."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        if "registration_number" in str(error.orig) or "_number" in str(error.orig):
            raise DomainError(NUMBER_TAKEN, field="registration_number") from error
        raise



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
    """Change an organisation's details. A change to the name, legal form or registration
    number of a verified organisation, asked for by one of its owners, goes back to an
    officer (an OrganisationChange) and the verified ones stay until it is approved; the
    other details change straight away. An officer's change, or one to an organisation not
    yet verified, applies at once (it is checked when it is verified)."""
    if not (organisation.is_owner(user) or user.is_officer):
        raise PermissionDenied("Only the organisation's owners can change its details")
    kind = OrganisationKind(organisation.kind)
    current = organisation.pending_change.identity() if organisation.pending_change else organisation.identity()
    legal_form = fields.get("legal_form", current["legal_form"])
    number = clean_registration_number(
        kind, legal_form, fields.get("registration_number", current["registration_number"])
    )
    if kind == OrganisationKind.SUPPLIER and fields.get("size_band", organisation.size_band) not in SIZE_BANDS:
        raise DomainError("Select the size of the business", field="size_band")
    if number_taken(legal_form, number, other_than=organisation.id):
        raise DomainError(NUMBER_TAKEN, field="registration_number")
    wanted = {
        "name": (fields.get("name", current["name"]) or "").strip(),
        "legal_form": legal_form,
        "registration_number": number,
    }
    if not wanted["name"]:
        raise DomainError("Enter the organisation's name", field="name")
    if organisation.is_verified and not user.is_officer:
        _ask_for_reverification(organisation, user, wanted)
        identity: dict = {}
    else:
        identity = wanted
    changed = []
    values = {**{key: value for key, value in fields.items() if key not in IDENTITY_FIELDS}, **identity}
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
        flush_or_number_taken()
        record_event("organisation.updated", organisation, actor=user, detail={"fields": changed})


def _ask_for_reverification(organisation: Organisation, user: "User", wanted: dict[str, str | None]) -> None:
    """Keep (or withdraw) the owners' change of a verified organisation's identity."""
    change = organisation.change
    if wanted == organisation.identity():
        if change is not None:
            was_pending = change.status == "pending"
            organisation.change = None  # back to the verified details: nothing to check
            db.session.flush()
            if was_pending:
                record_event("organisation.change_withdrawn", organisation, actor=user, from_state="pending")
        return
    if change is not None and change.status == "pending" and change.identity() == wanted:
        return  # the same change, still waiting
    if change is None:
        change = OrganisationChange(organisation=organisation, **wanted)
        db.session.add(change)
    for key, value in wanted.items():
        setattr(change, key, value)
    change.status, change.reason = "pending", None
    change.requested_by_id, change.requested_at = user.id, utcnow()
    change.decided_by_id, change.decided_at = None, None
    db.session.flush()
    record_event(
        "organisation.change_requested",
        organisation,
        actor=user,
        to_state="pending",
        detail={"fields": change.changed_fields(), "from": organisation.identity(), "to": wanted},
    )


def approve_organisation_change(organisation: Organisation, officer: "User") -> None:
    """The officer has checked the new name, legal form or number: it becomes the verified one."""
    require_officer(officer)
    change = organisation.pending_change
    if change is None:
        raise DomainError("There is no change of details waiting for this organisation")
    if number_taken(change.legal_form, change.registration_number, other_than=organisation.id):
        raise DomainError(
            "Another organisation now has this registration number. Do not accept the change, and tell the owners why."
        )
    before, after = organisation.identity(), change.identity()
    fields = change.changed_fields()
    for key, value in after.items():
        setattr(organisation, key, value)
    organisation.change = None
    organisation.decided_at, organisation.decided_by_id = utcnow(), officer.id
    flush_or_number_taken()
    record_event(
        "organisation.change_approved",
        organisation,
        actor=officer,
        from_state="pending",
        to_state="verified",
        detail={"fields": fields, "from": before, "to": after},
    )


def reject_organisation_change(organisation: Organisation, officer: "User", reason: str) -> None:
    """The officer could not confirm the new details: the verified ones stay, and the owners see why."""
    require_officer(officer)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Enter the reason, so the applicant knows what to change", field="reason")
    change = organisation.pending_change
    if change is None:
        raise DomainError("There is no change of details waiting for this organisation")
    change.status, change.reason = "rejected", reason
    change.decided_by_id, change.decided_at = officer.id, utcnow()
    record_event(
        "organisation.change_rejected",
        organisation,
        actor=officer,
        from_state="pending",
        to_state="rejected",
        detail={"fields": change.changed_fields(), "to": change.identity(), "reason": reason},
    )


def organisations_to_verify():
    """Organisations waiting for an officer, longest-waiting first (as the officers' work
    queue takes them): new ones since they were sent, and verified ones since their owners
    asked to change their name, legal form or number."""
    from sqlalchemy import and_, or_

    return (
        select(Organisation)
        .outerjoin(
            OrganisationChange,
            and_(OrganisationChange.organisation_id == Organisation.id, OrganisationChange.status == "pending"),
        )
        .where(or_(Organisation.status == OrganisationStatus.PENDING.value, OrganisationChange.id.is_not(None)))
        .order_by(func.coalesce(OrganisationChange.requested_at, Organisation.submitted_at), Organisation.id)
    )


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
