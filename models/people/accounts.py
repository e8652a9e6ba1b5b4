"""People: accounts, roles, and the rules that change them."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, delete, func, select, update
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from models import DomainError, db, utcnow
from models.core.events import record_event
from models.people.passwords import hash_password, password_problem, verify_password

if TYPE_CHECKING:
    from models.people.organisations import Membership, Organisation
    from models.places.wards import Ward


class Role(str, enum.Enum):
    RESIDENT = "resident"
    OFFICER = "officer"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {"resident": "Resident", "officer": "Council officer", "admin": "Administrator"}[self.value]


def new_session_id() -> str:
    return secrets.token_urlsafe(24)


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('resident', 'officer', 'admin')", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.RESIDENT.value, index=True)
    # Rotated on password change and "sign out everywhere": Flask-Login keys
    # sessions on it, so old cookies stop working.
    session_id: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_id)
    email_verified_at: Mapped[datetime | None]
    postcode: Mapped[str | None] = mapped_column(String(8))
    # The language the person chose for pages and emails ("cy"); none: the browser's guess.
    locale: Mapped[str | None] = mapped_column(String(16))
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    ward: Mapped["Ward | None"] = relationship()
    memberships: WriteOnlyMapped["Membership"] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    # Flask-Login protocol, kept here so the model is the one place that knows.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.session_id

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_officer(self) -> bool:
        return self.role in (Role.OFFICER.value, Role.ADMIN.value)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    def organisations(self) -> list["Organisation"]:
        from models.people.organisations import Membership, Organisation

        return list(
            db.session.scalars(
                select(Organisation)
                .join(Membership, Membership.organisation_id == Organisation.id)
                .where(Membership.user_id == self.id)
                .order_by(Organisation.name)
            )
        )

    def check_password(self, password: str) -> bool:
        return verify_password(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def email_taken(email: str, except_user: User | None = None) -> bool:
    query = select(func.count()).select_from(User).where(User.email == normalise_email(email))
    if except_user is not None:
        query = query.where(User.id != except_user.id)
    return db.session.scalar(query) > 0


def register_user(name: str, email: str, password: str, role: Role = Role.RESIDENT) -> User:
    email = normalise_email(email)
    if email_taken(email):
        raise DomainError("An account with this email address already exists", field="email")
    problem = password_problem(password, [name, email, *email.split("@")])
    if problem:
        raise DomainError(problem, field="password")
    user = User(name=name.strip(), email=email, password_hash=hash_password(password), role=role.value)
    db.session.add(user)
    db.session.flush()
    record_event("user.registered", user, actor=user, to_state=role.value)
    return user


def verify_email(user: User, email: str) -> bool:
    """Mark the address verified if the link was for the address the account has now."""
    if normalise_email(email) != user.email:
        return False
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        record_event("user.email_verified", user, actor=user, from_state="unverified", to_state="verified")
    return True


def set_password(user: User, new_password: str, actor: User | None = None) -> None:
    problem = password_problem(new_password, [user.name, user.email, *user.email.split("@")])
    if problem:
        raise DomainError(problem, field="new_password")
    user.password_hash = hash_password(new_password)
    user.session_id = new_session_id()
    record_event("user.password_changed", user, actor=actor or user)


def sign_out_everywhere(user: User) -> None:
    """End every session of the account: a copied session or remember-me cookie stops working."""
    user.session_id = new_session_id()
    record_event("user.signed_out", user, actor=user)


def change_email(user: User, new_email: str) -> None:
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise DomainError("That is already your email address", field="email")
    if email_taken(new_email, except_user=user):
        raise DomainError("An account with this email address already exists", field="email")
    was = "verified" if user.email_verified_at is not None else "unverified"
    user.email = new_email
    user.email_verified_at = None
    record_event("user.email_changed", user, actor=user, from_state=was, to_state="unverified")


def set_role(user: User, role: Role, actor: User) -> None:
    if user.role == role.value:
        return
    if user.id == actor.id and role != Role.ADMIN:
        raise DomainError("You cannot remove your own administrator role", field="role")
    old = user.role
    user.role = role.value
    user.session_id = new_session_id()
    record_event("user.role_changed", user, actor=actor, from_state=old, to_state=role.value)


def delete_account(user: User) -> None:
    """Remove the person's data; what they published stays with their organisation.

    Rows that point at the user (audit events, organisations they created,
    decisions they made) keep their history with the person removed
    (ON DELETE SET NULL); memberships and queued email go with the account.
    """
    from models.core.mail import EmailMessage
    from models.people.organisations import Invitation, Membership, Organisation

    if user.is_admin:
        remaining = db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.ADMIN.value, User.id != user.id)
        )
        if remaining == 0:
            raise DomainError("You are the only administrator. Make someone else an administrator first.")
    for organisation_id in db.session.scalars(
        select(Membership.organisation_id).where(Membership.user_id == user.id, Membership.is_owner.is_(True))
    ).all():
        others = db.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.organisation_id == organisation_id, Membership.user_id != user.id)
        )
        organisation = db.session.get(Organisation, organisation_id)
        if others:
            # Someone has to be able to run the organisation after we leave.
            has_other_owner = db.session.scalar(
                select(func.count())
                .select_from(Membership)
                .where(
                    Membership.organisation_id == organisation_id,
                    Membership.user_id != user.id,
                    Membership.is_owner.is_(True),
                )
            )
            if not has_other_owner:
                db.session.execute(
                    update(Membership)
                    .where(
                        Membership.id
                        == select(Membership.id)
                        .where(Membership.organisation_id == organisation_id, Membership.user_id != user.id)
                        .order_by(Membership.created_at, Membership.id)
                        .limit(1)
                        .scalar_subquery()
                    )
                    .values(is_owner=True)
                )
        record_event("organisation.member_left", organisation, actor=None, detail={"reason": "account deleted"})
    record_event("user.deleted", user, actor=None, from_state="active", to_state="deleted")
    db.session.execute(delete(EmailMessage).where(EmailMessage.to_address == user.email))
    db.session.execute(delete(Invitation).where(Invitation.email == user.email))
    db.session.execute(delete(Membership).where(Membership.user_id == user.id))
    db.session.delete(user)
