"""The audit trail's sentences in the reader's language (issue 21). models/core/audit_sentences.py
works out what a sentence is made of (the event's action, who acted, and the subject as
`Words`); this words it, with a whole marked sentence for each action and a whole phrase for
each kind of subject, since Welsh puts the verb first and mutates what follows it: no label is
slotted into another language's sentence. An action not worded here still reads as a sentence
(it names the action's code)."""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

from flask_babel import gettext

from brokerage.officers.job_names import task_title
from brokerage.rule_messages import N_
from brokerage.templating import format_number
from models.contracts.agreements import ASSET_TRANSFER, CONTRACT, EMPLOYMENT, GRANT, INVESTMENT, PLANNING
from models.core.audit_sentences import Sentence, Words, describe_events
from models.core.events import Event

# What happened: each action's whole sentence, %(who)s acting on %(thing)s.
SENTENCES = {
    "need.created": N_("%(who)s started %(thing)s"),
    "need.updated": N_("%(who)s changed %(thing)s"),
    "need.photo_changed": N_("%(who)s changed the photo of %(thing)s"),
    "need.submitted": N_("%(who)s sent %(thing)s for review"),
    "need.published": N_("%(who)s published %(thing)s"),
    "need.changes_requested": N_("%(who)s asked for changes to %(thing)s"),
    "need.rejected": N_("%(who)s rejected %(thing)s"),
    "need.withdrawn": N_("%(who)s withdrew %(thing)s"),
    "need.closed": N_("%(who)s closed %(thing)s"),
    "need.reopened": N_("%(who)s reopened %(thing)s"),
    "need.expired": N_("%(who)s marked %(thing)s expired: its deadline passed"),
    "need.fully_pledged": N_("%(who)s marked %(thing)s fully pledged"),
    "need.delivered": N_("%(who)s marked %(thing)s delivered"),
    "need.funded": N_("%(who)s paid towards %(thing)s from the Social Value Fund"),
    "need.translation_saved": N_("%(who)s saved a translation of %(thing)s"),
    "need.translation_removed": N_("%(who)s removed a translation of %(thing)s"),
    "pledge.offered": N_("%(who)s offered %(thing)s"),
    "pledge.accepted": N_("%(who)s accepted %(thing)s"),
    "pledge.declined": N_("%(who)s declined %(thing)s"),
    "pledge.withdrawn": N_("%(who)s withdrew %(thing)s"),
    "pledge.delivered": N_("%(who)s recorded the delivery of %(thing)s"),
    "pledge.received": N_("%(who)s confirmed receiving %(thing)s"),
    "pledge.confirmed": N_("%(who)s confirmed the delivery of %(thing)s"),
    "pledge.disputed": N_("%(who)s disputed the delivery of %(thing)s"),
    "pledge.allocated": N_("%(who)s counted %(thing)s towards commitments"),
    "pledge.funded": N_("%(who)s paid %(thing)s from the Social Value Fund"),
    "organisation.created": N_("%(who)s registered %(thing)s"),
    "organisation.updated": N_("%(who)s changed the details of %(thing)s"),
    "organisation.verified": N_("%(who)s verified %(thing)s"),
    "organisation.rejected": N_("%(who)s turned down %(thing)s"),
    "organisation.resubmitted": N_("%(who)s sent %(thing)s to be verified again"),
    "organisation.removed": N_("%(who)s removed %(thing)s"),
    "organisation.member_invited": N_("%(who)s invited someone to join %(thing)s"),
    "organisation.member_joined": N_("%(who)s joined %(thing)s"),
    "organisation.member_left": N_("%(who)s left %(thing)s"),
    "organisation.member_removed": N_("%(who)s removed a member of %(thing)s"),
    "organisation.change_requested": N_("%(who)s asked to change the name or number of %(thing)s"),
    "organisation.change_approved": N_("%(who)s approved a change to %(thing)s"),
    "organisation.change_rejected": N_("%(who)s turned down a change to %(thing)s"),
    "organisation.change_withdrawn": N_("%(who)s withdrew a change to %(thing)s"),
    "round.created": N_("%(who)s set up %(thing)s"),
    "round.updated": N_("%(who)s changed %(thing)s"),
    "round.open": N_("%(who)s opened %(thing)s"),
    "round.closed": N_("%(who)s closed voting in %(thing)s"),
    "round.published": N_("%(who)s published the results of %(thing)s"),
    "round.counted": N_("%(who)s counted the votes in %(thing)s"),
    "round.recount_requested": N_("%(who)s asked for the votes in %(thing)s to be counted again"),
    "round.imported": N_("%(who)s imported %(thing)s"),
    "round.option_added": N_("%(who)s added an option to %(thing)s"),
    "round.options_added": N_("%(who)s added options to %(thing)s"),
    "round.option_removed": N_("%(who)s removed an option from %(thing)s"),
    "round.paper_batch_entered": N_("%(who)s entered paper ballots in %(thing)s"),
    "round.paper_batch_removed": N_("%(who)s removed paper ballots from %(thing)s"),
    "round.ideas_phase_set": N_("%(who)s set the ideas phase of %(thing)s"),
    "round.ideas_phase_removed": N_("%(who)s removed the ideas phase of %(thing)s"),
    "round.channels_changed": N_("%(who)s changed how people can vote in %(thing)s"),
    "round.letters_requested": N_("%(who)s asked for voting letters for %(thing)s"),
    "round.letters_printed": N_("%(who)s marked the voting letters for %(thing)s printed"),
    "round.letters_file_deleted": N_("%(who)s deleted the voting letters file for %(thing)s"),
    "round.polling_granted": N_("%(who)s let a polling station record votes in %(thing)s"),
    "round.polling_revoked": N_("%(who)s stopped a polling station recording votes in %(thing)s"),
    "round_option.translation_saved": N_("%(who)s saved a translation of %(thing)s"),
    "round_option.translation_removed": N_("%(who)s removed a translation of %(thing)s"),
    "ballot.cast": N_("%(who)s voted in %(thing)s"),
    "ballot.changed": N_("%(who)s changed their vote in %(thing)s"),
    "ballot.withdrawn": N_("%(who)s withdrew their vote in %(thing)s"),
    "ballot.conflict": N_("%(who)s found two ballots from one person in %(thing)s"),
    "ballot.conflict_resolved": N_("%(who)s resolved two ballots from one person (%(thing)s)"),
    "idea.proposed": N_("%(who)s proposed %(thing)s"),
    "idea.updated": N_("%(who)s changed %(thing)s"),
    "idea.supported": N_("%(who)s supported %(thing)s"),
    "idea.support_withdrawn": N_("%(who)s stopped supporting %(thing)s"),
    "idea.commented": N_("%(who)s commented on %(thing)s"),
    "idea.reported": N_("%(who)s reported %(thing)s to the council"),
    "idea.report_decided": N_("%(who)s decided a report about %(thing)s"),
    "idea.assessed": N_("%(who)s assessed %(thing)s"),
    "idea.merged": N_("%(who)s merged %(thing)s into another idea"),
    "idea.on_ballot": N_("%(who)s put %(thing)s on the ballot"),
    "idea.translation_saved": N_("%(who)s saved a translation of %(thing)s"),
    "idea.translation_removed": N_("%(who)s removed a translation of %(thing)s"),
    "idea_comment.moderated": N_("%(who)s moderated %(thing)s"),
    "story.created": N_("%(who)s started %(thing)s"),
    "story.updated": N_("%(who)s changed %(thing)s"),
    "story.photo_changed": N_("%(who)s changed the photo of %(thing)s"),
    "story.submitted": N_("%(who)s sent %(thing)s to the council"),
    "story.published": N_("%(who)s published %(thing)s"),
    "story.changes_requested": N_("%(who)s sent %(thing)s back for changes"),
    "story.withdrawn": N_("%(who)s withdrew %(thing)s from the public pages"),
    "contract.recorded": N_("%(who)s recorded %(thing)s"),
    "contract.updated": N_("%(who)s changed %(thing)s"),
    "contract.changed": N_("%(who)s changed %(thing)s"),
    "contract.removed": N_("%(who)s removed %(thing)s"),
    "contract.restored": N_("%(who)s restored %(thing)s"),
    "contract.schedule_changed": N_("%(who)s changed how often %(thing)s reports supplier returns"),
    "commitment.added": N_("%(who)s added %(thing)s"),
    "commitment.proposed": N_("%(who)s proposed %(thing)s"),
    "commitment.approved": N_("%(who)s approved %(thing)s"),
    "commitment.rejected": N_("%(who)s turned down %(thing)s"),
    "commitment.remedial_plan": N_("%(who)s recorded a remedial plan for %(thing)s"),
    "commitment.settled": N_("%(who)s settled %(thing)s"),
    "commitment.escalated": N_("%(who)s escalated %(thing)s"),
    "commitment.escalation_resolved": N_("%(who)s resolved the escalation of %(thing)s"),
    "commitment.kpi": N_("%(who)s made %(thing)s a key performance indicator"),
    "commitment.not_kpi": N_("%(who)s made %(thing)s no longer a key performance indicator"),
    "kpi.rated": N_("%(who)s rated performance (%(thing)s)"),
    "contribution.linked": N_("%(who)s linked %(thing)s to a commitment or need"),
    "contribution.unlinked": N_("%(who)s unlinked %(thing)s from a commitment or need"),
    "return.opened": N_("%(who)s opened %(thing)s"),
    "return.started": N_("%(who)s started filling in %(thing)s"),
    "return.line_saved": N_("%(who)s saved a line of %(thing)s"),
    "return.evidence_added": N_("%(who)s added evidence to %(thing)s"),
    "return.submitted": N_("%(who)s sent in %(thing)s"),
    "return.accepted": N_("%(who)s accepted %(thing)s"),
    "return.queried": N_("%(who)s queried %(thing)s"),
    "return.rejected": N_("%(who)s rejected %(thing)s"),
    "return.correction_started": N_("%(who)s started a correction of %(thing)s"),
    "return.superseded": N_("%(who)s replaced %(thing)s with a correction"),
    "return.removed": N_("%(who)s removed %(thing)s"),
    "return.reminder": N_("%(who)s sent a reminder about %(thing)s"),
    "return_line.split": N_("%(who)s split %(thing)s between commitments"),
    "return_line.split_carried": N_("%(who)s carried the split of %(thing)s into a correction"),
    "tender.recorded": N_("%(who)s recorded %(thing)s"),
    "tender.pack_curated": N_("%(who)s chose the needs in the bid pack of %(thing)s"),
    "tender.places_changed": N_("%(who)s changed the places of %(thing)s"),
    "tender.awarded": N_("%(who)s awarded %(thing)s"),
    "tender.withdrawn": N_("%(who)s withdrew %(thing)s"),
    "offer.started": N_("%(who)s started %(thing)s"),
    "offer.line_added": N_("%(who)s added a line to %(thing)s"),
    "offer.item_removed": N_("%(who)s removed a line from %(thing)s"),
    "offer.need_reserved": N_("%(who)s reserved a need for %(thing)s"),
    "offer.submitted": N_("%(who)s submitted %(thing)s"),
    "offer.assessed": N_("%(who)s assessed %(thing)s"),
    "offer.awarded": N_("%(who)s awarded %(thing)s"),
    "offer.unsuccessful": N_("%(who)s marked %(thing)s unsuccessful"),
    "user.registered": N_("%(who)s registered"),
    "user.email_verified": N_("%(who)s confirmed their email address"),
    "user.email_changed": N_("%(who)s changed their email address"),
    "user.password_changed": N_("%(who)s changed their password"),
    "user.details_changed": N_("%(who)s changed their details"),
    "user.language_chosen": N_("%(who)s chose their language"),
    "user.signed_in_by_link": N_("%(who)s signed in with an emailed link"),
    "user.signed_out": N_("%(who)s signed out"),
    "user.role_changed": N_("%(who)s changed the role of %(thing)s"),
    "user.deleted": N_("%(who)s deleted an account"),
    "settings.changed": N_("%(who)s changed the settings"),
    "digest.preferences_changed": N_("%(who)s changed their email updates"),
    "digest.unsubscribed": N_("%(who)s stopped an email update"),
    "newsletter.unsubscribed": N_("%(who)s stopped the suppliers’ newsletter"),
    "vote_reminders.opted_in": N_("%(who)s asked to be reminded about votes"),
    "vote_reminders.opted_out": N_("%(who)s stopped reminders about votes"),
    "theme.created": N_("%(who)s added %(thing)s"),
    "theme.updated": N_("%(who)s changed %(thing)s"),
    "measure.created": N_("%(who)s added %(thing)s"),
    "measure.updated": N_("%(who)s changed %(thing)s"),
    "case_study.created": N_("%(who)s wrote %(thing)s"),
    "case_study.updated": N_("%(who)s changed %(thing)s"),
    "case_study.deleted": N_("%(who)s deleted %(thing)s"),
    "contract_import.applied": N_("%(who)s imported contracts (%(thing)s)"),
    "contract_import.undone": N_("%(who)s undid a contract import (%(thing)s)"),
    "match.introduced": N_("%(who)s introduced %(thing)s"),
    "match.dismissed": N_("%(who)s dismissed %(thing)s"),
    "fund.payment_in_lieu": N_("%(who)s recorded a payment in lieu into the Social Value Fund (%(thing)s)"),
    "fund.section_106": N_("%(who)s recorded section 106 money received into the Social Value Fund (%(thing)s)"),
    "fund.ward_vote": N_("%(who)s added Social Value Fund money to a ward vote’s budget (%(thing)s)"),
    "fund.need": N_("%(who)s funded a community need from the Social Value Fund (%(thing)s)"),
    "census.imported": N_("%(who)s imported census figures"),
    "indicators.imported": N_("%(who)s imported a local indicator"),
    "impact_report.produced": N_("%(who)s produced the social value impact report"),
    "job.retried": N_("%(who)s retried a failed background job"),
}
# A long job's events (models/core/tasks.py): `<task name>.<started|requested|finished>`.
TASK_SENTENCES = {
    "started": N_("%(who)s started %(thing)s"),
    "requested": N_("%(who)s asked for %(thing)s"),
    "finished": N_("%(who)s finished %(thing)s"),
}
UNWORDED = N_("%(who)s changed %(thing)s (%(action)s)")

