"""Stories: case studies of delivered impact, told by the community group that
received a confirmed delivery, or by an officer, and published by an officer.
Published stories appear on the public stories page, in digests and in the
suppliers' quarterly newsletter.

draft → submitted → published (or changes requested → submitted again);
an officer can withdraw a published story.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import DomainError, PermissionDenied, db, require_officer, utcnow
from models.core.events import record_event

if TYPE_CHECKING:
    from models.people.accounts import User
    from models.needs.models import Need
    from models.people.organisations import Organisation
    from models.pledges.models import Pledge


class StoryStatus(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.value]


STATUS_LABELS = {
    "draft": "Draft",
    "submitted": "Waiting for review",
    "changes_requested": "Changes requested",
    "published": "Published",
    "withdrawn": "Withdrawn",
}
STATUS_TAGS = {
    "draft": "govuk-tag--grey",
    "submitted": "govuk-tag--yellow",
    "changes_requested": "govuk-tag--orange",
    "published": "govuk-tag--green",
    "withdrawn": "govuk-tag--grey",
}
EDITABLE_BY_GROUP = ("draft", "changes_requested")
MAX_BODY = 20_000


class Story(db.Model):
    __tablename__ = "stories"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'submitted', 'changes_requested', 'published', 'withdrawn')", name="status_known"
        ),
        Index("ix_stories_status_published", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised when shown
    status: Mapped[str] = mapped_column(String(20), default=StoryStatus.DRAFT.value)
    # The group whose story it is (none for a story an officer tells about the borough).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    # The confirmed delivery it is about, and where and under which theme that was.
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id", ondelete="SET NULL"), index=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id", ondelete="SET NULL"), index=True)
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id", ondelete="SET NULL"), index=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"), index=True)
    photo_filename: Mapped[str | None] = mapped_column(String(64))
    photo_alt: Mapped[str | None] = mapped_column(String(250))
    review_comment: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]

    organisation: Mapped["Organisation | None"] = relationship()
    pledge: Mapped["Pledge | None"] = relationship()
    need: Mapped["Need | None"] = relationship()
    author: Mapped["User | None"] = relationship(foreign_keys=[author_id])

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def status_tag(self) -> str:
        return STATUS_TAGS[self.status]

    @property
    def is_published(self) -> bool:
        return self.status == StoryStatus.PUBLISHED.value

    def is_group_member(self, user: "User | None") -> bool:
        return self.organisation is not None and self.organisation.is_member(user)

    def can_view(self, user: "User | None") -> bool:
        if self.is_published:
            return True
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return user.is_officer or self.is_group_member(user)

    def can_edit(self, user: "User | None") -> bool:
        """Officers always; the group's members until they send it for review."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if user.is_officer:
            return True
        return self.status in EDITABLE_BY_GROUP and self.is_group_member(user)


@dataclass
class StoryDetails:
    title: str
    summary: str
    body: str
    pledge_id: int | None
    photo_alt: str | None = None


def confirmed_deliveries(organisation_id: int | None = None) -> list["Pledge"]:
    """Confirmed deliveries a story can be about: a group's own, or any (officers)."""
    from models.needs.models import Need
    from models.pledges.models import Pledge

    query = select(Pledge).join(Pledge.need).where(Pledge.status == "confirmed")
    if organisation_id is not None:
        query = query.where(Need.organisation_id == organisation_id)
    return list(db.session.scalars(query.order_by(Pledge.confirmed_at.desc(), Pledge.id.desc()).limit(200)))


def _check(details: StoryDetails) -> None:
    if not details.title.strip():
        raise DomainError("Enter a title", "title")
    if not details.summary.strip():
        raise DomainError("Enter a summary", "summary")
    if len(details.body) > MAX_BODY:
        raise DomainError(f"The story must be {MAX_BODY:,} characters or fewer", "body")


def _delivery_for(details: StoryDetails, user: "User", organisation: "Organisation | None") -> "Pledge | None":
    """The confirmed delivery the story is about: required from a group, optional for officers."""
    from models.pledges.models import Pledge

    if details.pledge_id is None:
        if user.is_officer:
            return None
        raise DomainError("Choose the confirmed delivery your story is about", "pledge_id")
    pledge = db.session.get(Pledge, details.pledge_id)
    if pledge is None or pledge.status != "confirmed":
        raise DomainError("Choose a delivery the council has confirmed", "pledge_id")
    if organisation is not None and pledge.need.organisation_id != organisation.id:
        raise DomainError("Choose one of your group's confirmed deliveries", "pledge_id")
    return pledge


