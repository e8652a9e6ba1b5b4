"""The rules that change a community need: who may create and edit it, the live-need cap,
and the moves draft → submitted → published (or changes requested, or rejected) → closed,
with expiry past the deadline. The tables are in `models.needs.models`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from models import DomainError, PermissionDenied, db, utcnow
from models.people.permissions import require_officer
from models.core.events import Event, record_event
from models.matching.matches import match_need_after_commit
from models.core.translations import Limits, SecondText, set_translation
from models.places.themes import NeedKind

if TYPE_CHECKING:
    from models.people.accounts import User
    from models.people.organisations import Organisation
from models.needs.models import DEFAULT_LIVE_NEED_CAP, LIVE_STATUSES, MAX_BENEFICIARIES, MAX_QUANTITY, MAX_VALUE_PENCE, Need, NeedStatus

OFFICERS_MODERATE = "Only council officers can moderate needs"


@dataclass
class NeedDetails:
    """What a group fills in. Validated by validate_details, used to create and edit."""

    title: str
    summary: str
    description: str
    kind: str
    quantity: int
    unit: str
    value_pence: int
    ward_id: int | None
    theme_id: int
    beneficiaries: int
    deadline: date
    photo_alt: str | None = None
    language: str = ""  # the language the text is in; empty: the council's default


def validate_details(details: NeedDetails, today: date) -> None:
    """The rules a need's details must meet, whoever sends them (form, API, CLI)."""
    from models.places.wards import Ward
    from models.places.themes import Theme

    if not details.title.strip():
        raise DomainError("Enter a title", field="title")
    if not details.summary.strip():
        raise DomainError("Enter a summary", field="summary")
    if details.kind not in {kind.value for kind in NeedKind}:
        raise DomainError("Select what kind of help you need", field="kind")
    if not 1 <= details.quantity <= MAX_QUANTITY:
        raise DomainError(f"Quantity must be between 1 and {MAX_QUANTITY:,}", field="quantity")
    if not 0 <= details.value_pence <= MAX_VALUE_PENCE:
        raise DomainError(f"Value must be between £0 and £{MAX_VALUE_PENCE // 100:,}", field="value")
    if not 0 <= details.beneficiaries <= MAX_BENEFICIARIES:
        raise DomainError(f"Beneficiaries must be between 0 and {MAX_BENEFICIARIES:,}", field="beneficiaries")
    if details.deadline <= today:
        raise DomainError("The deadline must be in the future", field="deadline")
    if details.ward_id is not None and db.session.get(Ward, details.ward_id) is None:
        raise DomainError("Select a ward from the list", field="ward_id")
    theme = db.session.get(Theme, details.theme_id)
    if theme is None or not theme.active:
        raise DomainError("Select a priority theme", field="theme_id")


def live_need_cap() -> int:
    from models.core.settings import get_setting

    try:
        return int(get_setting("live_need_cap") or DEFAULT_LIVE_NEED_CAP)
    except ValueError:
        return DEFAULT_LIVE_NEED_CAP


def live_need_count(organisation_id: int, except_need_id: int | None = None) -> int:
    query = (
        select(func.count())
        .select_from(Need)
        .where(Need.organisation_id == organisation_id, Need.status.in_(LIVE_STATUSES))
    )
    if except_need_id is not None:
        query = query.where(Need.id != except_need_id)
    return db.session.scalar(query) or 0


def _require_group_member(organisation: "Organisation", user: "User") -> None:
    from models.people.organisations import OrganisationKind

    if organisation.kind != OrganisationKind.VCSE.value:
        raise PermissionDenied("Only community groups post needs")
    if not organisation.is_member(user):
        raise PermissionDenied("Only members of the group can do this")


