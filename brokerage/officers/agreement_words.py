"""Sentences naming an agreement by its kind (models/contracts/agreements.py), in the reader's
language (issue 21): a whole marked sentence for each kind, never a kind's label slotted into
a sentence, since in Welsh a feminine noun mutates after "y" (y rwymedigaeth gynllunio) and
the order of words differs."""

from __future__ import annotations

from flask_babel import gettext

from brokerage.rule_messages import N_
from models.contracts.agreements import ASSET_TRANSFER, CONTRACT, EMPLOYMENT, GRANT, INVESTMENT, PLANNING

# The officers' agreement form's title: "Change contract BRENT-1".
CHANGE_TITLE = {
    CONTRACT: N_("Change contract %(reference)s"),
    PLANNING: N_("Change planning obligation %(reference)s"),
    GRANT: N_("Change grant %(reference)s"),
    ASSET_TRANSFER: N_("Change community asset transfer %(reference)s"),
    EMPLOYMENT: N_("Change council employment agreement %(reference)s"),
    INVESTMENT: N_("Change investment %(reference)s"),
}
# The link from an agreement's page to its form.
CHANGE_LINK = {
    CONTRACT: N_("Change the contract"),
    PLANNING: N_("Change the planning obligation"),
    GRANT: N_("Change the grant"),
    ASSET_TRANSFER: N_("Change the community asset transfer"),
    EMPLOYMENT: N_("Change the council employment agreement"),
    INVESTMENT: N_("Change the investment"),
}
RECORDED = {
    CONTRACT: N_("Contract %(reference)s recorded."),
    PLANNING: N_("Planning obligation %(reference)s recorded."),
    GRANT: N_("Grant %(reference)s recorded."),
    ASSET_TRANSFER: N_("Community asset transfer %(reference)s recorded."),
    EMPLOYMENT: N_("Council employment agreement %(reference)s recorded."),
    INVESTMENT: N_("Investment %(reference)s recorded."),
}
SAVED = {
    CONTRACT: N_("Contract %(reference)s saved."),
    PLANNING: N_("Planning obligation %(reference)s saved."),
    GRANT: N_("Grant %(reference)s saved."),
    ASSET_TRANSFER: N_("Community asset transfer %(reference)s saved."),
    EMPLOYMENT: N_("Council employment agreement %(reference)s saved."),
    INVESTMENT: N_("Investment %(reference)s saved."),
}
# A payment in lieu into the Social Value Fund, as models/fund/ledger.py stores it:
# "<supplier>, <kind's label, lower case> <reference>".
PAID_IN_LIEU = {
    CONTRACT: N_("%(supplier)s, contract %(reference)s"),
    PLANNING: N_("%(supplier)s, planning obligation %(reference)s"),
    GRANT: N_("%(supplier)s, grant %(reference)s"),
    ASSET_TRANSFER: N_("%(supplier)s, community asset transfer %(reference)s"),
    EMPLOYMENT: N_("%(supplier)s, council employment %(reference)s"),
    INVESTMENT: N_("%(supplier)s, investment %(reference)s"),
}


def kind_sentence(sentences: dict[str, str], kind: str | None, **values) -> str:
    """This kind's sentence from one of the dicts above, in the page's language."""
    return gettext(sentences.get(kind or CONTRACT, sentences[CONTRACT]), **values)


def agreement_sentence(name: str, kind: str | None, **values) -> str:
    """For templates: `agreement_sentence('change_link', contract.kind)`."""
    return kind_sentence({"change_title": CHANGE_TITLE, "change_link": CHANGE_LINK}[name], kind, **values)
