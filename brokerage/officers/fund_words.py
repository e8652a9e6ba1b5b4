"""The Social Value Fund's entries described in the reader's language (issue 21).
models/fund/ledger.py stores each entry's description in English from DESCRIPTIONS; this
reads a stored description back into its values (so the entries already stored are shown
translated too) and words it from the marked wording for its source, a payment in lieu
from its agreement kind's own wording (brokerage/officers/agreement_words.py). A
description of no known shape is shown as stored."""

from __future__ import annotations

from flask_babel import gettext

from brokerage.officers.agreement_words import PAID_IN_LIEU
from brokerage.rule_messages import N_
from brokerage.stored_words import read_back
from brokerage.templating import translate_label

WORDINGS = {
    "section_106": N_("%(purpose)s, agreement %(reference)s"),
    "ward_vote": N_("Budget of “%(title)s”"),
    "need": N_("“%(title)s”, %(organisation)s"),
}


def fund_entry_description(entry) -> str:
    stored = entry.description or ""
    wordings = list(PAID_IN_LIEU.values()) if entry.source == "payment_in_lieu" else [WORDINGS.get(entry.source)]
    for wording in wordings:
        if wording and (values := read_back(wording, stored)) is not None:
            if "purpose" in values:
                values["purpose"] = translate_label(values["purpose"])
            return gettext(wording, **values)
    return stored
