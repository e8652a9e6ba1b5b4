"""The audit trail in words: "Harlesden Food Hub sent the need “Laptops” for review", not
"need.submitted (needs 12)". Who acted is the organisation a member acted for (the group
for its needs and stories and its answers to pledges, the supplier for its pledges), an
officer by name, or "The system" for scheduled jobs and deleted accounts."""

from __future__ import annotations

from typing import Any, Iterable

from models import db
from models.core.events import Event

# action: what happened, with {thing} for the subject's name ("the need “Laptops”").
PHRASES = {
    "need.created": "started {thing}",
    "need.updated": "changed {thing}",
    "need.photo_changed": "changed the photo of {thing}",
    "need.submitted": "sent {thing} for review",
    "need.published": "published {thing}",
    "need.changes_requested": "asked for changes to {thing}",
    "need.rejected": "rejected {thing}",
    "need.withdrawn": "withdrew {thing}",
    "need.closed": "closed {thing}",
    "need.reopened": "reopened {thing}",
    "need.expired": "marked {thing} expired: its deadline passed",
    "need.fully_pledged": "marked {thing} fully pledged",
    "need.delivered": "marked {thing} delivered",
    "pledge.offered": "offered {thing}",
    "pledge.accepted": "accepted {thing}",
    "pledge.declined": "declined {thing}",
    "pledge.withdrawn": "withdrew {thing}",
    "pledge.delivered": "recorded the delivery of {thing}",
    "pledge.received": "confirmed receiving {thing}",
    "pledge.confirmed": "confirmed the delivery of {thing}",
    "pledge.disputed": "disputed the delivery of {thing}",
    "pledge.allocated": "counted {thing} towards commitments",
    "pledge.funded": "paid {thing} from the Social Value Fund",
    "need.funded": "paid towards {thing} from the Social Value Fund",
    "organisation.created": "registered {thing}",
    "organisation.updated": "changed the details of {thing}",
    "organisation.verified": "verified {thing}",
    "organisation.rejected": "turned down {thing}",
    "organisation.resubmitted": "sent {thing} to be verified again",
    "organisation.removed": "removed {thing}",
    "organisation.member_invited": "invited someone to join {thing}",
    "organisation.member_joined": "joined {thing}",
    "organisation.member_left": "left {thing}",
    "organisation.member_removed": "removed a member of {thing}",
    "organisation.change_requested": "asked to change the name or number of {thing}",
    "organisation.change_approved": "approved a change to {thing}",
    "organisation.change_rejected": "turned down a change to {thing}",
    "organisation.change_withdrawn": "withdrew a change to {thing}",
    "round.created": "set up {thing}",
    "round.updated": "changed {thing}",
    "round.open": "opened {thing}",
    "round.closed": "closed voting in {thing}",
    "round.published": "published the results of {thing}",
    "round.counted": "counted the votes in {thing}",
    "round.recount_requested": "asked for the votes in {thing} to be counted again",
    "round.imported": "imported {thing}",
    "round.option_added": "added an option to {thing}",
    "round.options_added": "added options to {thing}",
    "round.option_removed": "removed an option from {thing}",
    "round.paper_batch_entered": "entered paper ballots in {thing}",
    "round.paper_batch_removed": "removed paper ballots from {thing}",
    "ballot.cast": "voted in {thing}",
    "ballot.changed": "changed their vote in {thing}",
    "ballot.withdrawn": "withdrew their vote in {thing}",
    "story.created": "started {thing}",
    "story.updated": "changed {thing}",
    "story.photo_changed": "changed the photo of {thing}",
    "story.submitted": "sent {thing} to the council",
    "story.published": "published {thing}",
    "story.changes_requested": "sent {thing} back for changes",
    "story.withdrawn": "withdrew {thing} from the public pages",
    "contract.recorded": "recorded {thing}",
    "contract.updated": "changed {thing}",
    "contract.removed": "removed {thing}",
    "contract.restored": "restored {thing}",
    "contract.schedule_changed": "changed how often {thing} reports supplier returns",
    "commitment.added": "added {thing}",
    "commitment.proposed": "proposed {thing}",
    "commitment.approved": "approved {thing}",
    "commitment.rejected": "turned down {thing}",
    "commitment.remedial_plan": "recorded a remedial plan for {thing}",
    "commitment.settled": "settled {thing}",
    "user.registered": "registered",
    "user.email_verified": "confirmed their email address",
    "user.email_changed": "changed their email address",
    "user.password_changed": "changed their password",
    "user.role_changed": "changed the role of {thing}",
    "user.deleted": "deleted an account",
    "digest.preferences_changed": "changed their email updates",
    "digest.unsubscribed": "stopped an email update",
    "theme.created": "added {thing}",
    "theme.updated": "changed {thing}",
    "measure.created": "added {thing}",
    "measure.updated": "changed {thing}",
    "case_study.created": "wrote {thing}",
    "case_study.updated": "changed {thing}",
    "case_study.deleted": "deleted {thing}",
    "contract_import.applied": "imported contracts ({thing})",
    "contract_import.undone": "undid a contract import ({thing})",
    "match.introduced": "introduced {thing}",
    "match.dismissed": "dismissed {thing}",
}


