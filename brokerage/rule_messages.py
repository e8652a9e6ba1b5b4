"""The English that models/ gives people, listed and translated in this one place: labels
(statuses, kinds, choices), rules' DomainError messages, and the password rule's advice.

models/ never imports Flask or Flask-Babel, so it labels and raises in English, and the English
is the msgid: each is marked here with N_ (Babel's "mark, do not translate yet" keyword,
extracted by default) and translated where it is shown: templates with the `label` filter
(`translate_label`), forms with `lazy_label`, views with `translate_label` and, for a rule's
message, `translate_rule_message` (`show_domain_error` in brokerage/views.py). A message with a
value in it (a status, a number, a date, an amount) is listed with a named placeholder and
matched whole; each value is shown in the page's language (`_value`). The password rule's
advice is a run of sentences (ours and zxcvbn's), each translated. A message not listed here
is shown as the rule wrote it (tests/core/test_rule_messages.py finds every one models/ raises)."""

from __future__ import annotations

import re
from functools import lru_cache

from flask_babel import LazyString, gettext


def N_(message: str) -> str:
    """Marked for extraction; translated later, when shown."""
    return message


# Labels models/ defines (statuses, kinds, choices, a report's rows): the `label` filter and
# translate_label show them.
LABELS = (
    # models/people/organisations.py OrganisationKind, OrganisationStatus, VCSE_FORMS, SUPPLIER_FORMS, SIZE_BANDS
    N_("Community group"), N_("Supplier"),
    N_("Waiting for verification"), N_("Verified"), N_("Not verified"),
    N_("Registered charity"), N_("Charitable incorporated organisation (CIO)"), N_("Community interest company (CIC)"),
    N_("Community group or unincorporated association"), N_("Limited company"), N_("Public limited company"),
    N_("Limited liability partnership"),
    N_("Micro (fewer than 10 staff)"), N_("Small (10 to 49 staff)"), N_("Medium (50 to 249 staff)"),
    N_("Large (250 staff or more)"),
    # models/people/accounts.py Role
    N_("Resident"), N_("Council officer"), N_("Administrator"),
    # models/pledges/models.py PledgeStatus
    N_("Offered"), N_("Accepted"), N_("Declined"), N_("Delivered"), N_("Confirmed"), N_("Disputed"), N_("Withdrawn"),
    # models/stories/stories.py STATUS_LABELS (the others are the needs' labels, below)
    N_("Published"),
    # models/digests/periods.py LABELS
    N_("Every week"), N_("Every month"), N_("Every three months"), N_("Never"),
    # models/places/themes.py NeedKind
    N_("Cash"), N_("Goods"), N_("Volunteer time"), N_("Professional skills"), N_("Space"),
    # models/needs/models.py STATUS_LABELS
    N_("Draft"), N_("Waiting for review"), N_("Changes requested"), N_("Rejected"), N_("Open"),
    N_("Fully pledged"), N_("Closed"), N_("Expired"),
    # models/needs/search.py SORTS and STATUS_FILTERS
    N_("Newest first"), N_("Deadline soonest"), N_("Most still needed"), N_("Open for pledges"),
    N_("Closed or expired"),
    # models/ideas/ideas.py IDEA_STATE_LABELS
    N_("Waiting for assessment"), N_("Feasible"), N_("Not feasible"), N_("Merged into another idea"),
    # models/contracts/models.py CommitmentStatus
    N_("On track"), N_("At risk"), N_("Met"), N_("Unmet"),
    # models/voting/models.py STATE_LABELS, RULE_LABELS, METHOD_LABELS, Round.area_name
    N_("Results published"), N_("Most votes first (greedy)"), N_("Method of Equal Shares (with add-one completion)"),
    N_("Method of Equal Shares (without completion)"), N_("Approval: choose up to a number of options"),
    N_("Knapsack: choose options that fit within the budget"), N_("the whole borough"), N_("an imported election"),
    # models/voting/identity.py CONFLICT_RULES and CHANNEL_LABELS
    N_("The first ballot counts"), N_("A ballot cast in person wins"), N_("online, with an account"),
    N_("online, with a letter code"), N_("in person, at a polling station"), N_("on paper"),
    # models/voting/representation.py: the tables' titles and their simpler categories
    N_("Your age"), N_("Your sex"), N_("Ethnic group"), N_("Disability"), N_("First language"),
    N_("16 to 24"), N_("25 to 34"), N_("35 to 49"), N_("50 to 64"), N_("65 and over"), N_("Female"), N_("Male"),
    N_("Prefer not to say"), N_("Yes, limited a lot"), N_("Yes, limited a little"), N_("English"),
    N_("Another language"),
    # ETHNIC_CHOICES: the ONS Census 2021 ethnic groups (TS021), heading and group
    N_("Asian, Asian British or Asian Welsh: Bangladeshi"),
    N_("Asian, Asian British or Asian Welsh: Chinese"),
    N_("Asian, Asian British or Asian Welsh: Indian"),
    N_("Asian, Asian British or Asian Welsh: Pakistani"),
    N_("Asian, Asian British or Asian Welsh: Other Asian"),
    N_("Black, Black British, Black Welsh, Caribbean or African: African"),
    N_("Black, Black British, Black Welsh, Caribbean or African: Caribbean"),
    N_("Black, Black British, Black Welsh, Caribbean or African: Other Black"),
    N_("Mixed or Multiple ethnic groups: White and Asian"),
    N_("Mixed or Multiple ethnic groups: White and Black African"),
    N_("Mixed or Multiple ethnic groups: White and Black Caribbean"),
    N_("Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups"),
    N_("White: English, Welsh, Scottish, Northern Irish or British"),
    N_("White: Irish"),
    N_("White: Gypsy or Irish Traveller"),
    N_("White: Roma"),
    N_("White: Other White"),
    N_("Other ethnic group: Arab"),
    N_("Other ethnic group: Any other ethnic group"),
    # models/stories/case_studies.py KINDS
    N_("Success"), N_("Underperformance"),
    # brokerage/health.py: the checks' labels on the jobs page
    N_("Database"), N_("Database migrations"), N_("Periodic jobs"), N_("Redis (job queues)"), N_("Workers"),
    # models/reporting/impact.py diversity(): the kinds of organisation taking part
    N_("Community groups (VCSE)"),
    N_("Community groups (VCSE) based in the borough"),
    N_("Community groups (VCSE) based elsewhere"),
    N_("Suppliers: micro and small"),
    N_("Suppliers: micro and small based in the borough"),
    N_("Suppliers: micro and small based elsewhere"),
    N_("Suppliers: medium"),
    N_("Suppliers: medium based in the borough"),
    N_("Suppliers: medium based elsewhere"),
    N_("Suppliers: large"),
    N_("Suppliers: large based in the borough"),
    N_("Suppliers: large based elsewhere"),
    # models/tenders/models.py Tender.state_label, OFFER_LABELS; models/contracts/tiers.py Tier.label
    N_("Open for offers"), N_("Closed: offers to assess"), N_("Awarded"), N_("Submitted"), N_("Not successful"),
    N_("Under threshold: no formal social value requirement"), N_("Basic: a contribution in 1 to 2 priority themes"),
    N_("Clear commitments with agreed KPIs"), N_("Strategic: at least 3 KPIs across several themes"),
    # models/contracts/ocds_import.py FIELD_LABELS: what an import changed in a contract
    N_("title"), N_("buyer"), N_("supplier"), N_("value"), N_("start date"), N_("end date"), N_("ocid"),
    # models/returns/models.py ReturnState.label, ratings.py Rating.label, periods.py LABELS
    N_("Waiting for the council"), N_("Question from the council"),
    N_("Corrected by a later version"), N_("Good"), N_("Approaching target"), N_("Requires improvement"),
    N_("Inadequate"), N_("Other"), N_("Quarterly"), N_("Half-yearly"), N_("Yearly"),
    # models/tenders/pack.py tier_requirement: a tender has no commitments yet, so these are whole sentences
    N_("No formal social value requirement at this value; offers are still welcome."),
    N_("Contracts over the strategic threshold need at least 3 KPIs; this one has 0. "
       "Contracts over the strategic threshold need commitments across several priority themes."),
    # models/tenders/bid_pack.py SECTIONS, and a borough-wide need's ward (models/tenders/pack.py)
    N_("What residents voted for"), N_("Open community needs"), N_("The council's measures"),
    N_("Borough-wide"),
    # models/reporting/opendata.py OGL_NAME
    N_("Open Government Licence v3.0"),
    # models/places/themes.py DeliveredThrough.label
    N_("Through community needs (pledges)"), N_("Through supplier returns"),
    N_("Both: pledges and supplier returns"),
    # models/voting/representation.py QUESTIONS (the census's questions and answers, with those above)
    N_("Your ethnic group"), N_("Your first language"),
    N_("Are your day-to-day activities limited because of a health problem or disability which has lasted, "
       "or is expected to last, at least 12 months?"),
    N_("Under 16"),
    N_("No"),
    # models/reporting/impact.py TIER_LABELS, models/contracts/agreements.py KINDS
    N_("Under the social value threshold"), N_("Themes only"), N_("Commitments with KPIs"),
    N_("Strategic (3 or more KPIs)"),
    N_("Contract"), N_("Planning obligation"), N_("Grant"), N_("Community asset transfer"),
    N_("Council employment"), N_("Investment"),
    # models/fund/ledger.py SOURCES
    N_("Payment in lieu of an unmet commitment"), N_("Section 106 money received for a social purpose"),
    N_("Added to a ward vote's budget"), N_("Funded a community need"),
    # models/planning/parsing.py PURPOSES, and a developer transaction's status (models/planning/models.py)
    N_("Affordable housing"), N_("Bonds"), N_("CIL administration costs"), N_("Community facilities"),
    N_("Community infrastructure levy"), N_("Digital infrastructure"), N_("Economic development"), N_("Education"),
    N_("Flood"), N_("Flood and water management"), N_("Green infrastructure"), N_("Health"), N_("Highways"),
    N_("Land"), N_("Mayoral Community Infrastructure Levy"), N_("Monitoring fees"),
    N_("Neighbourhood Community Infrastructure Levy"), N_("Open space"), N_("Open space and leisure"),
    N_("Transport"), N_("Transport and travel"), N_("Employment and skills"),
    N_("Secured"), N_("Received"), N_("Allocated"), N_("Transferred"), N_("Spent"),
    # models/places/indicators.py IMD_CHOICE
    N_("Index of Multiple Deprivation (mean rank of the ward's areas)"), N_("MHCLG, English Indices of Deprivation"),
)