def create_need(
    organisation: "Organisation", user: "User", details: NeedDetails, today: date, client_token: str | None = None
) -> Need:
    _require_group_member(organisation, user)
    validate_details(details, today)
    need = Need(
        organisation_id=organisation.id,
        created_by_id=user.id,
        client_token=client_token,
        status=NeedStatus.DRAFT.value,
        pledged_quantity=0,
        accepted_quantity=0,
        delivered_quantity=0,
        **_columns(details),
    )
    need.refresh_remaining_value()
    db.session.add(need)
    db.session.flush()
    record_event("need.created", need, actor=user, to_state=NeedStatus.DRAFT.value)
    return need


def _columns(details: NeedDetails) -> dict:
    return {
        "title": details.title.strip(),
        "summary": details.summary.strip(),
        "description": details.description.strip(),
        "kind": details.kind,
        "quantity": details.quantity,
        "unit": details.unit.strip(),
        "value_pence": details.value_pence,
        "ward_id": details.ward_id,
        "theme_id": details.theme_id,
        "beneficiaries": details.beneficiaries,
        "deadline": details.deadline,
        "photo_alt": (details.photo_alt or "").strip() or None,
        "language": details.language or "",
    }


def update_need(need: Need, user: "User", details: NeedDetails, today: date) -> None:
    _require_group_member(need.organisation, user)
    if not need.is_editable:
        raise DomainError(f"A need that is {need.status_label.lower()} cannot be changed")
    validate_details(details, today)
    changed = [key for key, value in _columns(details).items() if getattr(need, key) != value]
    for key, value in _columns(details).items():
        setattr(need, key, value)
    need.refresh_remaining_value()
    if changed:
        record_event("need.updated", need, actor=user, detail={"fields": changed})


NEED_TEXT_LIMITS = Limits(title=120, summary=300, description=20_000)


def translate_need(need: Need, user: "User", text: SecondText | None, offered: list[str]) -> bool:
    """The need's title, summary and description in another of the council's languages."""
    if text is None:
        return False
    _require_group_member(need.organisation, user)
    if not need.is_editable:
        raise DomainError(f"A need that is {need.status_label.lower()} cannot be changed")
    return set_translation(need, user, text, NEED_TEXT_LIMITS, offered)


def set_photo(need: Need, user: "User", filename: str | None) -> str | None:
    """Attach (or remove) the stored photo; returns the old file name to delete after commit."""
    _require_group_member(need.organisation, user)
    if not need.is_editable:
        raise DomainError(f"A need that is {need.status_label.lower()} cannot be changed")
    old = need.photo_filename
    need.photo_filename = filename
    record_event("need.photo_changed", need, actor=user, detail={"removed": filename is None})
    return old


def _move(need: Need, to: NeedStatus, actor: "User | None", action: str, detail: dict | None = None) -> None:
    old = need.status
    need.status = to.value
    record_event(action, need, actor=actor, from_state=old, to_state=to.value, detail=detail)


def submit_need(need: Need, user: "User", today: date) -> None:
    _require_group_member(need.organisation, user)
    if not need.organisation.can_act_publicly:
        raise PermissionDenied(
            "Your group must be verified by the council before it can send needs for review. "
            "You can keep this need as a draft until then."
        )
    if not need.is_editable:
        raise DomainError(f"A need that is {need.status_label.lower()} cannot be sent for review")
    if need.deadline <= today:
        raise DomainError("The deadline must be in the future", field="deadline")
    cap = live_need_cap()
    if live_need_count(need.organisation_id, except_need_id=need.id) >= cap:
        raise DomainError(
            f"Your group already has {cap} live needs, the most allowed at once. "
            "Close or withdraw one before sending another."
        )
    need.submitted_at = utcnow()
    _move(need, NeedStatus.SUBMITTED, user, "need.submitted")