# The subject, by its table: named, and once removed.
NAMED = {
    "needs": N_("the need “%(name)s”"),
    "organisations": N_("the organisation “%(name)s”"),
    "rounds": N_("the round “%(name)s”"),
    "stories": N_("the story “%(name)s”"),
    "ideas": N_("the idea “%(name)s”"),
    "idea_comments": N_("the comment %(name)s"),
    "themes": N_("the theme “%(name)s”"),
    "measures": N_("the measure “%(name)s”"),
    "case_studies": N_("the case study “%(name)s”"),
    "tenders": N_("the tender “%(name)s”"),
    "tender_offers": N_("the offer %(name)s"),
    "supplier_returns": N_("the supplier return %(name)s"),
    "return_lines": N_("the return line %(name)s"),
    "contract_import_batches": N_("the contract import “%(name)s”"),
    "commitment_escalations": N_("the escalation %(name)s"),
    "kpi_ratings": N_("the rating %(name)s"),
    "fund_entries": N_("the Fund entry %(name)s"),
    "developer_contributions": N_("the developer contribution %(name)s"),
}
OTHER_NAMED = N_("“%(name)s”")
REMOVED = {
    "needs": N_("a need that has since been removed"),
    "pledges": N_("a pledge that has since been removed"),
    "organisations": N_("an organisation that has since been removed"),
    "rounds": N_("a round that has since been removed"),
    "stories": N_("a story that has since been removed"),
    "contracts": N_("an agreement that has since been removed"),
    "commitments": N_("a commitment that has since been removed"),
    "users": N_("an account that has since been deleted"),
    "matches": N_("a match that has since been removed"),
    "tasks": N_("a job that has since been removed"),
    "ideas": N_("an idea that has since been removed"),
    "themes": N_("a theme that has since been removed"),
    "measures": N_("a measure that has since been removed"),
    "case_studies": N_("a case study that has since been removed"),
    "tenders": N_("a tender that has since been removed"),
    "supplier_returns": N_("a supplier return that has since been removed"),
}
OTHER_REMOVED = N_("something that has since been removed")
# An agreement by its kind (models/contracts/agreements.py): each noun with its own article.
AGREEMENTS = {
    CONTRACT: N_("the contract “%(name)s”"),
    PLANNING: N_("the planning obligation “%(name)s”"),
    GRANT: N_("the grant “%(name)s”"),
    ASSET_TRANSFER: N_("the community asset transfer “%(name)s”"),
    EMPLOYMENT: N_("the council employment agreement “%(name)s”"),
    INVESTMENT: N_("the investment “%(name)s”"),
}
PHRASES = {
    "ballot_withdrawn": N_("a round (the vote has since been withdrawn)"),
    "a_round": N_("a round"),
    "round": N_("the round “%(title)s”"),
    "pledge": N_("a pledge of %(quantity)s %(unit)s to “%(title)s”"),
    "commitment": N_("a commitment under contract %(reference)s"),
    "match": N_("the match of “%(title)s” with a commitment under %(reference)s"),
    "task": N_("the job “%(title)s”"),
}