def _apply(story: Story, details: StoryDetails, pledge: "Pledge | None") -> None:
    story.title = details.title.strip()[:120]
    story.summary = details.summary.strip()[:300]
    story.body = details.body or ""
    story.photo_alt = (details.photo_alt or "").strip()[:250] or None
    story.pledge_id = pledge.id if pledge else None
    story.need_id = pledge.need_id if pledge else None
    story.ward_id = pledge.need.ward_id if pledge else None
    story.theme_id = pledge.need.theme_id if pledge else None
    if pledge is not None and story.organisation_id is None:
        story.organisation_id = pledge.need.organisation_id


def _require_group_member(organisation: "Organisation", user: "User") -> None:
    if organisation.kind != "vcse" or not organisation.is_member(user):
        raise PermissionDenied("Only members of the community group can tell its stories")
    if not organisation.can_act_publicly:
        raise PermissionDenied("Your group must be verified by the council before it can tell stories")


def create_story(author: "User", details: StoryDetails, organisation: "Organisation | None" = None) -> Story:
    if organisation is not None:
        _require_group_member(organisation, author)
    elif not author.is_officer:
        raise PermissionDenied("Only council officers can tell a story for the borough")
    _check(details)
    pledge = _delivery_for(details, author, organisation)
    story = Story(author_id=author.id, organisation_id=organisation.id if organisation else None)
    _apply(story, details, pledge)
    db.session.add(story)
    db.session.flush()
    record_event("story.created", story, actor=author, to_state=story.status, detail={"title": story.title})
    return story


def update_story(story: Story, user: "User", details: StoryDetails) -> None:
    if not story.can_edit(user):
        raise PermissionDenied("You cannot change this story")
    _check(details)
    _apply(story, details, _delivery_for(details, user, story.organisation))
    record_event("story.updated", story, actor=user, detail={"title": story.title})


def set_story_photo(story: Story, user: "User", filename: str | None) -> str | None:
    """Attach (or with None remove) the photo; returns the old file name to delete."""
    if not story.can_edit(user):
        raise PermissionDenied("You cannot change this story")
    old = story.photo_filename
    story.photo_filename = filename
    record_event("story.photo_changed", story, actor=user, detail={"photo": bool(filename)})
    return old


def _move(story: Story, to: StoryStatus, actor: "User", action: str, detail: dict | None = None) -> None:
    old = story.status
    story.status = to.value
    record_event(action, story, actor=actor, from_state=old, to_state=to.value, detail=detail)


def submit_story(story: Story, user: "User") -> None:
    if not story.is_group_member(user) and not user.is_officer:
        raise PermissionDenied("Only members of the group can send its story for review")
    if story.status not in EDITABLE_BY_GROUP:
        raise DomainError(f"This story is {story.status_label.lower()}, so it cannot be sent for review")
    story.submitted_at = utcnow()
    _move(story, StoryStatus.SUBMITTED, user, "story.submitted")


def publish_story(story: Story, officer: "User") -> None:
    require_officer(officer)
    if story.status == StoryStatus.PUBLISHED.value:
        raise DomainError("This story is already published")
    story.published_at = utcnow()
    story.published_by_id = officer.id
    story.review_comment = None
    _move(story, StoryStatus.PUBLISHED, officer, "story.published")


def request_story_changes(story: Story, officer: "User", comment: str) -> None:
    require_officer(officer)
    if story.status != StoryStatus.SUBMITTED.value:
        raise DomainError("Only a story waiting for review can be sent back")
    if not comment.strip():
        raise DomainError("Say what the group should change", "comment")
    story.review_comment = comment.strip()
    _move(story, StoryStatus.CHANGES_REQUESTED, officer, "story.changes_requested")


def withdraw_story(story: Story, officer: "User", reason: str) -> None:
    require_officer(officer)
    if story.status != StoryStatus.PUBLISHED.value:
        raise DomainError("Only a published story can be withdrawn")
    story.review_comment = reason.strip() or None
    _move(story, StoryStatus.WITHDRAWN, officer, "story.withdrawn", detail={"reason": reason.strip()[:200]})