# What the rules raise, word for word.
MESSAGES = (
    # The voting rules' fixed messages a voter meets (models/voting/ballots.py, letters.py, identity.py)
    N_("This round is not open yet."), N_("Voting has not started yet."), N_("Voting has closed."),
    N_("Sign in to vote."), N_("Confirm your email address to vote."),
    N_("Add your home postcode to your account to vote."),
    N_("Choose each option at most once"), N_("Choose options from this round's ballot"),
    N_("Choose at least one option"), N_("You have not voted in this round"),
    N_("Enter the 12-character code from your letter"), N_("Enter your postcode, like NW10 8AB"),
    N_("Check the code and postcode: they do not match a letter for a vote that is open"),
    N_("This code is for another vote"), N_("This code is for another ward"),
    N_("Voting is not open in the vote this code is for"), N_("Voting has closed"),
    N_("Enter the full name"), N_("Enter the date of birth"), N_("The date of birth must be in the past"),
    N_("Enter a postcode in the borough"), N_("Your vote could not be recorded: try again"),
    N_("You have not been given this round to record ballots for"), N_("Voting is not open in this round"),
    # models/people/accounts.py
    N_("An account with this email address already exists"),
    N_("That is already your email address"),
    N_("You are the only administrator. Make someone else an administrator first."),
    # models/people/organisations.py
    N_("Select the type of organisation"),
    N_("Enter the charity number"),
    N_("Enter the company number"),
    N_("Enter a charity number in the right format, like 1234567, SC012345 or NIC100002"),
    N_("Enter a company number in the right format, like 01234567 or SC123456"),
    N_("Confirm your email address before you register an organisation"),
    N_("Select the size of the business"),
    N_("An organisation with this registration number is already registered. Ask one of its members to invite you."),
    N_("Only the organisation's owners can resubmit it"),
    N_("Only an organisation that was not verified can be resubmitted"),
    N_("Only the organisation's owners can change its details"),
    N_("Enter the organisation's name"),
    N_("Only the organisation's owners can invite members"),
    N_("This person is already a member"),
    N_("This invitation has already been used"),
    N_("This invitation was sent to a different email address. Sign in with the account for that address."),
    N_("Confirm your email address before you join an organisation"),
    N_("That person is not a member of this organisation"),
    N_("Only the organisation's owners can remove members"),
    N_("An organisation needs at least one owner. Make someone else an owner first."),
    # models/needs/rules.py (a group's needs page: send for review, withdraw, close, reopen)
    N_("Only community groups post needs"),
    N_("Only members of the group can do this"),
    N_(
        "Your group must be verified by the council before it can send needs for review. "
        "You can keep this need as a draft until then."
    ),
    N_("The deadline must be in the future"),
    N_("Only a need that is not yet published can be withdrawn; close it instead"),
    N_("Only a published need can be closed"),
    N_("Only a closed need can be reopened"),
    N_("The deadline has passed, so this need cannot be reopened. Post a new need instead."),
    # models/pledges/rules.py (a group answering pledges)
    N_("Only members of the group that posted the need can do this"),
    N_("Say why, so the supplier understands"),
    N_("Only a delivered pledge can be confirmed as received"),
    N_("You have already confirmed receiving this"),
    # models/stories/stories.py
    N_("Enter a title"),
    N_("Enter a summary"),
    N_("Choose the confirmed delivery your story is about"),
    N_("Choose a delivery the council has confirmed"),
    N_("Choose one of your group's confirmed deliveries"),
    N_("Only members of the community group can tell its stories"),
    N_("Your group must be verified by the council before it can tell stories"),
    N_("You cannot change this story"),
    N_("Only members of the group can send its story for review"),
    # models/digests/preferences.py
    N_("Choose how often you want an email"),
    N_("Choose wards from the list"),
    N_("Choose themes from the list"),
    N_("That is not a list we send"),
    # A contract's shortfalls against its tier (models/contracts/tiers.py)
    N_("Contracts in this tier need a social value contribution in 1 to 2 priority themes."),
    N_("Contracts in this tier need clear commitments with agreed KPIs."),
    N_("Contracts over the strategic threshold need commitments across several priority themes."),
    # Agreements, commitments, the Fund, planning links, themes and roles (models/contracts,
    # models/fund, models/planning, models/places, models/people)
    N_("Enter the contract reference"), N_("Enter the contract title"), N_("The contract value cannot be negative"),
    N_("The contract value is too large"), N_("The end date must be on or after the start date"),
    N_("Select one of the council's wards: the site must be in the borough"), N_("Select the responsible officer"),
    N_("A contract with this reference already exists"),
    N_("The organisation cannot change once the agreement has commitments: they, and what was delivered against them, "
       "are its organisation's"),
    N_("Select a measure"), N_("The target must be a whole number of at least 1"),
    N_("Only a proposed commitment can be approved or rejected"),
    N_("A remedial plan is for a commitment that is unmet at its due date"), N_("Say what the supplier will do"),
    N_("Say who owns the plan"), N_("The new date must be in the future"), N_("This commitment has already been settled"),
    N_("Only an unmet commitment can be settled"), N_("Enter the amount paid into the Social Value Fund"),
    N_("Describe the substitute delivery the credit is for"), N_("Choose how the commitment is settled"),
    N_("Select the kind of agreement"), N_("Enter the planning application reference"), N_("Enter the site"),
    N_("Select the ward of the site"), N_("Enter the trigger, for example \u201con commencement\u201d"),
    N_("Enter the grant programme"), N_("Enter the asset"), N_("Enter the lease terms"),
    N_("Money can only be added to a ward vote that has not closed"), N_("Enter an amount more than \u00a30"),
    N_("The amount is too large"), N_("Someone pledged to this need meanwhile: look again at what it still lacks"),
    N_("Choose a commitment"), N_("Only a commitment of a planning obligation can be linked to a planning contribution"),
    N_("This commitment is already linked to a contribution"), N_("Enter the number of an existing need"),
    N_("Link a need that has been submitted to the council, not a draft, rejected or withdrawn one"),
    N_("This need is already linked to a contribution"), N_("A theme with this name already exists"),
    N_("This theme already has a measure with this name"), N_("The proxy value cannot be negative"),
    N_("Choose how its delivery is evidenced"), N_("You cannot remove your own administrator role"),
    N_("You are the only administrator. Make someone else an administrator first."),
    # models/returns/ rules, kpis, escalation, schedule and splits
    N_("The return for this period has been accepted. To change it, start a correction."),
    N_("Only an accepted or rejected return can be corrected"),
    N_("A later version of this return exists: correct that one"),
    N_("That commitment is not part of this contract"),
    N_("Select wards from the list"),
    N_("This return cannot be changed"),
    N_("Add what was delivered towards at least one commitment before submitting"),
    N_("Answer the council's question"),
    N_("There is no such return"),
    N_("This return has already been decided: nothing was changed"),
    N_("Enter the question for the supplier"),
    N_("Enter the reason for rejecting the return"),
    N_("Only an approved commitment can be a KPI"),
    N_("There is no such KPI year to rate"),
    N_("Choose a rating"),
    N_("Escalation comes after a remedial plan: agree one first"),
    N_("Only a commitment still unmet (and not settled) can be escalated"),
    N_("This commitment has already been escalated"),
    N_("Enter the governance board it goes to"),
    N_("The board's date must be today or later"),
    N_("Only an escalated commitment can be resolved this way"),
    N_("This escalation has already been resolved"),
    N_("Enter the amount paid into the Social Value Fund"),
    N_("Choose the return or delivery that earned the credit"),
    N_("Choose how the escalation is resolved"),
    N_("The quantity cannot be negative"),
    N_("Describe what was delivered in the period"),
    N_("Enter the number of people who benefited, from 0 to 10,000,000"),
    N_("Those living in the borough cannot be more than the people who benefited"),
    N_("Split the spend by the size of supplier: micro, small, medium and large (0 where none)"),
    N_("Spend cannot be negative"),
    N_("Choose yearly, half-yearly or quarterly"),
    N_("Say why this contract reports on this schedule"),
    N_("Keep the reason to 2,000 characters or fewer"),
    N_("That is already this contract's schedule: nothing was changed"),
    N_("There is no such return line"),
    N_("Only a line of an accepted return can be split: it counts only once accepted"),
    N_("Enter 0 or more for each commitment"),
    N_("Split only between this organisation's approved commitments counted in the same unit"),
)