def publish_need(need: Need, officer: "User", today: date) -> None:
    require_officer(officer, OFFICERS_MODERATE)
    if need.status != NeedStatus.SUBMITTED.value:
        raise DomainError("Only a need sent for review can be published")
    if not need.organisation.can_act_publicly:
        raise DomainError("The group is not verified, so its needs cannot be published")
    if need.deadline <= today:
        raise DomainError("The deadline has passed: request changes so the group can set a new one")
    need.published_at = utcnow()
    need.moderation_comment = None
    _move(need, NeedStatus.PUBLISHED, officer, "need.published")
    match_need_after_commit(need.id)


def request_changes(need: Need, officer: "User", comment: str) -> None:
    require_officer(officer, OFFICERS_MODERATE)
    comment = comment.strip()
    if not comment:
        raise DomainError("Say what the group should change", field="comment")
    if need.status != NeedStatus.SUBMITTED.value:
        raise DomainError("Only a need sent for review can be sent back for changes")
    need.moderation_comment = comment
    _move(need, NeedStatus.CHANGES_REQUESTED, officer, "need.changes_requested", {"comment": comment})


def reject_need(need: Need, officer: "User", reason: str) -> None:
    require_officer(officer, OFFICERS_MODERATE)
    reason = reason.strip()
    if not reason:
        raise DomainError("Enter the reason, so the group understands", field="comment")
    if need.status != NeedStatus.SUBMITTED.value:
        raise DomainError("Only a need sent for review can be rejected")
    need.moderation_comment = reason
    _move(need, NeedStatus.REJECTED, officer, "need.rejected", {"reason": reason})


def withdraw_need(need: Need, user: "User") -> None:
    """The group takes back a need that is not yet public (or was never finished)."""
    _require_group_member(need.organisation, user)
    if need.status not in ("draft", "submitted", "changes_requested"):
        raise DomainError("Only a need that is not yet published can be withdrawn; close it instead")
    _move(need, NeedStatus.WITHDRAWN, user, "need.withdrawn")
    need.closed_at = utcnow()


def close_need(need: Need, user: "User", reason: str = "") -> None:
    """The group closes a public need it no longer wants help with."""
    _require_group_member(need.organisation, user)
    if need.status not in ("published", "fully_pledged", "delivered"):
        raise DomainError("Only a published need can be closed")
    _move(need, NeedStatus.CLOSED, user, "need.closed", {"reason": reason.strip()} if reason.strip() else None)
    need.closed_at = utcnow()


def reopen_need(need: Need, user: "User", today: date) -> None:
    """The group opens a need it closed again, before its deadline: back to the state it
    was closed from (published, fully pledged or delivered)."""
    _require_group_member(need.organisation, user)
    if need.status != NeedStatus.CLOSED.value:
        raise DomainError("Only a closed need can be reopened")
    if need.deadline <= today:
        raise DomainError("The deadline has passed, so this need cannot be reopened. Post a new need instead.")
    cap = live_need_cap()
    if live_need_count(need.organisation_id, except_need_id=need.id) >= cap:
        raise DomainError(f"Your group already has {cap} live needs, the most allowed at once. Close or withdraw one first.")
    closed_from = db.session.scalar(
        select(Event.from_state)
        .where(Event.subject_type == Need.__tablename__, Event.subject_id == str(need.id), Event.action == "need.closed")
        .order_by(Event.id.desc())
        .limit(1)
    )
    to = NeedStatus(closed_from) if closed_from in ("published", "fully_pledged", "delivered") else NeedStatus.PUBLISHED
    _move(need, to, user, "need.reopened")
    need.closed_at = None
    if to is NeedStatus.PUBLISHED:
        match_need_after_commit(need.id)


def expire_due_needs(today: date) -> list[int]:
    """Published needs past their deadline expire. Returns the ids that expired (safe to run twice)."""
    due = db.session.scalars(
        select(Need).where(Need.status == NeedStatus.PUBLISHED.value, Need.deadline < today).with_for_update()
    ).all()
    for need in due:
        _move(need, NeedStatus.EXPIRED, None, "need.expired")
        need.closed_at = utcnow()
    return [need.id for need in due]
