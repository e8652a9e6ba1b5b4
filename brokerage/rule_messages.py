"""The English that models/ gives people (rules' DomainError messages, labels, the password
rule's advice), translated where it is shown.

models/ never imports Flask or Flask-Babel, so its rules raise and label in English, and the
English is the msgid: each is marked here with N_ (Babel's "mark, do not translate yet"
keyword, extracted by default) and translated when a view shows it (`show_domain_error` in
brokerage/views.py calls `translate_rule_message`; templates call `_(organisation.status_label)`).
A message with a value in it (a status, a number) is listed with a placeholder and matched
whole; the password rule's advice is a run of sentences (ours and zxcvbn's), each translated.
A message not listed here is shown as the rule wrote it."""

from __future__ import annotations

import re
from functools import lru_cache

from flask_babel import gettext


def N_(message: str) -> str:
    """Marked for extraction; translated later, when shown."""
    return message


# Labels models/ defines (templates translate them with _(label)).
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
    # models/stories/stories.py STATUS_LABELS (the others are the needs' labels, in brokerage/i18n.py)
    N_("Published"),
    # models/digests/periods.py LABELS
    N_("Every week"), N_("Every month"), N_("Every three months"), N_("Never"),
)

# What the rules behind the account, organisation and group pages raise, word for word.
MESSAGES = (
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
