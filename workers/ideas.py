"""Jobs for residents' ideas and reminders to vote.

`notify_idea_step`: the proposer and supporters of an idea are told it was assessed, merged
or put on the ballot; `send_vote_reminders` (periodic): residents who opted in are reminded
when their ward's vote opens and two days before it closes. Each message is written with a
dispatch row unique per person and step (models.ideas.ideas.RoundDispatch), so either job
can run twice, or be killed half-way and run again, and nobody gets a second message."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _

from models import Round, User, db, utcnow
from models.ideas.ideas import STEPS, Idea, claim_dispatch, people_to_tell
from models.ideas.reminders import CLOSING, reminder_recipients, reminders_due, round_key
from workers.digests import list_headers
from models.core.mail import queue_email
from workers.notify import external_url, in_recipient_language, local_title, render_email, send_templated
from workers.registry import job

def step_subject(step: str, idea: Idea) -> str:
    """In the language being rendered, with the idea's title in it where it has one."""
    title = local_title(idea)
    return {
        "feasible": lambda: _("Your idea is feasible: %(title)s", title=title),
        "not_feasible": lambda: _("Not feasible: %(title)s", title=title),
        "merged": lambda: _("Merged with a similar idea: %(title)s", title=title),
        "on_ballot": lambda: _("On the ballot: %(title)s", title=title),
    }[step]()


@job("default", timeout=600)
def notify_idea_step(idea_id: int, step: str) -> int:
    """Email the proposer and every supporter about this step of the idea, once each."""
    idea = db.session.get(Idea, idea_id)
    if idea is None or step not in STEPS:
        return 0
    sent = 0
    for user_id in people_to_tell(idea):
        person = db.session.get(User, user_id)
        if person is None or not person.email_verified:
            continue
        dispatch = claim_dispatch(user_id, f"idea_{step}", f"idea:{idea.id}")
        if dispatch is None:  # told already (a retried or doubled job)
            continue
        dispatch.email_message = send_templated(
            person.email, "idea_step", lambda: step_subject(step, idea), f"idea_{step}",
            user=person, idea=idea, step=step, proposer=person.id == idea.proposer_id,
            link=external_url("public.idea", idea_id=idea.merged_into_id if step == "merged" and idea.merged_into_id else idea.id),
        )
        db.session.commit()
        sent += 1
    return sent


def _send_reminders(round_: Round, kind: str) -> int:
    sent, after = 0, 0
    batch = current_app.config.get("DIGEST_BATCH_SIZE", 200)
    while ids := reminder_recipients(round_, kind, after, batch):
        after = ids[-1]
        for user_id in ids:
            person = db.session.get(User, user_id)
            dispatch = claim_dispatch(user_id, kind, round_key(round_.id))
            if dispatch is None:  # another run got there first
                continue
            headers, unsubscribe = list_headers(user_id, "reminders")
            with in_recipient_language(person.locale):
                subject = (_("Two days left to vote: %(round)s", round=round_.title) if kind == CLOSING
                           else _("Voting is open: %(round)s", round=round_.title))
                text, html = render_email(
                    "vote_reminder", subject, user=person, round=round_, closing=kind == CLOSING,
                    link=external_url("public.round", round_id=round_.id), unsubscribe=unsubscribe,
                )
            dispatch.email_message = queue_email(person.email, subject, text, html, kind=kind, headers=headers)
            sent += 1
        db.session.commit()  # a batch at a time: a run killed now leaves these sent, and only these
    return sent


@job("low", timeout=1800)
def send_vote_reminders(as_of: str | None = None) -> dict[str, int]:
    """Periodic: remind residents who opted in that their ward's vote is open, or closes soon."""
    now = datetime.fromisoformat(as_of) if as_of else utcnow()
    counts: dict[str, int] = {}
    for round_id, kind in reminders_due(now):
        counts[f"{round_id}:{kind}"] = _send_reminders(db.session.get(Round, round_id), kind)
    return counts
