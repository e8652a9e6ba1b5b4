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
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from flask_babel import LazyString, gettext, ngettext

from brokerage.stored_words import wording_pattern


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
    # models/contracts/agreements.py AgreementKind.counterparty ("Select the developer")
    N_("Developer"),
    N_("Recipient organisation"),
    N_("Organisation"),
    N_("Employer"),

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
    # models/contracts/ocds_import.py, rules.py and import_batches.py
    N_("The file is empty."),
    N_("This file is JSON but not Open Contracting data: expected a release package ({\"releases\": [...]}), a "
       "record package ({\"records\": [...]}) or a list of releases."),
    N_("Only council officers can import contracts"),
    N_("What this file would change is no longer what the preview showed (another import, or a change to the "
       "council's settings, came in between). Nothing was changed: upload the file again to see a new "
       "preview."),
    N_("The file is not valid JSON: it is not UTF-8 text."),
    N_("The file is not valid JSON: it is nested too deeply."),
    N_("This preview has already been imported."),
    N_("Only council officers or the contract's supplier can add commitments"),
    N_("This import has already been undone."),
    N_("This import changed nothing, so there is nothing to undo."),
    # models/core/translations.py (a text in a second language)
    N_("Choose one of the council's languages"),
    N_("Choose a language other than the one the text above is in"),
    N_("Enter the title in the second language"),
    N_("Enter the summary in the second language"),
    # models/ideas/ideas.py
    N_("Enter the date the ideas phase opens"),
    N_("Enter the date the ideas phase closes"),
    N_("The ideas phase must close after it opens"),
    N_("The ideas phase must end before voting opens"),
    N_("An ideas phase needs a ward: choose the ward whose residents propose ideas"),
    N_("Enter a title for your idea"),
    N_("Describe your idea"),
    N_("Enter a rough cost between £1 and £10,000,000,000"),
    N_("Choose a theme from the list"),
    N_("Choose a point on the map, or leave it empty"),
    N_("Only the person who proposed an idea can change it."),
    N_("An officer has assessed this idea, so it can no longer be changed"),
    N_("This idea has been hidden, so it cannot take supports"),
    N_("This idea was merged into another: supports go there"),
    N_("You cannot support your own idea"),
    N_("This idea is not open for comments"),
    N_("Enter your comment"),
    N_("Tell us what is wrong with it"),
    N_("That comment is not on this idea"),
    N_("This report has already been decided"),
    N_("This idea has already been assessed"),
    N_("Explain the estimate"),
    N_("Give the reason it is not feasible: residents will see it"),
    N_("Enter a cost estimate greater than £0 and no more than the round's budget"),
    N_("An idea cannot be merged into itself"),
    N_("Only ideas in the same round can be merged"),
    N_("This idea has already been merged"),
    N_("Choose an idea that is still in play to keep"),
    N_("This idea is on the ballot, so it cannot be merged"),
    N_("Only an idea assessed as feasible can go on the ballot"),
    N_("This idea has been hidden, so it cannot go on the ballot"),
    N_("This idea is already on the ballot"),
    N_("You can only reply to a comment shown on this idea"),
    N_("Residents have proposed ideas, so the ideas phase cannot be removed"),
    # models/matching/matches.py
    N_("Only members of the supplier can dismiss its suggestions"),
    N_("You have already dismissed this suggestion"),
    N_("You have already introduced them about this need"),
    # models/needs/rules.py (an officer reviewing a need; a group's need form)
    N_("Select what kind of help you need"),
    N_("Select a ward from the list"),
    N_("Select a priority theme"),
    N_("Only a need sent for review can be published"),
    N_("The group is not verified, so its needs cannot be published"),
    N_("The deadline has passed: request changes so the group can set a new one"),
    N_("Say what the group should change"),
    N_("Only a need sent for review can be sent back for changes"),
    N_("Enter the reason, so the group understands"),
    N_("Only a need sent for review can be rejected"),
    # models/people/organisations.py (an officer verifying an organisation or its change of details)
    N_("Enter the reason, so the applicant knows what to change"),
    N_("There is no change of details waiting for this organisation"),
    N_("Another organisation now has this registration number. Do not accept the change, and tell the owners why."),
    # models/places/ (the wards', postcodes' and deprivation data's imports)
    N_("The IMD file needs an LSOA code column and an “Index of Multiple Deprivation (IMD) Rank” column"),
    N_("Import the wards, with their boundaries, before the deprivation data"),
    N_("The IMD file is empty"),
    N_("The file must be a GeoJSON FeatureCollection of wards"),
    N_("The GeoJSON has no list of features"),
    N_("The CSV needs a postcode column (pcds) and a ward code column (ward_code or osward)"),
    N_("Import the wards before the postcodes"),
    N_("The file is empty"),
    N_("The file is not UTF-8 text. Save it as CSV (UTF-8) and try again."),
    N_("The file is not UTF-8 text. Save it as GeoJSON (UTF-8) and try again."),
    # models/planning/parsing.py: a developer contributions file's problems (a line's, first letter lowered)
    N_("This is not a developer contributions file: its first column must be developer-agreement, "
       "developer-agreement-contribution or developer-agreement-transaction"),
    N_("the transaction has neither an amount nor units"),
    N_("the contribution has neither an amount nor units"),
    # models/pledges/rules.py
    N_("Only members of the supplier can do this"),
    N_("Pledge at least 1"),
    N_("Only a pledge that has not been delivered can be withdrawn"),
    N_("Record delivery once the group has accepted the pledge"),
    N_("The delivery date cannot be in the future"),
    N_("Say what was delivered"),
    N_("This delivery has already been confirmed"),
    N_("Only a delivered pledge can be confirmed"),
    N_("Wait for the group to confirm it received the delivery"),
    N_("You cannot confirm a delivery made by your own organisation"),
    N_("You cannot judge a delivery made by your own organisation"),
    N_("Say what is in dispute"),
    N_("Only a delivered pledge can be disputed"),
    N_("Only a confirmed delivery can be allocated to commitments"),
    N_("Money from the Social Value Fund counts towards no commitment"),
    N_("Choose one of your organisation's approved commitments"),
    N_("Allocations cannot be negative"),
    N_("Allocate only to this supplier's approved commitments"),
    # models/returns/rules.py and splits.py
    N_("Only members of the contract's supplier can file its returns"),
    N_("Your organisation must be verified by the council before it files returns"),
    N_("You cannot split a return made by your own organisation"),
    # models/stories/stories.py and case_studies.py
    N_("Choose whether this is a success or underperformance"),
    N_("Enter what happened"),
    N_("Enter the reasons for the variance"),
    N_("Enter the lessons learned"),
    N_("Choose an approved commitment"),
    N_("This story is already published"),
    N_("Only a story waiting for review can be sent back"),
    N_("Only a published story can be withdrawn"),
    N_("Only council officers can tell a story for the borough"),
    # models/tenders/rules.py
    N_("Enter the tender reference"),
    N_("Enter the tender title"),
    N_("Enter an estimated value between £0 and £100bn"),
    N_("The closing date must be today or later"),
    N_("A tender with this reference already exists"),
    N_("Only an open tender's themes and wards can change"),
    N_("Only an open tender's bid pack can be changed"),
    N_("Choose an item of the bid pack"),
    N_("Say why the tender is withdrawn"),
    N_("This tender has been withdrawn, so it takes no offers"),
    N_("This tender has closed, so it takes no more offers"),
    N_("This offer has been submitted, so it cannot change"),
    N_("Choose a need from this tender's bid pack"),
    N_("The due date must be after the tender closes"),
    N_("That is not part of this offer"),
    N_("Add a commitment or reserve a need before you submit the offer"),
    N_("Offers are assessed once the tender has closed"),
    N_("This offer was never submitted"),
    N_("Enter a score from 0 to 100"),
    N_("Award the tender once it has closed"),
    N_("Choose one of the offers submitted for this tender: that supplier made no offer"),
    N_("The supplier is no longer verified, so it cannot be awarded the contract"),
    N_("Choose from the list"),
    N_("Choose an open need by its number"),
    N_("Choose an item of this tender's bid pack"),
    N_("Choose a measure in use"),
    # models/voting/ (paper ballots, polling stations, letters, representation, a round's set-up)
    N_("Enter at least one ballot, one per line"),
    N_("after the options write | name | date of birth | postcode"),
    N_("Paper ballots can be entered while the round is open or closed, before results are published"),
    N_("Voting has not started yet, so there are no paper ballots to enter"),
    N_("Enter the batch reference written on the bundle"),
    N_("Results are published, so paper ballots can no longer change"),
    N_("That batch is not in this round"),
    N_("Choose which ballot counts when someone votes twice"),
    N_("Enter an age from 0 to 130, or leave it empty"),
    N_("Results are published, so the round can no longer change"),
    N_("There is no account with that email address"),
    N_("Voting has closed in this round"),
    N_("That person cannot record ballots in this round"),
    N_("Results are published, so ballots can no longer change"),
    N_("That conflict is not in this round"),
    N_("That conflict has already been resolved"),
    N_("Letters go to the postcodes of one ward: this round is borough-wide"),
    N_("Ask for at least one letter"),
    N_("Voting has closed: letters can be printed for a draft or open round"),
    N_("The file needs a ward code column, an age or a sex column and an Observation column (as the ONS downloads it)"),
    N_("No row of the file is for a ward of this council"),
    N_("The file has no projects"),
    N_("The budget in META must be more than 0"),
    N_("Enter a title for the round"),
    N_("Enter a budget between £1 and £10,000,000,000"),
    N_("The closing time must be after the opening time"),
    N_("Choose how residents vote"),
    N_("Choose the official rule"),
    N_("Enter how many options a resident can choose, from 1 to 500"),
    N_("Enter a minimum share between 0 and 100 percent"),
    N_("The ward cannot change once the round is open"),
    N_("Enter a title for the option"),
    N_("Enter a cost greater than £0 and no more than the round's budget"),
    N_("That option is not in this round"),
    N_("Only a draft round can be opened"),
    N_("Add at least two options before opening the round"),
    N_("The closing time has passed: change it before opening the round"),
    N_("Only an open round can be closed"),
    N_("Only a closed round's results can be published"),
    N_("The votes have not been counted yet: wait for the count to finish"),
    N_("Only a closed round can be counted again"),
    # models/voting/pabulib.py: a .pb file's problems (after "The file could not be read: ")
    N_("A vote has no voter_id."),
    N_("A META row needs a key and a value."),
    N_("A project has no project_id."),
    N_("The file must start with the META section."),
    N_("The file is not UTF-8 text."),
    # The rules' *_problem functions (a page shows why not, or the view raises it)
    N_("This need has no value in pounds, so the Fund cannot pay for it"),
    N_("This round has no ideas phase."),
    N_("The ideas phase has not started yet."),
    N_("The ideas phase has closed."),
    N_("Sign in to take part."),
    N_("Confirm your email address to take part."),
    N_("There is no reporting period of this contract starting on that day"),
    N_("This round has closed, so its options and rules can no longer change"),
    N_("Ballots have been cast in this round, so its options and rules can no longer change"),
    # models/contracts/ocds_import.py: why an award or release was not imported (the import's
    # preview, its report and its task page)
    N_("release has no awards"), N_("release has no ocid"), N_("ocid is too long (more than 120 characters)"),
    N_("release names no buyer"), N_("award has no id"), N_("award is not active (cancelled or unsuccessful)"),
    N_("award has no suppliers"),
    N_("award has several suppliers sharing one value (a framework or grant programme)"),
    N_("award has no value"), N_("value is not a number"), N_("award value is zero (not published)"),
    N_("value is not in pounds (GBP)"), N_("value is negative"), N_("value is too large to be a council contract"),
    N_("contract period ends before it starts"), N_("award has no title"),
    N_("superseded by a later release of the same award in this file"),
    N_("a contract with this reference was recorded by hand"),
    N_("ocid and award id are too long for a contract reference"), N_("release could not be read"),
)

