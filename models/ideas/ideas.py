"""Residents shape the ballot: a round's ideas phase.

Before voting opens, a round may run an ideas phase (dates of its own). Residents of the
round's ward, and members of the ward's verified community groups, propose ideas; others
support them (one support per person per idea: a unique constraint) and comment (threaded one
level; held for an officer or published at once, a setting per round). Anyone can report an
idea or a comment: reports wait in the officers' work queue. Officers assess each idea
(feasible with a cost estimate and an explanation, or not feasible with a public reason),
merge duplicates (supports move to the kept idea, a person counted once), and put feasible
ideas on the ballot as options linked to their idea. The proposer and supporters are told of
each step by a job (workers/ideas.py), once each (a unique dispatch row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    delete,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import DomainError, PermissionDenied, db, utcnow
from models.core.events import record_event
from models.core.outbox import enqueue_after_commit
from models.core.translations import Limits, SecondText, TranslationColumns, copy_translations, set_translation
from models.people.permissions import require_officer
from models.voting.models import MAX_BUDGET_PENCE, Round, RoundOption, RoundState

if TYPE_CHECKING:
    from models.core.mail import EmailMessage
    from models.people.accounts import User
    from models.places.themes import Theme

MAX_TITLE = 120
MAX_DESCRIPTION = 10_000
MAX_COMMENT = 2_000
MAX_REASON = 1_000
MAX_PLACE = 200
NOTIFY_JOB = "workers.ideas.notify_idea_step"
OFFICERS_ASSESS = "Only council officers can assess ideas."

IDEA_STATES = ("proposed", "feasible", "not_feasible", "merged")
IDEA_STATE_LABELS = {
    "proposed": "Waiting for assessment",
    "feasible": "Feasible",
    "not_feasible": "Not feasible",
    "merged": "Merged into another idea",
}
IDEA_STATE_TAGS = {
    "proposed": "govuk-tag--grey",
    "feasible": "govuk-tag--green",
    "not_feasible": "govuk-tag--red",
    "merged": "govuk-tag--yellow",
}
# The steps the proposer and supporters are told about.
STEPS = ("feasible", "not_feasible", "merged", "on_ballot")


class IdeasPhase(db.Model):
    """A round's ideas phase: when residents can propose, and how comments are moderated."""

    __tablename__ = "round_ideas_phases"
    __table_args__ = (CheckConstraint("closes_at > opens_at", name="ideas_window_ordered"),)

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    # True: a comment is hidden until an officer publishes it; False: published at once, reportable.
    premoderate_comments: Mapped[bool] = mapped_column(default=False)

    def open_at(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


class Idea(db.Model):
    __tablename__ = "ideas"
    __table_args__ = (
        CheckConstraint("cost_pence > 0", name="idea_cost_positive"),
        CheckConstraint("state IN ('proposed', 'feasible', 'not_feasible', 'merged')", name="idea_state_known"),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="idea_not_merged_into_itself"),
        Index("ix_ideas_round_state", "round_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    description: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(16), default="", server_default="")  # empty: the default
    cost_pence: Mapped[int] = mapped_column(BigInteger)  # the proposer's rough cost
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    place: Mapped[str] = mapped_column(String(MAX_PLACE), default="")  # in words: "by the library"
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    photo_filename: Mapped[str | None] = mapped_column(String(64))
    photo_alt: Mapped[str | None] = mapped_column(String(250))
    state: Mapped[str] = mapped_column(String(16), default="proposed")
    hidden: Mapped[bool] = mapped_column(default=False)  # an officer upheld a report
    estimate_pence: Mapped[int | None] = mapped_column(BigInteger)  # the officer's estimate
    assessment: Mapped[str | None] = mapped_column(Text)  # explanation, or the public reason
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assessed_at: Mapped[datetime | None]
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"))
    option_id: Mapped[int | None] = mapped_column(
        ForeignKey("round_options.id", ondelete="SET NULL"), unique=True
    )
    supporter_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped[Round] = relationship()
    proposer: Mapped["User | None"] = relationship(foreign_keys=[proposer_id])
    theme: Mapped["Theme | None"] = relationship()
    merged_into: Mapped["Idea | None"] = relationship(remote_side=[id])
    option: Mapped[RoundOption | None] = relationship()
    translations: Mapped[list["IdeaTranslation"]] = relationship(
        back_populates="idea", cascade="all, delete-orphan", lazy="selectin", order_by="IdeaTranslation.locale"
    )

    @property
    def translation_class(self) -> type["IdeaTranslation"]:
        return IdeaTranslation

    @property
    def state_label(self) -> str:
        return IDEA_STATE_LABELS[self.state]

    @property
    def state_tag(self) -> str:
        return IDEA_STATE_TAGS[self.state]

    @property
    def assessed(self) -> bool:
        return self.state != "proposed"


class IdeaTranslation(TranslationColumns, db.Model):
    """An idea's title and description in another of the council's languages."""

    __tablename__ = "idea_translations"
    __table_args__ = (UniqueConstraint("idea_id", "locale", name="uq_idea_translations_locale"),)

    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    idea: Mapped[Idea] = relationship(back_populates="translations")


class IdeaSupport(db.Model):
    __tablename__ = "idea_supports"
    __table_args__ = (UniqueConstraint("idea_id", "user_id", name="uq_idea_supports_one_per_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdeaComment(db.Model):
    __tablename__ = "idea_comments"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'published', 'hidden')", name="idea_comment_state_known"),
        Index("ix_idea_comments_idea_state", "idea_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("idea_comments.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="published")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    idea: Mapped[Idea] = relationship()
    author: Mapped["User | None"] = relationship()


class IdeaReport(db.Model):
    """Someone thinks an idea or a comment should not be shown; an officer decides."""

    __tablename__ = "idea_reports"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'upheld', 'dismissed')", name="idea_report_state_known"),
        Index("ix_idea_reports_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("idea_comments.id", ondelete="CASCADE"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    idea: Mapped[Idea] = relationship()
    comment: Mapped[IdeaComment | None] = relationship()


class RoundDispatch(db.Model):
    """One email to one person about one thing (an idea's step, a round's reminder): sent once."""

    __tablename__ = "round_dispatches"
    __table_args__ = (UniqueConstraint("user_id", "kind", "subject_key", name="uq_round_dispatches_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))  # idea_feasible... / reminder_opened, reminder_closing
    subject_key: Mapped[str] = mapped_column(String(32))  # "idea:12", "round:4"
    email_message_id: Mapped[int | None] = mapped_column(ForeignKey("email_messages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    email_message: Mapped["EmailMessage | None"] = relationship()


# ---------------------------------------------------------------- the phase


def ideas_phase(round_id: int) -> IdeasPhase | None:
    return db.session.get(IdeasPhase, round_id)


def set_ideas_phase(
    round_: Round, officer: "User", opens_at: datetime | None, closes_at: datetime | None, premoderate: bool
) -> IdeasPhase | None:
    """Give the round an ideas phase (both dates), change it, or take it away (neither)."""
    require_officer(officer, "Only council officers can run priority rounds.")
    phase = ideas_phase(round_.id)
    if opens_at is None and closes_at is None:
        if phase is not None:
            if db.session.scalar(select(exists().where(Idea.round_id == round_.id))):
                raise DomainError("Residents have proposed ideas, so the ideas phase cannot be removed", "ideas_opens_on")
            db.session.delete(phase)
            record_event("round.ideas_phase_removed", round_, actor=officer)
        return None
    if opens_at is None:
        raise DomainError("Enter the date the ideas phase opens", "ideas_opens_on")
    if closes_at is None:
        raise DomainError("Enter the date the ideas phase closes", "ideas_closes_on")
    if closes_at <= opens_at:
        raise DomainError("The ideas phase must close after it opens", "ideas_closes_on")
    if closes_at > round_.opens_at:
        raise DomainError("The ideas phase must end before voting opens", "ideas_closes_on")
    if round_.ward_id is None:
        raise DomainError("An ideas phase needs a ward: choose the ward whose residents propose ideas", "ward_id")
    if phase is None:
        phase = IdeasPhase(round_id=round_.id, opens_at=opens_at, closes_at=closes_at, premoderate_comments=premoderate)
        db.session.add(phase)
    else:
        phase.opens_at, phase.closes_at, phase.premoderate_comments = opens_at, closes_at, premoderate
    db.session.flush()
    record_event(
        "round.ideas_phase_set", round_, actor=officer,
        detail={"opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat(), "premoderate": premoderate},
    )
    return phase


def ideas_stage(round_: Round, phase: IdeasPhase | None, now: datetime) -> str | None:
    """What the ideas phase is doing now: upcoming, open, closed, or None (no phase)."""
    if phase is None:
        return None
    if now < phase.opens_at:
        return "upcoming"
    if phase.open_at(now) and round_.state in (RoundState.DRAFT.value, RoundState.OPEN.value):
        return "open"
    return "closed"


def ward_ideas_phases(ward_id: int, now: datetime) -> list[tuple[Round, IdeasPhase]]:
    """The ward's rounds collecting ideas now or soon (the ward page shows them)."""
    rows = db.session.execute(
        select(Round, IdeasPhase)
        .join(IdeasPhase, IdeasPhase.round_id == Round.id)
        .where(
            Round.ward_id == ward_id,
            Round.state.in_((RoundState.DRAFT.value, RoundState.OPEN.value)),
            IdeasPhase.closes_at > now,
        )
        .order_by(IdeasPhase.opens_at)
    ).all()
    return [(round_, phase) for round_, phase in rows]


# ---------------------------------------------------------------- who may take part


def _member_of_ward_group(user: "User", ward_id: int) -> bool:
    from models.people.organisations import Membership, Organisation

    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Membership.user_id == user.id,
                    Organisation.id == Membership.organisation_id,
                    Organisation.ward_id == ward_id,
                    Organisation.kind == "vcse",
                    Organisation.status == "verified",
                )
            )
        )
    )


def participation_problem(round_: Round, user: "User | None", now: datetime) -> str | None:
    """Why this person cannot propose, support or comment now, in words; None when they can."""
    phase = ideas_phase(round_.id)
    stage = ideas_stage(round_, phase, now)
    if stage is None:
        return "This round has no ideas phase."
    if stage == "upcoming":
        return "The ideas phase has not started yet."
    if stage == "closed":
        return "The ideas phase has closed."
    if user is None or not user.is_authenticated:
        return "Sign in to take part."
    if not user.email_verified:
        return "Confirm your email address to take part."
    if round_.ward_id is not None and user.ward_id != round_.ward_id and not _member_of_ward_group(user, round_.ward_id):
        return f"Only residents of {round_.area_name} and members of its community groups can take part."
    return None


def _require_participant(round_: Round, user: "User", now: datetime) -> None:
    problem = participation_problem(round_, user, now)
    if problem is not None:
        raise PermissionDenied(problem)


# ---------------------------------------------------------------- proposing


@dataclass(frozen=True)
class IdeaDetails:
    title: str
    description: str
    cost_pence: int
    theme_id: int | None
    place: str = ""
    latitude: float | None = None
    longitude: float | None = None
    language: str = ""  # the language the text is in; empty: the council's default


def point_in_boundary(longitude: float, latitude: float, geometry: dict | None) -> bool:
    """Whether a point lies inside a GeoJSON Polygon or MultiPolygon (ray casting; holes count
    as outside). Pure. No boundary: we cannot say, so any point is accepted."""
    if not geometry:
        return True
    polygons = geometry.get("coordinates") or []
    if geometry.get("type") == "Polygon":
        polygons = [polygons]

    def inside(ring: list) -> bool:
        result = False
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
            if (y1 > latitude) != (y2 > latitude):
                if longitude < (x2 - x1) * (latitude - y1) / (y2 - y1) + x1:
                    result = not result
        return result

    for polygon in polygons:
        rings = [[point[:2] for point in ring] for ring in polygon]
        if rings and inside(rings[0]) and not any(inside(hole) for hole in rings[1:]):
            return True
    return False


def _check_details(round_: Round, details: IdeaDetails) -> None:
    from models.places.themes import Theme

    if not details.title.strip():
        raise DomainError("Enter a title for your idea", "title")
    if len(details.title) > MAX_TITLE:
        raise DomainError(f"Title must be {MAX_TITLE} characters or fewer", "title")
    if not details.description.strip():
        raise DomainError("Describe your idea", "description")
    if len(details.description) > MAX_DESCRIPTION:
        raise DomainError(f"Description must be {MAX_DESCRIPTION:,} characters or fewer", "description")
    # A rough cost over the budget is allowed: the officer's assessment says whether it fits.
    if not 0 < details.cost_pence <= MAX_BUDGET_PENCE:
        raise DomainError("Enter a rough cost between £1 and £10,000,000,000", "cost")
    if details.theme_id is not None and db.session.get(Theme, details.theme_id) is None:
        raise DomainError("Choose a theme from the list", "theme_id")
    if len(details.place) > MAX_PLACE:
        raise DomainError(f"Place must be {MAX_PLACE} characters or fewer", "place")
    if (details.latitude is None) != (details.longitude is None):
        raise DomainError("Choose a point on the map, or leave it empty", "latitude")
    if details.latitude is not None:
        if not (-90 <= details.latitude <= 90 and -180 <= details.longitude <= 180):
            raise DomainError("Choose a point on the map, or leave it empty", "latitude")
        if round_.ward is not None and not point_in_boundary(details.longitude, details.latitude, round_.ward.geometry):
            raise DomainError(f"Choose a point inside {round_.area_name}", "latitude")


def _apply(idea: Idea, details: IdeaDetails) -> None:
    idea.title = details.title.strip()
    idea.description = details.description.strip()
    idea.cost_pence = details.cost_pence
    idea.theme_id = details.theme_id
    idea.place = details.place.strip()
    idea.latitude, idea.longitude = details.latitude, details.longitude
    idea.language = details.language or ""


def propose_idea(round_: Round, user: "User", details: IdeaDetails, now: datetime) -> Idea:
    _require_participant(round_, user, now)
    _check_details(round_, details)
    idea = Idea(round_id=round_.id, proposer_id=user.id)
    _apply(idea, details)
    db.session.add(idea)
    db.session.flush()
    record_event("idea.proposed", idea, actor=user, to_state="proposed", detail={"round": round_.id, "title": idea.title})
    return idea


def can_edit(idea: Idea, user: "User | None") -> bool:
    return user is not None and user.is_authenticated and idea.proposer_id == user.id and not idea.assessed and not idea.hidden


def update_idea(idea: Idea, user: "User", details: IdeaDetails, now: datetime) -> None:
    idea = _lock(idea)
    if idea.proposer_id != user.id:
        raise PermissionDenied("Only the person who proposed an idea can change it.")
    if idea.assessed:
        raise DomainError("An officer has assessed this idea, so it can no longer be changed")
    _require_participant(idea.round, user, now)
    _check_details(idea.round, details)
    _apply(idea, details)
    record_event("idea.updated", idea, actor=user)


IDEA_TEXT_LIMITS = Limits(title=MAX_TITLE, description=MAX_DESCRIPTION)


def translate_idea(idea: Idea, user: "User", text: SecondText | None, offered: list[str]) -> bool:
    """The idea's title and description in another of the council's languages (its proposer,
    until an officer assesses it)."""
    if text is None:
        return False
    if idea.proposer_id != user.id:
        raise PermissionDenied("Only the person who proposed an idea can change it.")
    if idea.assessed:
        raise DomainError("An officer has assessed this idea, so it can no longer be changed")
    return set_translation(idea, user, text, IDEA_TEXT_LIMITS, offered)


def set_idea_photo(idea: Idea, user: "User", filename: str | None, alt: str | None) -> str | None:
    """Attach (or remove) the photo; returns the old file name for the caller to delete after commit."""
    if idea.proposer_id != user.id:
        raise PermissionDenied("Only the person who proposed an idea can change it.")
    if idea.assessed:
        raise DomainError("An officer has assessed this idea, so it can no longer be changed", "photo")
    old = idea.photo_filename
    idea.photo_filename, idea.photo_alt = filename, ((alt or "").strip()[:250] or None)
    return old


def _lock(idea: Idea) -> Idea:
    return db.session.scalars(
        select(Idea).where(Idea.id == idea.id).with_for_update().execution_options(populate_existing=True)
    ).one()


def visible_ideas(round_id: int) -> list[Idea]:
    """What the public sees: ideas not hidden and not merged away, most supported first."""
    return list(
        db.session.scalars(
            select(Idea)
            .where(Idea.round_id == round_id, Idea.hidden.is_(False), Idea.state != "merged")
            .order_by(Idea.supporter_count.desc(), Idea.id)
        )
    )


def can_view(idea: Idea, user: "User | None") -> bool:
    if not idea.hidden:
        return True
    return user is not None and user.is_authenticated and (user.is_officer or user.id == idea.proposer_id)


# ---------------------------------------------------------------- supports


def _recount_supporters(idea_id: int) -> None:
    db.session.execute(
        update(Idea)
        .where(Idea.id == idea_id)
        .values(
            supporter_count=select(func.count()).select_from(IdeaSupport).where(IdeaSupport.idea_id == idea_id).scalar_subquery()
        )
    )


def _open_for_support(idea: Idea, what: str) -> None:
    if idea.hidden:
        raise DomainError(f"This idea has been hidden, so it cannot take {what}")
    if idea.state == "merged":
        raise DomainError(f"This idea was merged into another: {what} go there")


def support_idea(idea: Idea, user: "User", now: datetime) -> bool:
    """One support per person per idea: the unique constraint decides between two tabs at
    once. True when this call added the support."""
    _require_participant(idea.round, user, now)
    _open_for_support(idea, "supports")
    if idea.proposer_id == user.id:
        raise DomainError("You cannot support your own idea")
    if _insert_once(IdeaSupport, idea_id=idea.id, user_id=user.id, created_at=utcnow()) is None:
        return False
    _recount_supporters(idea.id)
    record_event("idea.supported", idea, actor=user)
    return True


def withdraw_support(idea: Idea, user: "User", now: datetime) -> bool:
    _require_participant(idea.round, user, now)
    removed = db.session.execute(
        delete(IdeaSupport).where(IdeaSupport.idea_id == idea.id, IdeaSupport.user_id == user.id)
    ).rowcount
    if removed:
        _recount_supporters(idea.id)
        record_event("idea.support_withdrawn", idea, actor=user)
    return bool(removed)


def supports(idea_id: int, user: "User | None") -> bool:
    if user is None or not user.is_authenticated:
        return False
    return bool(
        db.session.scalar(select(exists().where(IdeaSupport.idea_id == idea_id, IdeaSupport.user_id == user.id)))
    )


# ---------------------------------------------------------------- comments and reports


def add_comment(idea: Idea, user: "User", body: str, parent_id: int | None, now: datetime) -> IdeaComment:
    _require_participant(idea.round, user, now)
    if idea.hidden or idea.state == "merged":
        raise DomainError("This idea is not open for comments", "body")
    if not body.strip():
        raise DomainError("Enter your comment", "body")
    if len(body) > MAX_COMMENT:
        raise DomainError(f"Comment must be {MAX_COMMENT:,} characters or fewer", "body")
    if parent_id is not None:
        parent = db.session.get(IdeaComment, parent_id)
        if parent is None or parent.idea_id != idea.id or parent.state != "published":
            raise DomainError("You can only reply to a comment shown on this idea", "body")
        # Threaded one level: a reply to a reply answers the same top-level comment.
        parent_id = parent.parent_id or parent.id
    phase = ideas_phase(idea.round_id)
    state = "pending" if phase is not None and phase.premoderate_comments else "published"
    comment = IdeaComment(idea_id=idea.id, parent_id=parent_id, author_id=user.id, body=body.strip(), state=state)
    db.session.add(comment)
    db.session.flush()
    record_event("idea.commented", idea, actor=user, to_state=state, detail={"comment": comment.id})
    return comment


def comment_threads(idea_id: int, user: "User | None") -> list[tuple[IdeaComment, list[IdeaComment]]]:
    """Published comments, each with its published replies (and the person's own pending ones)."""
    shown = IdeaComment.state == "published"
    if user is not None and user.is_authenticated:
        shown = shown | ((IdeaComment.state == "pending") & (IdeaComment.author_id == user.id))
    comments = db.session.scalars(
        select(IdeaComment).where(IdeaComment.idea_id == idea_id, shown).order_by(IdeaComment.created_at, IdeaComment.id)
    ).all()
    replies: dict[int, list[IdeaComment]] = {}
    for comment in comments:
        if comment.parent_id is not None:
            replies.setdefault(comment.parent_id, []).append(comment)
    return [(comment, replies.get(comment.id, [])) for comment in comments if comment.parent_id is None]


def moderate_comment(comment: IdeaComment, officer: "User", publish: bool) -> None:
    require_officer(officer, "Only council officers can moderate comments.")
    before = comment.state
    comment.state = "published" if publish else "hidden"
    if not publish:
        _decide_reports(IdeaReport.comment_id == comment.id, officer, "upheld")
    record_event("idea_comment.moderated", comment.idea, actor=officer, from_state=before, to_state=comment.state,
                 detail={"comment": comment.id})


def report(idea: Idea, comment: IdeaComment | None, reporter: "User | None", reason: str) -> IdeaReport:
    if not reason.strip():
        raise DomainError("Tell us what is wrong with it", "reason")
    if len(reason) > MAX_REASON:
        raise DomainError(f"Reason must be {MAX_REASON:,} characters or fewer", "reason")
    if comment is not None and comment.idea_id != idea.id:
        raise DomainError("That comment is not on this idea")
    row = IdeaReport(
        idea_id=idea.id, comment_id=comment.id if comment else None,
        reporter_id=reporter.id if reporter is not None and reporter.is_authenticated else None, reason=reason.strip(),
    )
    db.session.add(row)
    db.session.flush()
    record_event("idea.reported", idea, actor=reporter if reporter is not None and reporter.is_authenticated else None,
                 detail={"report": row.id, "comment": row.comment_id})
    return row


def _decide_reports(condition, officer: "User", state: str) -> None:
    db.session.execute(
        update(IdeaReport).where(condition, IdeaReport.state == "open").values(state=state, decided_by_id=officer.id)
    )


def decide_report(row: IdeaReport, officer: "User", uphold: bool) -> None:
    """Uphold: hide what was reported (and close every open report on it). Dismiss: leave it."""
    require_officer(officer, "Only council officers can decide reports.")
    if row.state != "open":
        raise DomainError("This report has already been decided")
    if not uphold:
        row.state, row.decided_by_id = "dismissed", officer.id
    elif row.comment is not None:
        row.comment.state = "hidden"
        _decide_reports(IdeaReport.comment_id == row.comment_id, officer, "upheld")
    else:
        row.idea.hidden = True
        _decide_reports((IdeaReport.idea_id == row.idea_id) & IdeaReport.comment_id.is_(None), officer, "upheld")
    record_event("idea.report_decided", row.idea, actor=officer, to_state="upheld" if uphold else "dismissed",
                 detail={"report": row.id, "comment": row.comment_id})


def open_reports():
    return select(IdeaReport).where(IdeaReport.state == "open").order_by(IdeaReport.id)


def pending_comments():
    return select(IdeaComment).where(IdeaComment.state == "pending").order_by(IdeaComment.id)


# ---------------------------------------------------------------- officers


def _notify_after_commit(idea: Idea, step: str) -> None:
    enqueue_after_commit(NOTIFY_JOB, idea.id, step)


def assess_idea(idea: Idea, officer: "User", feasible: bool, estimate_pence: int | None, explanation: str) -> None:
    require_officer(officer, OFFICERS_ASSESS)
    idea = _lock(idea)
    if idea.state != "proposed":
        raise DomainError("This idea has already been assessed")
    if not explanation.strip():
        raise DomainError(
            "Explain the estimate" if feasible else "Give the reason it is not feasible: residents will see it", "explanation"
        )
    if len(explanation) > MAX_DESCRIPTION:
        raise DomainError(f"Explanation must be {MAX_DESCRIPTION:,} characters or fewer", "explanation")
    if feasible and not (estimate_pence and 0 < estimate_pence <= idea.round.budget_pence):
        raise DomainError("Enter a cost estimate greater than £0 and no more than the round's budget", "estimate")
    idea.state = "feasible" if feasible else "not_feasible"
    idea.estimate_pence = estimate_pence if feasible else None
    idea.assessment = explanation.strip()
    idea.assessed_by_id, idea.assessed_at = officer.id, utcnow()
    record_event("idea.assessed", idea, actor=officer, from_state="proposed", to_state=idea.state,
                 detail={"estimate_pence": idea.estimate_pence})
    _notify_after_commit(idea, idea.state)


def merge_ideas(duplicate: Idea, kept: Idea, officer: "User") -> int:
    """Fold a duplicate into the idea kept: its supporters (and its proposer) support the kept
    idea, each person once. Returns how many supports moved."""
    require_officer(officer, OFFICERS_ASSESS)
    if duplicate.id == kept.id:
        raise DomainError("An idea cannot be merged into itself", "into")
    if duplicate.round_id != kept.round_id:
        raise DomainError("Only ideas in the same round can be merged", "into")
    first, second = sorted((duplicate, kept), key=lambda idea: idea.id)
    _lock(first), _lock(second)
    if duplicate.state == "merged":
        raise DomainError("This idea has already been merged")
    if kept.state in ("merged", "not_feasible"):
        raise DomainError("Choose an idea that is still in play to keep", "into")
    if duplicate.option_id is not None:
        raise DomainError("This idea is on the ballot, so it cannot be merged")
    people = set(db.session.scalars(select(IdeaSupport.user_id).where(IdeaSupport.idea_id == duplicate.id)))
    if duplicate.proposer_id is not None:
        people.add(duplicate.proposer_id)
    people.discard(kept.proposer_id)
    # Someone who supports both is counted once: the unique constraint skips them.
    moving = [
        user_id for user_id in sorted(people)
        if _insert_once(IdeaSupport, idea_id=kept.id, user_id=user_id, created_at=utcnow()) is not None
    ]
    before = duplicate.state
    duplicate.state, duplicate.merged_into_id = "merged", kept.id
    _recount_supporters(kept.id)
    record_event("idea.merged", duplicate, actor=officer, from_state=before, to_state="merged",
                 detail={"into": kept.id, "supports_moved": len(moving)})
    _notify_after_commit(duplicate, "merged")
    return len(moving)


def put_on_ballot(idea: Idea, officer: "User") -> RoundOption:
    """A feasible idea becomes an option, costed at the officer's estimate and linked to its idea."""
    from models.voting.setup import add_item_option

    require_officer(officer, OFFICERS_ASSESS)
    idea = _lock(idea)
    if idea.state != "feasible":
        raise DomainError("Only an idea assessed as feasible can go on the ballot")
    if idea.hidden:
        raise DomainError("This idea has been hidden, so it cannot go on the ballot")
    if idea.option_id is not None:
        raise DomainError("This idea is already on the ballot")
    option = add_item_option(idea.round, officer, idea.title, idea.description, idea.estimate_pence or idea.cost_pence)
    copy_translations(idea, option)
    proposer = idea.proposer.name if idea.proposer is not None else "a resident"
    option.group_name = f"A resident’s idea, proposed by {proposer}"[:200]
    idea.option_id = option.id
    record_event("idea.on_ballot", idea, actor=officer, detail={"option": option.id})
    _notify_after_commit(idea, "on_ballot")
    return option


def option_ideas(round_id: int) -> dict[int, Idea]:
    """The round's options that came from residents' ideas, by option id."""
    ideas = db.session.scalars(select(Idea).where(Idea.round_id == round_id, Idea.option_id.is_not(None))).all()
    return {idea.option_id: idea for idea in ideas}


def people_to_tell(idea: Idea) -> list[int]:
    """The proposer and every supporter, each once."""
    ids = set(db.session.scalars(select(IdeaSupport.user_id).where(IdeaSupport.idea_id == idea.id)))
    if idea.proposer_id is not None:
        ids.add(idea.proposer_id)
    return sorted(ids)


def _insert_once(model, **values) -> int | None:
    """Insert a row unless its unique constraint already holds one (INSERT ... ON CONFLICT DO
    NOTHING, on SQLite and PostgreSQL alike): its id, or None. A concurrent transaction
    inserting the same row makes this wait for it, then do nothing. No savepoint: SQLite's
    driver would commit a savepoint opened before the transaction's first write."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = dialect_insert(model).values(**values).on_conflict_do_nothing().returning(model.id)
    return db.session.execute(statement).scalar()


def claim_dispatch(user_id: int, kind: str, subject_key: str) -> RoundDispatch | None:
    """The dispatch row for this person and thing, or None when one already exists (sent):
    written in the transaction that writes the message, so both exist or neither."""
    row_id = _insert_once(RoundDispatch, user_id=user_id, kind=kind, subject_key=subject_key, created_at=utcnow())
    return db.session.get(RoundDispatch, row_id) if row_id is not None else None