# Messages with a value in them: %(status)s is a label in lower case, %(rating)s a KPI rating, %(num)s a number.
PATTERNS = (
    N_("A need that is %(status)s cannot be changed"),
    N_("A need that is %(status)s cannot be sent for review"),
    N_("Your group already has %(num)s live needs, the most allowed at once. Close or withdraw one before sending another."),
    N_("Your group already has %(num)s live needs, the most allowed at once. Close or withdraw one first."),
    N_("This pledge is %(status)s, so it cannot be accepted"),
    N_("This pledge is %(status)s, so it cannot be declined"),
    N_("The need is %(status)s, so it cannot take this pledge"),
    N_("This story is %(status)s, so it cannot be sent for review"),
    N_("The story must be %(num)s characters or fewer"),
    N_("Password must be %(num)s characters or more"),
    N_("Password must be %(num)s characters or fewer"),
    N_("Contracts over the strategic threshold need at least 3 KPIs; this one has %(num)s."),
    # models/pledges/rules.py need_pledge_problem
    N_("This need is %(status)s, so it is not taking pledges"),
    N_("This need is past its deadline"),
    # models/tenders/rules.py NOT_VERIFIED
    N_("Your organisation must be verified by the council before an offer is accepted: you can keep working on the draft meanwhile"),
    # models/returns/kpis.py kpi_flag and models/returns/rules.py (%(status)s a return's state)
    N_("Contracts over £5 million need at least %(num)s KPIs; this one has %(count)s."),
    N_("This return is %(status)s: it cannot be changed"),
    N_("This return is %(status)s: it cannot be submitted"),
    N_("This return is already %(status)s: nothing was changed"),
    N_("%(measure)s is delivered through community needs: pledge against a need instead"),
    N_("Say why the rating is not the proposed one (%(rating)s)"),
    N_("Only %(num)s of %(count)s has been delivered"),
    N_("The split can add up to at most the %(count)s delivered, not %(num)s"),
    N_("The spend by size of supplier adds up to %(num)s, not the %(count)s delivered"),
    N_("Spend with VCSEs must be between 0 and the %(count)s delivered"),
    N_("Spend with suppliers based in the borough must be between 0 and the %(count)s delivered"),
    # models/returns/csv_upload.py: a line's problem, after "Line 3: " (translate_line_problem)
    N_("%(column)s must be a whole number, not “%(text)s”"),
    N_("there is no ward “%(ward)s” (use its name or code, separated by ;)"),
    N_("it has more cells than the header has columns"),
    N_("contract “%(reference)s” is not one of %(supplier)s's contracts"),
    N_("period_start must be a date like 2025-04-01"),
    N_("commitment %(num)s is not part of contract %(reference)s"),
    N_("this commitment is already reported for this period on an earlier line"),
    N_("quantity must be a whole number"),
    N_("the return for this period is %(status)s: answer the council on the web"),
)