# Messages with a value in them, each placeholder named for what it holds (_value): %(status)s a label in lower
# case, %(rating)s a KPI rating, %(num)s a number, %(date)s a date, %(money)s an amount, %(problem)s a message.
PATTERNS = (
    N_("A need that is %(status)s cannot be changed"),
    N_("A need that is %(status)s cannot be sent for review"),
    N_("Your group already has %(num)s live needs, the most allowed at once. Close or withdraw one before "
       "sending another."),
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
    N_("Your organisation must be verified by the council before an offer is accepted: you can keep working "
       "on the draft meanwhile"),
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
    # models/contracts/ (%(kind)s a kind's counterparty, lowered; %(date)s a date as the rule writes it)
    N_("The file is too large: Open Contracting files must be %(num)s MB or smaller."),
    N_("The file is not valid JSON: %(error)s at line %(line)s, column %(column)s."),
    N_("Select the %(kind)s"),
    N_("A commitment is due on %(date)s, before this start date"),
    N_("A commitment is due on %(date)s, after this end date"),
    N_("Enter at most %(num)s identifiers, one a line"),
    N_("Enter at most %(num)s names, one a line"),
    N_("Each of the identifiers must be %(num)s characters or fewer"),
    N_("Each of the names must be %(num)s characters or fewer"),
    N_("This import cannot be undone: %(problem)s"),
    N_("Contract %(reference)s is no longer here, so it cannot be restored."),
    N_("Contract %(reference)s has changed since this import (by a later import)."),
    # (%(things)s counted things, "2 commitments, 1 pledge": see COUNTED)
    N_("Contract %(reference)s now has %(things)s."),
    N_("Supplier %(name)s has since been verified by an officer."),
    N_("Supplier %(name)s has since been rejected by an officer."),
    N_("Supplier %(name)s has members or invitations now."),
    N_("Supplier %(name)s has pledges or stories now."),
    N_("Supplier %(name)s holds %(things)s from another import or recorded by hand."),
    # models/core/translations.py
    N_("The title must be %(num)s characters or fewer"),
    N_("The summary must be %(num)s characters or fewer"),
    N_("The description must be %(num)s characters or fewer"),
    # models/fund/ledger.py (%(money)s an amount as the rule writes it)
    N_("The Fund holds %(money)s: you cannot spend more than that"),
    N_("This need still lacks %(money)s: fund that or less"),
    N_("%(money)s does not pay for one whole %(unit)s (each is worth %(each_money)s): fund more, or all it lacks"),
    # models/ideas/ideas.py (%(area)s a round's area: a ward's name or a label)
    N_("Title must be %(num)s characters or fewer"),
    N_("Description must be %(num)s characters or fewer"),
    N_("Place must be %(num)s characters or fewer"),
    N_("Comment must be %(num)s characters or fewer"),
    N_("Reason must be %(num)s characters or fewer"),
    N_("Explanation must be %(num)s characters or fewer"),
    N_("Choose a point inside %(area)s"),
    # models/matching/matches.py
    N_("%(name)s dismissed this suggestion"),
    N_("“%(title)s” is no longer open for pledges"),
    # models/needs/rules.py
    N_("Quantity must be between 1 and %(num)s"),
    N_("Value must be between £0 and £%(num)s"),
    N_("Beneficiaries must be between 0 and %(num)s"),
    # models/people/organisations.py
    N_("This organisation is already %(status)s"),
    # models/places/ (%(error)s the file reader's own words)
    N_("The LSOA file is not valid GeoJSON: %(error)s (line %(line)s)"),
    N_("The file is not a readable CSV: %(error)s"),
    N_("The CSV could not be read at row %(num)s: %(error)s"),
    N_("The file is not valid GeoJSON: %(error)s (line %(line)s)"),
    # models/planning/ (%(purpose)s a contribution's purpose, lowered)
    N_("This contribution is for %(purpose)s, not a social purpose: only social contributions carry "
       "commitments and needs"),
    N_("%(reference)s belongs to the planning obligation %(agreement)s: choose one of its commitments"),
    N_("the date “%(text)s” is not dd/mm/yyyy or yyyy-mm-dd"),
    N_("the amount “%(text)s” is not a number"),
    N_("the amount %(text)s is negative"),
    N_("the amount %(text)s is too large"),
    N_("the units “%(text)s” are not a whole number"),
    N_("the %(column)s is missing"),
    N_("the funding status “%(text)s” is not one of %(choices)s"),
    # models/pledges/rules.py (%(kind)s a need's kind, lowered)
    N_("Only %(num)s %(unit)s still needed: pledge that or less"),
    N_("You can allocate at most the %(num)s %(unit)s delivered"),
    N_("Your “%(measure)s” is not met through community needs, and this need asks for %(unit)s of %(kind)s: "
       "choose a commitment that fits it, or no particular commitment"),
    N_("Your “%(measure)s” counts %(measure_unit)s of %(need_kind)s, and this need asks for %(unit)s of "
       "%(kind)s: choose a commitment that fits it, or no particular commitment"),
    # models/returns/schedule.py (%(start_date)s and %(end_date)s dates as the rule writes them, %(schedule)s a
    # schedule lowered)
    N_("The return for %(start_date)s to %(end_date)s (%(status)s) is not a period of a %(schedule)s "
       "schedule. A schedule can change only where the returns already filed fit it."),
    N_("Contract %(reference)s: the return for %(start_date)s to %(end_date)s (%(status)s) is not a period of the "
       "%(schedule)s schedule its tier would have. A tier's schedule can change only where the returns its contracts "
       "filed fit it."),
    # models/stories/case_studies.py
    N_("Keep what happened to %(num)s characters or fewer"),
    N_("Keep the reasons for the variance to %(num)s characters or fewer"),
    N_("Keep the lessons learned to %(num)s characters or fewer"),
    # models/tenders/rules.py (%(status)s a tender's state; %(problem)s a reserved need's problem)
    N_("This tender is %(status)s, so it cannot be withdrawn"),
    N_("This tender is %(status)s, so it cannot be awarded"),
    N_("“%(title)s”: %(problem)s"),
    # models/voting/ (%(money)s amounts as the rule writes them; %(area)s a round's area)
    N_("Batch “%(reference)s” has already been entered for this round"),
    N_("Your choices cost %(money)s, more than the budget of %(budget_money)s: remove something"),
    N_("Choose options worth at least %(money)s (%(num)s%% of the budget); yours come to %(total_money)s"),
    N_("Choose no more than %(num)s options"),
    N_("Enter at most %(num)s ballots in one batch"),
    N_("“%(text)s” is not an option number"),
    N_("there is no option %(text)s on this ballot"),
    N_("“%(text)s” is not a date of birth like 10/12/1980"),
    N_("The date of birth must be less than %(num)s years ago"),
    N_("Voters in this round must be %(num)s or over"),
    N_("The postcode must be in %(area)s"),
    N_("%(name)s can already record ballots in this round"),
    N_("Ask for at most %(num)s letters for one postcode"),
    N_("That is %(num)s letters: ask for at most %(count)s at a time"),
    N_("Line %(num)s: write a postcode and a number, like “NW10 8AB 12”"),
    N_("Line %(num)s: “%(text)s” is not a postcode in %(area)s"),
    N_("Line %(num)s: %(postcode)s is already on line above"),
    N_("Row %(num)s: “%(text)s” is not a number of people"),
    N_("A round can have at most %(num)s options"),
    N_("“%(title)s” is not open, so it cannot go on the ballot"),
    N_("“%(title)s” is not in %(area)s"),
    N_("“%(title)s” has no value left to fund"),
    # models/voting/round_pabulib.py and pabulib.py: a .pb file's problems (%(project)s a project's id)
    N_("The file could not be read: %(problem)s"),
    N_("line %(num)s: %(problem)s"),
    N_("Project %(project)s costs nothing; every option needs a cost"),
    N_("The budget (%(amount)s) has more than two decimal places: amounts are kept in pence (hundredths)"),
    N_("The cost of project %(project)s (%(amount)s) has more than two decimal places: amounts are kept in "
       "pence (hundredths)"),
    N_("The budget (%(amount)s) is too large to keep"),
    N_("The cost of project %(project)s (%(amount)s) is too large to keep"),
    N_("Unknown vote_type %(text)s: expected one of %(choices)s."),
    N_("%(text)s votes need a 'points' column."),
    N_("Voter %(text)s lists a project twice."),
    N_("The budget must be a number of at least 0, such as 12500 or 12500.50, not %(text)s."),
    N_("The cost of project %(project)s must be a number of at least 0, such as 12500 or 12500.50, not %(text)s."),
    N_("%(key)s must be a whole number, not %(text)s."),
    N_("%(key)s must be a whole number of at least 0, not %(text)s."),
    N_("The %(section)s section has no header row."),
    N_("The %(section)s header has no %(columns)s column."),
    N_("The %(section)s header names a column twice."),
    N_("Expected %(num)s fields, as in the header, but found %(count)s."),
    N_("The file is too large: Pabulib files must be %(num)s MB or smaller."),
    N_("The META key %(key)s is given twice."),
    N_("META has no %(key)s."),
    N_("The project_id %(text)s is used twice."),
    N_("META says %(key)s is %(text)s but the file has %(num)s."),
    N_("The %(section)s section starts again here."),
    N_("The file has no %(section)s section."),
    N_("The file is not a valid table: %(error)s."),
    N_("The voter_id %(text)s is used twice."),
    N_("Voter %(text)s votes for project %(project)s, which is not in PROJECTS."),
    N_("Voter %(text)s lists %(num)s projects but %(count)s points."),
    N_("The points of voter %(text)s must be a whole number, not %(value)s."),
    N_("Expected the %(section)s section before %(next)s."),
    # The rules' *_problem functions
    N_("The due date must be on or after %(date)s, when the contract starts"),
    N_("The due date must be on or before %(date)s, when the contract ends"),
    N_("Only residents of %(area)s and members of its community groups can take part."),
    N_("Only residents of %(area)s can vote in this round."),
    N_("%(reference)s: “%(measure)s” counts %(measure_unit)s of %(need_kind)s, and this delivery is "
       "%(quantity)s of %(kind)s, so it cannot count towards that commitment. Count it only towards "
       "commitments that fit it"),
    N_("%(reference)s: “%(measure)s” is not met through community needs, and this delivery is %(quantity)s "
       "of %(kind)s, so it cannot count towards that commitment. Count it only towards commitments that fit "
       "it"),
    N_("This period ends on %(date)s: file its return after that"),
    N_("%(quantity)s is more than ten times the whole commitment (%(target)s): check it is in %(unit)s"),
    N_("This need is %(status)s, so it cannot be reserved"),
    N_("Only %(num)s %(unit)s still needed: reserve that or less"),
    N_("This need is %(status)s, so it is not open to funding"),
    # models/contracts/ocds_import.py other_buyer and an unreadable release (%(error)s: Python's name for it)
    N_("buyer is %(name)s, not this council"),
    N_("release could not be read (%(error)s)"),
    # models/core/csv_files.py: a CSV upload's line whose quoting is broken (%(error)s: Python's csv module's words)
    N_("the file's quoting is broken (%(error)s)"),
)

