"""The audit trail in words: "Harlesden Food Hub sent the need “Laptops” for review", not
"need.submitted (needs 12)". Who acted is the organisation a member acted for (the group
for its needs and stories and its answers to pledges, the supplier for its pledges), an
officer by name, or the system for scheduled jobs and deleted accounts.

Models never import Flask-Babel, so this works out what the sentence is made of (the
event's action, who, and the subject as a `Words`: a key naming its wording and the values
it takes); the web app words it in the reader's language (brokerage/officers/audit_words.py,
which has a sentence for each action)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from models import db
from models.core.events import Event


@dataclass(frozen=True)
class Words:
    """A piece of a sentence the web app words: `key` names the wording, `values` fill it."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Sentence:
    action: str  # "need.submitted": names the sentence
    who: Words  # Words("system") or Words("name", {"name": ...})
    thing: Words  # the subject (see `thing`)


def _model_for(table: str):
    for mapper in db.Model.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table:
            return mapper.class_
    return None


def thing(subject: Any, subject_type: str, subject_id: str) -> Words:
    """The subject: its kind (`table`) and its name, or what is left to say of it."""
    from models import Round

    if subject is None and subject_type == "ballots":
        return Words("ballot_withdrawn")
    if subject is None:
        return Words("removed", {"table": subject_type})
    if subject_type == "pledges":
        return Words("pledge", {"quantity": subject.quantity, "unit": subject.need.unit, "title": subject.need.title})
    if subject_type == "commitments":
        return Words("commitment", {"reference": subject.contract.reference})
    if subject_type == "users":
        return Words("person", {"name": subject.name})
    if subject_type == "ballots":
        round_ = db.session.get(Round, subject.round_id)
        return Words("round", {"title": round_.title}) if round_ is not None else Words("a_round")
    if subject_type == "tasks":
        return Words("task", {"name": subject.name, "description": subject.description})
    if subject_type == "contracts":
        return Words("agreement", {"kind": subject.kind, "name": subject.title or subject.reference})
    if subject_type == "matches":
        return Words("match", {"title": subject.need.title, "reference": subject.commitment.contract.reference})
    if subject_type == "contract_import_batches":
        return Words("named", {"table": subject_type, "name": subject.file_name})
    name = getattr(subject, "title", None) or getattr(subject, "name", None) or getattr(subject, "reference", None)
    return Words("named", {"table": subject_type, "name": name or subject_id})


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
    model = _model_for(event.subject_type)
    text_id = event.subject_type == "tasks"  # a task's id is its RQ job's: hex digits
    if model is None or not (text_id or event.subject_id.isdigit()):
        return None
    key = (event.subject_type, event.subject_id)
    if key not in cache:
        cache[key] = db.session.get(model, event.subject_id if text_id else int(event.subject_id))
    return cache[key]


def describe(event: Event, cache: dict | None = None) -> Sentence:
    cache = {} if cache is None else cache
    subject = _subject(event, cache)
    actor = event.actor
    if actor is None:
        who = Words("system")
    elif actor.is_officer:
        who = Words("name", {"name": actor.name})
    else:
        owner = _acting_for(event, subject) if subject is not None else None
        who = Words("name", {"name": owner.name if owner is not None else actor.name})
    return Sentence(event.action, who, thing(subject, event.subject_type, event.subject_id))


def describe_events(events: Iterable[Event]) -> list[tuple[Event, Sentence]]:
    cache: dict = {}
    return [(event, describe(event, cache)) for event in events]