# The password rule's advice (models/people/passwords.py): its own sentences and zxcvbn's.
SENTENCES = (
    N_("This password is too easy to guess."),
    N_("Try 3 or 4 unrelated words, or a longer phrase."),
    N_("Use a few words, avoid common phrases."),
    N_("No need for symbols, digits, or uppercase letters."),
    N_("Add another word or two. Uncommon words are better."),
    N_("Straight rows of keys are easy to guess."),
    N_("Short keyboard patterns are easy to guess."),
    N_("Use a longer keyboard pattern with more turns."),
    N_('Repeats like "aaa" are easy to guess.'),
    N_('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    N_("Avoid repeated words and characters."),
    N_('Sequences like "abc" or "6543" are easy to guess.'),
    N_("Avoid sequences."),
    N_("Recent years are easy to guess."),
    N_("Avoid recent years."),
    N_("Avoid years that are associated with you."),
    N_("Dates are often easy to guess."),
    N_("Avoid dates and years that are associated with you."),
    N_("This is a top-10 common password."),
    N_("This is a top-100 common password."),
    N_("This is a very common password."),
    N_("This is similar to a commonly used password."),
    N_("A word by itself is easy to guess."),
    N_("Names and surnames by themselves are easy to guess."),
    N_("Common names and surnames are easy to guess."),
    N_("Capitalization doesn't help very much."),
    N_("All-uppercase is almost as easy to guess as all-lowercase."),
    N_("Reversed words aren't much harder to guess."),
    N_("Predictable substitutions like '@' instead of 'a' don't help very much."),
)


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern, str], ...]:
    def regex(msgid: str) -> re.Pattern:
        parts = re.split(r"%\((\w+)\)s", msgid)
        # split alternates literal text and placeholder names
        return re.compile("".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)" for index, part in enumerate(parts)))

    return tuple((regex(msgid), msgid) for msgid in PATTERNS)