def _thing(subject: Any, subject_type: str, subject_id: str) -> str:
    """The subject in words: its kind and its name."""
    from models import Round

    if subject is None and subject_type == "ballots":
        return "a round (the vote has since been withdrawn)"
    if subject is None:
        return f"a {subject_type.rstrip('s').replace('_', ' ')} that has since been removed"
    kind = subject_type.rstrip("s").replace("_", " ").replace("stories", "story")
    if subject_type == "pledges":
        return f"a pledge of {subject.quantity:,} {subject.need.unit} to “{subject.need.title}”"
    if subject_type == "commitments":
        return f"a commitment under contract {subject.contract.reference}"
    if subject_type == "users":
        return subject.name
    if subject_type == "ballots":
        round_ = db.session.get(Round, subject.round_id)
        return f"the round “{round_.title}”" if round_ is not None else "a round"
    if subject_type == "stories":
        kind = "story"
    name = getattr(subject, "title", None) or getattr(subject, "name", None) or getattr(subject, "reference", None)
    return f"the {kind} “{name}”" if name else f"{kind} {subject_id}"


def _acting_for(event: Event, subject: Any):
    """The organisation whose member acted, when the subject belongs to one."""
    owners = []
    if event.subject_type in ("needs", "stories"):
        owners = [getattr(subject, "organisation", None)]
    elif event.subject_type == "pledges":
        owners = [subject.supplier, subject.need.organisation]
    elif event.subject_type == "organisations":
        owners = [subject]
    elif event.subject_type == "commitments":
        owners = [subject.contract.supplier]
    for owner in owners:
        if owner is not None and owner.is_member(event.actor):
            return owner
    return None


def _subject(event: Event, cache: dict) -> Any:
    from models import Ballot, Commitment, Contract, Need, Organisation, Pledge, Round, Story, User
    from models.matching.matches import Match

    models = {
        "ballots": Ballot,
        "needs": Need, "pledges": Pledge, "organisations": Organisation, "rounds": Round, "stories": Story,
        "contracts": Contract, "commitments": Commitment, "users": User, "matches": Match,
    }
    model = models.get(event.subject_type)
    if model is None or not event.subject_id.isdigit():
        return None
    key = (event.subject_type, event.subject_id)
    if key not in cache:
        cache[key] = db.session.get(model, int(event.subject_id))
    return cache[key]


def describe(event: Event, cache: dict | None = None) -> str:
    cache = {} if cache is None else cache
    subject = _subject(event, cache)
    actor = event.actor
    if actor is None:
        who = "The system"
    elif actor.is_officer:
        who = actor.name
    else:
        owner = _acting_for(event, subject) if subject is not None else None
        who = owner.name if owner is not None else actor.name
    phrase = PHRASES.get(event.action)
    thing = _thing(subject, event.subject_type, event.subject_id)
    if phrase is None:  # an action not worded yet: still readable
        noun, _, verb = event.action.partition(".")
        return f"{who}: {verb.replace('_', ' ')} ({thing})"
    return f"{who} {phrase.format(thing=thing)}"


def describe_events(events: Iterable[Event]) -> list[tuple[Event, str]]:
    cache: dict = {}
    return [(event, describe(event, cache)) for event in events]
