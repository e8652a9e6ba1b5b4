"""Why a commitment matches a need, in the reader's language (issue 21). The scorer
(models/matching/scoring.py, pure) words each reason in English from REASONS and the matches
keep them so; in another language each stored reason is read back into its key and values and
worded from the marked sentence for that key, its values (how long until a date, a share, the
date) in that language too. A reason of no known shape is shown as it is."""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import gettext, ngettext

from brokerage.i18n import current_language
from brokerage.rule_messages import N_
from brokerage.stored_words import read_back
from brokerage.templating import format_date
from models.matching.scoring import REASONS, addressed, reasons_sentence

# REASONS' wordings, marked (the same English: tests/matching/test_reasons_welsh.py checks).
SENTENCES = {
    "won": N_("won in %(area)s's priority vote"),
    "ranked": N_("ranked %(rank)s of %(of)s in %(area)s's priority vote"),
    "commitment_due": N_("your ‘%(name)s’ commitment has %(left)s left, due %(when)s"),
    "commitment_overdue": N_("your ‘%(name)s’ commitment has %(left)s left, was due %(when)s"),
    "other_units": N_("this need asks for %(amount)s, counted in other units than your commitment"),
    "completes": N_("this need asks for %(amount)s, so your commitment can complete it outright"),
    "share": N_("this need asks for %(amount)s: your commitment would meet %(share)s of it"),
    "preferred_ward": N_("in %(ward)s, one of your commitment's preferred wards"),
    "other_ward": N_("in %(ward)s, not one of your commitment's preferred wards"),
    "borough": N_("for the whole borough"),
    "ward": N_("in %(ward)s"),
    "local_need": N_("%(ward)s is among this council's wards most in need by %(indicator)s"),
    "local_need_area": N_("this area is among this council's wards most in need by %(indicator)s"),
    "deprived": N_("%(ward)s is among the %(percent)s%% most deprived areas in England (IMD 2019)"),
    "deprived_area": N_("this area is among the %(percent)s%% most deprived areas in England (IMD 2019)"),
    "needed_by": N_("needed by %(date)s (%(when)s)"),
    "same_theme": N_("under the same priority theme as your commitment"),
    "other_theme": N_("under another priority theme (%(theme)s)"),
}
SHARES = {"a quarter": N_("a quarter"), "a third": N_("a third"), "half": N_("half"), "two thirds": N_("two thirds"),
          "three quarters": N_("three quarters")}
# The most particular first: "in %(ward)s" would also read "in Harlesden, one of ...".
_KEYS = sorted(SENTENCES, key=lambda key: -len(re.sub(r"%\(\w+\)s", "", SENTENCES[key])))
_SPAN = re.compile(r"(?:in )?(\d+) (day|week|month)s?( ago)?")


def _when(text: str) -> str:
    """scoring.time_until's words ("in 12 days", "3 weeks ago", "today") in the page's language."""
    if text == "today":
        return gettext("today")
    found = _SPAN.fullmatch(text)
    if not found:
        return text
    count, unit, ago = int(found[1]), found[2], bool(found[3])
    if unit == "day":
        return ngettext("%(num)s day ago", "%(num)s days ago", count) if ago else ngettext("in %(num)s day", "in %(num)s days", count)
    if unit == "week":
        return ngettext("%(num)s week ago", "%(num)s weeks ago", count) if ago else ngettext("in %(num)s week", "in %(num)s weeks", count)
    return ngettext("%(num)s month ago", "%(num)s months ago", count) if ago else ngettext("in %(num)s month", "in %(num)s months", count)


def _in_language(reason: str) -> str:
    for key in _KEYS:
        values = read_back(REASONS[key], reason)
        if values is None:
            continue
        if "when" in values:
            values["when"] = _when(values["when"])
        if "rank" in values:
            values["rank"] = re.sub(r"\D", "", values["rank"])
        if "share" in values and values["share"] in SHARES:
            values["share"] = gettext(SHARES[values["share"]])
        if "date" in values:
            try:
                values["date"] = format_date(datetime.strptime(values["date"], "%d %B %Y").date())
            except ValueError:
                pass
        return gettext(SENTENCES[key], **values)
    return reason


def _texts(match, supplier_name: str | None) -> list[str]:
    said = list(match.reasons or [])
    if current_language().split("_")[0] == "en":  # as the scorer worded them
        return addressed(said, supplier_name)
    texts = [_in_language(reason) for reason in said]
    if supplier_name is not None:
        theirs = gettext("%(supplier)s's commitment", supplier=supplier_name)
        texts = [text.replace(gettext("your commitment"), theirs) for text in texts]
    return texts


def match_reasons(match, supplier_name: str | None = None) -> list[str]:
    """A match's reasons, each with a capital, for the supplier whose commitment it is
    ("your commitment") or, given the supplier's name, for anyone else."""
    return [text[:1].upper() + text[1:] for text in _texts(match, supplier_name)]


def match_reasons_text(match, for_others: bool = False) -> str:
    """The reasons as one sentence ("Ranked 2nd of 14 ...; ... ."), for the supplier or,
    `for_others`, anyone else."""
    return reasons_sentence(_texts(match, match.commitment.contract.supplier.name if for_others else None))