def _value(name: str, value: str) -> str:
    if name == "status":
        # A label lowered by the rule ("waiting for review"): translate the label, lower it again.
        return gettext(value[:1].upper() + value[1:]).lower()
    if name == "rating":
        # A KPI rating's label as it is ("Requires improvement").
        return gettext(value)
    return value


def translate_label(text: str | None) -> str:
    """A label models/ defines in English ("Borough-wide", a tier, a status), in the page's
    language when a catalogue translates it, else as it is. Unlike `_(text)` in a template,
    the result is plain text (escaped when shown, never read as a format string), so a
    label that may carry data (a round's area: a ward's or an imported election's name) is
    safe to pass."""
    return gettext(text) if text else ""


def lazy_label(text: str) -> LazyString:
    """translate_label when the text is shown, for a form's choices built at import."""
    return LazyString(translate_label, text)


def translate_rule_message(message: str) -> str:
    """The message in the page's language when it is one models/ raises, else as it is."""
    if not isinstance(message, str):
        return message
    if message in _KNOWN:
        return gettext(message)
    for pattern, msgid in _patterns():
        found = pattern.fullmatch(message)
        if found:
            return gettext(msgid, **{name: _value(name, value) for name, value in found.groupdict().items()})
    if any(sentence in message for sentence in _SENTENCES_LONGEST_FIRST):
        translated = message
        for sentence in _SENTENCES_LONGEST_FIRST:
            translated = translated.replace(sentence, gettext(sentence))
        return translated
    return message


def translate_line_problem(problem: str) -> str:
    """A returns CSV's problem ("Line 3: quantity must be a whole number", models/returns/
    csv_upload.py) in the page's language: the rule's message, first letter lowered, translated
    whole or as the sentence it starts."""
    number, colon, message = problem.partition(": ")
    if not colon or not number.startswith("Line "):
        return problem
    translated = translate_rule_message(message)
    if translated == message:
        capital = message[:1].upper() + message[1:]
        translated = translate_rule_message(capital)
        translated = message if translated == capital else translated[:1].lower() + translated[1:]
    return gettext("Line %(num)s: %(problem)s", num=number[len("Line "):], problem=translated)


_KNOWN = frozenset(LABELS + MESSAGES + SENTENCES)
_SENTENCES_LONGEST_FIRST = tuple(sorted(SENTENCES, key=len, reverse=True))
