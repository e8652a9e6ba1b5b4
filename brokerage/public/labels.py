"""Labels models/ defines in English (models never import Flask-Babel) that the public pages,
the shared components and the forms of brokerage/forms/ (places, digests, core) show, marked
here so extraction finds them. Templates translate them with the `label` filter
(brokerage/templating.py translate_label), forms with `_l(label)`; brokerage/i18n.py marks
the need kinds and statuses the same way."""

from __future__ import annotations


def _label_catalogue() -> tuple:
    from flask_babel import lazy_gettext as _l

    return (
        # models/voting/models.py Round.area_name, OFFICIAL_RULES and RULE_LABELS
        _l("the whole borough"), _l("an imported election"),
        _l("Most votes first (greedy)"), _l("Method of Equal Shares (with add-one completion)"),
        _l("Method of Equal Shares (without completion)"),
        # models/voting/identity.py CHANNEL_LABELS
        _l("online, with an account"), _l("online, with a letter code"), _l("in person, at a polling station"),
        _l("on paper"),
        # models/contracts/tiers.py Tier.label, and a tender's requirement (models/tenders/pack.py
        # tier_requirement: a tender has no commitments yet, so these are the whole sentences)
        _l("Under threshold: no formal social value requirement"),
        _l("Basic: a contribution in 1 to 2 priority themes"),
        _l("Clear commitments with agreed KPIs"),
        _l("Strategic: at least 3 KPIs across several themes"),
        _l("No formal social value requirement at this value; offers are still welcome."),
        _l("Contracts in this tier need a social value contribution in 1 to 2 priority themes."),
        _l("Contracts in this tier need clear commitments with agreed KPIs."),
        _l(
            "Contracts over the strategic threshold need at least 3 KPIs; this one has 0. "
            "Contracts over the strategic threshold need commitments across several priority themes."
        ),
        # models/tenders/bid_pack.py SECTIONS, and a borough-wide need's ward (models/tenders/pack.py)
        _l("What residents voted for"), _l("Open community needs"), _l("The council's measures"),
        _l("Borough-wide"),
        # models/stories/stories.py STATUS_LABELS
        _l("Draft"), _l("Waiting for review"), _l("Changes requested"), _l("Published"), _l("Withdrawn"),
        # models/pledges/models.py PledgeStatus.label
        _l("Offered"), _l("Accepted"), _l("Declined"), _l("Delivered"), _l("Confirmed"), _l("Disputed"),
        # models/reporting/opendata.py OGL_NAME
        _l("Open Government Licence v3.0"),
        # models/digests/periods.py LABELS
        _l("Every week"), _l("Every month"), _l("Every three months"), _l("Never"),
        # models/returns/periods.py LABELS
        _l("Quarterly"), _l("Half-yearly"), _l("Yearly"),
        # models/places/themes.py DeliveredThrough.label
        _l("Through community needs (pledges)"), _l("Through supplier returns"),
        _l("Both: pledges and supplier returns"),
    )