def who_words(who: Words) -> str:
    return gettext("the system") if who.key == "system" else who.values["name"]


def thing_words(thing: Words) -> str:
    values = thing.values
    if thing.key == "person":
        return values["name"]
    if thing.key == "named":
        return gettext(NAMED.get(values["table"], OTHER_NAMED), name=values["name"])
    if thing.key == "removed":
        return gettext(REMOVED.get(values["table"], OTHER_REMOVED))
    if thing.key == "agreement":
        return gettext(AGREEMENTS.get(values["kind"] or CONTRACT, AGREEMENTS[CONTRACT]), name=values["name"])
    if thing.key == "task":
        return gettext(PHRASES["task"], title=task_title(values["name"], values["description"]))
    if thing.key == "pledge":
        values = {**values, "quantity": format_number(values["quantity"])}
    return gettext(PHRASES[thing.key], **values)


def sentence_words(sentence: Sentence) -> str:
    """The sentence in the page's language, its first letter a capital."""
    values = {"who": who_words(sentence.who), "thing": thing_words(sentence.thing)}
    noun, _dot, verb = sentence.action.partition(".")
    if sentence.action in SENTENCES:
        text = gettext(SENTENCES[sentence.action], **values)
    elif sentence.thing.key == "task" and verb in TASK_SENTENCES:
        text = gettext(TASK_SENTENCES[verb], **values)
    else:
        text = gettext(UNWORDED, action=sentence.action, **values)
    return text[:1].upper() + text[1:]