# Python's own words inside a rule's message (%(error)s): what the json module says of a file
# that is not JSON (" at" taken off its end by the rules, which say where) and what the csv
# module says of one it cannot read.
PYTHON_ERRORS = (
    N_("Expecting value"), N_("Expecting property name enclosed in double quotes"), N_("Expecting ',' delimiter"),
    N_("Expecting ':' delimiter"), N_("Unterminated string starting"), N_("Invalid control character"),
    N_("Invalid \\escape"), N_("Invalid \\uXXXX escape"), N_("Extra data"),
    N_("unexpected end of data"), N_("line contains NUL"),
    N_("new-line character seen in unquoted field - do you need to open the file in universal-newline mode?"),
)
PYTHON_ERROR_PATTERNS = (
    N_("field larger than field limit (%(num)s)"),
    N_("'%(char)s' expected after '%(quote)s'"),
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
    # A pattern that starts with a value ("%(name)s dismissed …") is tried after those that do not.
    return tuple((wording_pattern(msgid), msgid) for msgid in sorted(PATTERNS, key=lambda msgid: msgid.startswith("%(")))


# What each placeholder holds, by its name: how it is shown in the page's language.
# A label the rule lowered ("waiting for review").
LOWERED_LABELS = {"status", "schedule", "kind", "need_kind", "purpose"}
NUMBERS = {"num", "count"}  # "1,250" as the rule wrote it
def _commitments(count: int) -> str:
    return ngettext("%(num)s commitment", "%(num)s commitments", count)


def _pledges(count: int) -> str:
    return ngettext("%(num)s pledge", "%(num)s pledges", count)


def _allocated_deliveries(count: int) -> str:
    return ngettext("%(num)s allocated delivery", "%(num)s allocated deliveries", count)


def _contracts(count: int) -> str:
    return ngettext("%(num)s contract", "%(num)s contracts", count)


# Things a rule counts in English ("1 commitment", "3 pledges"), in `things`: "2 commitments,
# 1 pledge". Each noun, singular or plural, to its count in the page's language (its plural form).
COUNTED = {
    "commitment": _commitments, "commitments": _commitments, "pledge": _pledges, "pledges": _pledges,
    "allocated delivery": _allocated_deliveries, "allocated deliveries": _allocated_deliveries,
    "contract": _contracts, "contracts": _contracts,
}


def _things(value: str) -> str:
    """"2 commitments, 1 pledge" in the page's language, or as it is when any part is not a
    count of a thing listed in COUNTED."""
    shown = []
    for part in value.split(", "):
        number, _space, noun = part.partition(" ")
        number = number.replace(",", "")
        if not number.isdigit() or noun not in COUNTED:
            return value
        shown.append(COUNTED[noun](int(number)))
    return ", ".join(shown)


@lru_cache(maxsize=1)
def _python_error_patterns() -> tuple[tuple[re.Pattern, str], ...]:
    return tuple((wording_pattern(msgid), msgid) for msgid in PYTHON_ERROR_PATTERNS)


def _python_error(value: str) -> str:
    """The json or csv module's words in the page's language, else as they are (an exception's
    class name, a message we do not know)."""
    if value in PYTHON_ERRORS:
        return gettext(value)
    filled = _filled(_python_error_patterns(), value)
    return value if filled is None else filled


def _filled(patterns: tuple[tuple[re.Pattern, str], ...], message: str) -> str | None:
    """The first pattern the message has the shape of, translated with the message's values
    shown in the page's language; None when it has none's shape."""
    for pattern, msgid in patterns:
        found = pattern.fullmatch(message)
        if found:
            return gettext(msgid, **{name: _value(name, value) for name, value in found.groupdict().items()})
    return None


def _value(name: str, value: str) -> str:
    from babel.numbers import format_decimal
    from flask_babel import get_locale

    from brokerage.templating import format_date, format_money, format_number

    if name in LOWERED_LABELS:
        return gettext(value[:1].upper() + value[1:]).lower()
    if name in ("rating", "area"):
        # A label as it is ("Requires improvement", "the whole borough"; a ward's name stays).
        return translate_label(value)
    if name == "things":
        return _things(value)
    if name == "error":
        return _python_error(value)
    if name == "problem":
        # Another rule's message inside this one.
        return translate_rule_message(value)
    try:
        if name == "date" or name.endswith("_date"):
            # "5 March 2026" (models/ writes dates in English): the month in the page's language.
            return format_date(datetime.strptime(value, "%d %B %Y").date())
        if name == "money" or name.endswith("_money"):
            # "£1,250" or "£1,250.00" as the rule wrote it: the digits grouped for the page's
            # language, its pence kept when it wrote them.
            amount = Decimal(value.removeprefix("£").replace(",", ""))
            if "." not in value:
                return format_money(int(amount * 100))
            return "£" + format_decimal(amount, format="#,##0.00", locale=get_locale() or "en")
        if name in NUMBERS:
            return format_number(int(value.replace(",", "")))
    except (ValueError, InvalidOperation):
        pass  # not what the name promises: shown as the rule wrote it
    return value


def translate_label(text: str | None) -> str:
    """A label models/ defines in English ("Borough-wide", a tier, a status), in the page's
    language when a catalogue translates it, else as it is. Unlike `_(text)` in a template,
    the result is plain text (escaped when shown, never read as a format string), so a
    label that may carry data (a round's area: a ward's or an imported election's name) is
    safe to pass."""
    from brokerage.i18n import page_gettext

    return page_gettext(text) if text else ""


def lazy_label(text: str) -> LazyString:
    """translate_label when the text is shown, for a form's choices built at import."""
    return LazyString(translate_label, text)


def translate_rule_message(message: str) -> str:
    """The message in the page's language when it is one models/ raises (or a label, or any
    English a catalogue translates), else as it is."""
    if not isinstance(message, str):
        return message
    if message in _KNOWN:
        return gettext(message)
    filled = _filled(_patterns(), message)
    if filled is not None:
        return filled
    if any(sentence in message for sentence in _SENTENCES_LONGEST_FIRST):
        translated = message
        for sentence in _SENTENCES_LONGEST_FIRST:
            translated = translated.replace(sentence, gettext(sentence))
        return translated
    return translate_label(message)


def translate_line_problem(problem: str) -> str:
    """A file's problem on a line ("Line 3: quantity must be a whole number", models/returns/
    csv_upload.py; "Line 4: The date … is not dd/mm/yyyy", models/planning/parsing.py) in the
    page's language: the rule's message translated whole, or as the sentence it starts (its
    first letter lowered) or ends (raised)."""
    number, colon, message = problem.partition(": ")
    if not colon or not number.startswith("Line "):
        return problem
    translated = translate_rule_message(message)
    if translated == message:
        first = message[:1]
        swapped = (first.lower() if first.isupper() else first.upper()) + message[1:]
        translated = translate_rule_message(swapped)
        if translated == swapped:
            translated = message
        else:
            translated = (translated[:1].upper() if first.isupper() else translated[:1].lower()) + translated[1:]
    return gettext("Line %(num)s: %(problem)s", num=number[len("Line "):], problem=translated)


_KNOWN = frozenset(LABELS + MESSAGES + SENTENCES)
_SENTENCES_LONGEST_FIRST = tuple(sorted(SENTENCES, key=len, reverse=True))
