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
        # The voting rules' fixed messages a voter meets (models/voting/ballots.py, letters.py,
        # identity.py), shown through translate_label by brokerage/views.py and the vote views
        _l("This round is not open yet."), _l("Voting has not started yet."), _l("Voting has closed."),
        _l("Sign in to vote."), _l("Confirm your email address to vote."),
        _l("Add your home postcode to your account to vote."),
        _l("Choose each option at most once"), _l("Choose options from this round's ballot"),
        _l("Choose at least one option"), _l("You have not voted in this round"),
        _l("Enter the 12-character code from your letter"), _l("Enter your postcode, like NW10 8AB"),
        _l("Check the code and postcode: they do not match a letter for a vote that is open"),
        _l("This code is for another vote"), _l("This code is for another ward"),
        _l("Voting is not open in the vote this code is for"), _l("Voting has closed"),
        _l("Enter the full name"), _l("Enter the date of birth"), _l("The date of birth must be in the past"),
        _l("Enter a postcode in the borough"), _l("Your vote could not be recorded: try again"),
        _l("You have not been given this round to record ballots for"), _l("Voting is not open in this round"),
        # models/voting/representation.py QUESTIONS (the census's questions and answers)
        _l("Your age"), _l("Your sex"), _l("Your ethnic group"), _l("Your first language"),
        _l("Are your day-to-day activities limited because of a health problem or disability which has lasted, "
           "or is expected to last, at least 12 months?"),
        _l("Prefer not to say"), _l("Under 16"), _l("16 to 24"), _l("25 to 34"), _l("35 to 49"), _l("50 to 64"),
        _l("65 and over"), _l("Female"), _l("Male"), _l("Yes, limited a lot"), _l("Yes, limited a little"), _l("No"),
        _l("English"), _l("Another language"),
        _l("Asian, Asian British or Asian Welsh: Bangladeshi"), _l("Asian, Asian British or Asian Welsh: Chinese"),
        _l("Asian, Asian British or Asian Welsh: Indian"), _l("Asian, Asian British or Asian Welsh: Pakistani"),
        _l("Asian, Asian British or Asian Welsh: Other Asian"),
        _l("Black, Black British, Black Welsh, Caribbean or African: African"),
        _l("Black, Black British, Black Welsh, Caribbean or African: Caribbean"),
        _l("Black, Black British, Black Welsh, Caribbean or African: Other Black"),
        _l("Mixed or Multiple ethnic groups: White and Asian"),
        _l("Mixed or Multiple ethnic groups: White and Black African"),
        _l("Mixed or Multiple ethnic groups: White and Black Caribbean"),
        _l("Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups"),
        _l("White: English, Welsh, Scottish, Northern Irish or British"), _l("White: Irish"),
        _l("White: Gypsy or Irish Traveller"), _l("White: Roma"), _l("White: Other White"),
        _l("Other ethnic group: Arab"), _l("Other ethnic group: Any other ethnic group"),
        # The impact report's rows (templates/components/_impact_body.html, _impact_table.html):
        # models/reporting/impact.py TIER_LABELS and diversity() bands, models/contracts/agreements.py KINDS
        _l("Under the social value threshold"), _l("Themes only"), _l("Commitments with KPIs"),
        _l("Strategic (3 or more KPIs)"),
        _l("Community groups (VCSE)"), _l("Suppliers: micro and small"), _l("Suppliers: medium"), _l("Suppliers: large"),
        _l("Community groups (VCSE) based in the borough"), _l("Community groups (VCSE) based elsewhere"),
        _l("Suppliers: micro and small based in the borough"), _l("Suppliers: micro and small based elsewhere"),
        _l("Suppliers: medium based in the borough"), _l("Suppliers: medium based elsewhere"),
        _l("Suppliers: large based in the borough"), _l("Suppliers: large based elsewhere"),
        _l("Contract"), _l("Planning obligation"), _l("Grant"), _l("Community asset transfer"),
        _l("Council employment"), _l("Investment"),
        # models/stories/case_studies.py KINDS
        _l("Success"), _l("Underperformance"),
        # models/fund/ledger.py SOURCES
        _l("Payment in lieu of an unmet commitment"), _l("Section 106 money received for a social purpose"),
        _l("Added to a ward vote's budget"), _l("Funded a community need"),
        # models/planning/parsing.py PURPOSES, and a developer transaction's status (models/planning/models.py)
        _l("Affordable housing"), _l("Bonds"), _l("CIL administration costs"), _l("Community facilities"),
        _l("Community infrastructure levy"), _l("Digital infrastructure"), _l("Economic development"), _l("Education"),
        _l("Flood"), _l("Flood and water management"), _l("Green infrastructure"), _l("Health"), _l("Highways"),
        _l("Land"), _l("Mayoral Community Infrastructure Levy"), _l("Monitoring fees"),
        _l("Neighbourhood Community Infrastructure Levy"), _l("Open space"), _l("Open space and leisure"), _l("Other"),
        _l("Transport"), _l("Transport and travel"), _l("Employment and skills"),
        _l("Secured"), _l("Received"), _l("Allocated"), _l("Transferred"), _l("Spent"),
        # models/places/indicators.py IMD_CHOICE
        _l("Index of Multiple Deprivation (mean rank of the ward's areas)"), _l("MHCLG, English Indices of Deprivation"),
    )