def audit_sentences(events: Iterable[Event]) -> list[tuple[Event, str]]:
    """Each event with its sentence (the templates' `describe_events`)."""
    return [(event, sentence_words(sentence)) for event, sentence in describe_events(events)]


@lru_cache(maxsize=1)
def _state_labels() -> dict[str, dict[str, str]]:
    """Each kind of subject's states, by the English label models/ gives them."""
    from models.ideas.ideas import IDEA_STATE_LABELS
    from models.needs.models import STATUS_LABELS as NEED_LABELS
    from models.people.organisations import OrganisationStatus
    from models.pledges.models import PledgeStatus
    from models.returns.models import ReturnState
    from models.stories.stories import STATUS_LABELS as STORY_LABELS
    from models.tenders.models import OFFER_LABELS
    from models.voting.models import STATE_LABELS as ROUND_LABELS

    enum_labels = lambda states: {state.value: state.label for state in states}  # noqa: E731
    return {
        "needs": NEED_LABELS, "stories": STORY_LABELS, "ideas": IDEA_STATE_LABELS, "rounds": ROUND_LABELS,
        "tender_offers": OFFER_LABELS, "pledges": enum_labels(PledgeStatus),
        "organisations": enum_labels(OrganisationStatus), "supplier_returns": enum_labels(ReturnState),
    }


def state_word(subject_type: str, state: str | None) -> str:
    """A state in the audit trail's Change column ("draft → submitted"), as the subject's own
    pages name it in the reader's language ("Drafft → Yn aros am adolygiad"); a state no label
    names is shown as recorded."""
    from brokerage.rule_messages import translate_label

    if not state:
        return "–"
    label = _state_labels().get(subject_type, {}).get(state)
    return translate_label(label) if label else state

