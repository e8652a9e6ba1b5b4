"""Background jobs' names in the reader's language (issue 21): each job function's name, the
periodic jobs' descriptions (workers/schedule.py, in English), and the titles of long tasks
(models/core/tasks.py keeps each task's title in English: `task_description` writes it from
one of the marked titles below, and `task_title` reads it back in the page's language, so the
tasks already stored are translated too)."""

from __future__ import annotations

import re

from flask_babel import gettext, ngettext

from brokerage.rule_messages import N_
from brokerage.stored_words import read_back

# Each job (workers/, `@job`) by its function's name.
JOB_NAMES = {
    "allocate_delivery": N_("Count a delivery towards commitments"),
    "build_bid_pack_pdf": N_("Make a tender's bid pack (PDF)"),
    "build_letters_pdf": N_("Make voting letters (PDF)"),
    "build_report_pdf": N_("Make the social value impact report (PDF)"),
    "close_due_rounds": N_("Close ward votes whose time is up"),
    "count_round_votes": N_("Count a ward vote"),
    "deliver_email": N_("Send an email"),
    "enqueue_pending_jobs": N_("Queue jobs kept while the queue was unreachable"),
    "expire_needs": N_("Expire needs past their deadline"),
    "import_census_file": N_("Import a census table"),
    "import_developer_contributions": N_("Import developer contributions"),
    "import_ocds_file": N_("Import contracts"),
    "import_postcodes_file": N_("Import postcodes"),
    "import_round_file": N_("Import a ward vote"),
    "import_wards_file": N_("Import wards"),
    "match_all_commitments": N_("Rematch every commitment"),
    "match_commitments": N_("Match commitments to needs"),
    "match_for_need": N_("Match a need to commitments"),
    "match_for_round": N_("Match a ward vote's options to commitments"),
    "notify_idea_step": N_("Tell people about an idea's progress"),
    "optimise_database": N_("Refresh the database's statistics"),
    "preview_ocds_file": N_("Check a contracts file before importing it"),
    "remind_returns": N_("Open and remind suppliers about returns"),
    "remove_expired_pending_uploads": N_("Remove photos never attached"),
    "remove_stale_uploads": N_("Remove old uploaded files"),
    "requeue_stuck_email": N_("Requeue email whose job was lost"),
    "send_digest_part": N_("Send a part of a round of digests"),
    "send_digest_run": N_("Send a round of digests"),
    "send_due_digests": N_("Send digests that are due"),
    "send_newsletter_run": N_("Send the suppliers' newsletter"),
    "send_vote_reminders": N_("Send vote reminders"),
}


def job_name(function: str) -> str:
    """A job's name in the page's language (its function's name when it has none)."""
    name = JOB_NAMES.get(function)
    return gettext(name) if name else function


def _periodic_descriptions() -> tuple:
    """workers/schedule.py's descriptions, marked here (workers are not extracted for
    labels they define); the jobs page translates them with `| label`."""
    return (
        N_("Enqueue jobs kept in the database while Redis was unreachable"),
        N_("Give queued email whose delivery job was lost a new one"),
        N_("Expire needs past their deadline and tell their groups"),
        N_("Send digests and the suppliers' newsletter to everyone due one (from 07:00 UTC on the first day of each "
           "week, month and quarter, catching up for a few days)"),
        N_("Refresh the database's statistics (nightly)"),
        N_("Close ward votes whose time is up and count them"),
        N_("Rematch every commitment (deadlines and due dates move every day)"),
        N_("Remind residents who asked that their ward's vote is open, and two days before it closes (each once)"),
        N_("Remove uploaded files a day old (previews of imports nobody confirmed)"),
        N_("Open supplier returns for ended periods; remind suppliers before they are due and when overdue"),
        N_("Remove photos kept across a need's or story's preview that were never attached, a day on"),
    )


# A long task's title by its name (models/core/tasks.py Task.name).
TASK_TITLES = {
    "census_import": N_("Census table from %(file)s"),
    "impact_report": N_("Social value impact report %(year)s (PDF)"),
    "round_import": N_("Round from %(file)s"),
    "ocds_preview": N_("Contracts in %(file)s"),
    "ocds_import": N_("Contracts from %(file)s"),
    "planning_import": N_("Developer contributions in %(file)s"),
    "wards_import": N_("Wards from %(file)s"),
    "postcodes_import": N_("Postcodes from %(file)s"),
}
LETTERS = ("%(letters)s letter for %(round)s", "%(letters)s letters for %(round)s")  # translated in task_title
_LETTERS_STORED = re.compile(r"(?P<num>[\d,]+) letters? for (?P<round>.+)", re.S)


def task_description(name: str, **values) -> str:
    """The task's title in English, as stored (Task.description)."""
    if name == "letters":
        return LETTERS[values["num"] != 1] % {"letters": f"{values['num']:,}", "round": values["round"]}
    return TASK_TITLES[name] % values


def task_title(name: str, description: str) -> str:
    """A stored task's title in the page's language: read back from the English it was
    stored in; as stored when it is not in a known shape."""
    if name == "letters" and (found := _LETTERS_STORED.fullmatch(description)):
        count = int(found["num"].replace(",", ""))
        return ngettext("%(letters)s letter for %(round)s", "%(letters)s letters for %(round)s", count,
                        letters=found["num"], round=found["round"])
    msgid = TASK_TITLES.get(name)
    if msgid and (values := read_back(msgid, description)) is not None:
        return gettext(msgid, **values)
    return description
