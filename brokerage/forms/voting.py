"""Voting: the officer's ward priority round, its options and paper batches, the
resident's ballot, and the Pabulib upload.

The forms parse what was typed; the rules in models/voting/ decide, and their
DomainError lands beside the field of the same name."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from sqlalchemy import select
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from brokerage.forms import PoundsField, WholeNumberField, date_field
from brokerage.forms.core import second_language_fields
from brokerage.rule_messages import lazy_label
from models import Ward, db
from models.voting.models import METHOD_LABELS, OFFICIAL_RULES
from models.voting.setup import OPTION_TEXT_LIMITS, RoundFields

LONDON = ZoneInfo("Europe/London")
TIME_PATTERN = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?\s*$", re.IGNORECASE)


def parse_time(raw: str | None) -> time | None:
    """A time of day as people type it: "9am", "5:30pm", "17:30", "9.15"."""
    match = TIME_PATTERN.match(raw or "")
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), (match.group(3) or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def london_to_utc(day, at: time) -> datetime:
    """The council's wall-clock time as the naive UTC the database keeps."""
    local = datetime.combine(day, at).replace(tzinfo=LONDON)
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def utc_to_london(value: datetime) -> datetime:
    return value.replace(tzinfo=ZoneInfo("UTC")).astimezone(LONDON)


class TimeField(StringField):
    """A time of day kept as typed, with `.time` parsed."""

    time_value: time | None = None

    def pre_validate(self, form):
        self.time_value = None
        if not (self.data or "").strip():
            return
        if len(self.data) > 12 or (parsed := parse_time(self.data)) is None:
            raise ValidationError(_l("Enter a time like 9am, 5:30pm or 17:30"))
        self.time_value = parsed


def _ward_choices() -> list[SelectChoice]:
    wards = db.session.execute(select(Ward.id, Ward.name).order_by(Ward.name)).all()
    # No default: the officer chooses the ward, or the whole borough, on purpose.
    return [SelectChoice("", _l("Choose a ward")), SelectChoice(WHOLE_BOROUGH, _l("The whole borough"))] + [
        SelectChoice(str(id_), name) for id_, name in wards
    ]


WHOLE_BOROUGH = "borough"


def london_today() -> date:
    return datetime.now(LONDON).date()


class RoundForm(FlaskForm):
    title = StringField(
        _l("Title"),
        description=_l("What residents will see. For example: Harlesden & Kensal Green priorities 2027."),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter a title for the round")), Length(max=150, message=_l("Title must be 150 characters or fewer"))],
    )
    description = TextAreaField(
        _l("What the round is for (optional)"),
        description=_l("Shown above the ballot. You can use Markdown."),
        widget=GovCharacterCount(),
        validators=[Optional(), Length(max=5000, message=_l("Description must be 5,000 characters or fewer"))],
        render_kw={"params": {"maxlength": 5000}},
    )
    ward_id = SelectField(_l("Ward"), description=_l("Who can vote: residents with a postcode in this ward."), widget=GovSelect(), validate_choice=False)
    budget = PoundsField(
        _l("Budget in pounds"),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the budget in pounds"))],
    )
    opens_on = date_field(_l("Voting opens"), _l("For example, 1 3 2027"), required=_l("Enter the date voting opens"))
    opens_time = TimeField(
        _l("Opening time"), description=_l("UK time, for example 9am"), widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the time voting opens"))],
        render_kw={"params": {"classes": "govuk-input--width-5"}},
    )
    closes_on = date_field(_l("Voting closes"), _l("For example, 31 3 2027"), required=_l("Enter the date voting closes"))
    closes_time = TimeField(
        _l("Closing time"), description=_l("UK time, for example 5pm"), widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the time voting closes"))],
        render_kw={"params": {"classes": "govuk-input--width-5"}},
    )
    method = RadioField(
        _l("How residents vote"),
        widget=GovRadioInput(),
        choices=[SelectChoice(value, lazy_label(label)) for value, label in METHOD_LABELS.items()],
        validators=[InputRequired(message=_l("Choose how residents vote"))],
    )
    max_choices = WholeNumberField(
        _l("Approval: how many options each resident can choose"),
        widget=GovTextInput(),
        validators=[Optional()],
        render_kw={"params": {"classes": "govuk-input--width-4"}},
    )
    min_spend_percent = WholeNumberField(
        _l("Knapsack: the least share of the budget a ballot must spend, in percent (optional)"),
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(min=0, max=100, message=_l("Enter a share between 0 and 100"))],
        render_kw={"params": {"classes": "govuk-input--width-4", "suffix": {"text": "%"}}},
    )
    rule = RadioField(
        _l("Official rule for choosing the winners"),
        description=_l("The results page also shows what the other rule would have chosen."),
        widget=GovRadioInput(),
        choices=[SelectChoice(value, lazy_label(label)) for value, label in OFFICIAL_RULES.items()],
        validators=[InputRequired(message=_l("Choose the official rule"))],
    )
    ideas_opens_on = date_field(_l("Ideas phase opens (optional)"), _l("For example, 1 2 2027. Leave both dates empty for no ideas phase."))
    ideas_closes_on = date_field(_l("Ideas phase closes (optional)"), _l("The last day for ideas, before voting opens. For example, 20 2 2027"))
    comment_moderation = RadioField(
        _l("Comments on ideas"),
        widget=GovRadioInput(),
        choices=[
            SelectChoice("post", _l("Publish at once; anyone can report a comment")),
            SelectChoice("pre", _l("Hold each comment until an officer publishes it")),
        ],
        default="post",
        validators=[Optional()],
    )
    submit = SubmitField(_l("Save round"), widget=GovSubmitInput())

    def __init__(self, *args, opened: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.ward_id.choices = _ward_choices()
        self.opened = opened  # a round already open keeps the opening date it had

    def ideas_window(self) -> tuple[datetime | None, datetime | None]:
        """The ideas phase from the start of its first day to the end of its last (UK time)."""
        opens = london_to_utc(self.ideas_opens_on.data, time(0, 0)) if self.ideas_opens_on.data else None
        closes = (
            london_to_utc(self.ideas_closes_on.data + timedelta(days=1), time(0, 0)) if self.ideas_closes_on.data else None
        )
        return opens, closes

    def fill_ideas_from(self, phase) -> None:
        if phase is not None:
            self.ideas_opens_on.data = utc_to_london(phase.opens_at).date()
            self.ideas_closes_on.data = (utc_to_london(phase.closes_at) - timedelta(seconds=1)).date()
            self.comment_moderation.data = "pre" if phase.premoderate_comments else "post"

    def validate_ward_id(self, field):
        if not field.data:
            raise ValidationError(_l("Choose the ward whose residents vote, or the whole borough"))
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose a ward from the list"))

    def validate_opens_on(self, field):
        if field.data is not None and not self.opened and field.data < london_today():
            raise ValidationError(_l("The opening date must be today or in the future"))

    def validate_closes_on(self, field):
        if field.data is not None and field.data < london_today():
            raise ValidationError(_l("The closing date must be today or in the future"))

    def fill_from(self, round_) -> None:
        opens, closes = utc_to_london(round_.opens_at), utc_to_london(round_.closes_at)
        self.title.data = round_.title
        self.description.data = round_.description
        self.ward_id.data = str(round_.ward_id) if round_.ward_id else WHOLE_BOROUGH
        self.budget.data = f"{round_.budget_pence / 100:,.2f}".removesuffix(".00")
        self.opens_on.data, self.opens_time.data = opens.date(), opens.strftime("%H:%M")
        self.closes_on.data, self.closes_time.data = closes.date(), closes.strftime("%H:%M")
        self.method.data = round_.method
        self.max_choices.data = round_.max_choices
        self.min_spend_percent.data = round_.min_spend_percent
        self.rule.data = round_.rule

    def fields(self) -> RoundFields:
        return RoundFields(
            title=self.title.data or "",
            description=(self.description.data or "").strip(),
            ward_id=int(self.ward_id.data) if self.ward_id.data not in ("", None, WHOLE_BOROUGH) else None,
            budget_pence=self.budget.pence or 0,
            opens_at=london_to_utc(self.opens_on.data, self.opens_time.time_value),
            closes_at=london_to_utc(self.closes_on.data, self.closes_time.time_value),
            method=self.method.data,
            max_choices=self.max_choices.data,
            min_spend_percent=self.min_spend_percent.data,
            rule=self.rule.data,
        )


class NeedOptionsForm(FlaskForm):
    needs = SelectMultipleField(
        _l("Published needs in this ward"),
        description=_l("Each costs what is still needed to fund it."),
        widget=GovCheckboxesInput(),
        validate_choice=False,
    )
    submit = SubmitField(_l("Add to the ballot"), widget=GovSubmitInput())

    def chosen_ids(self) -> list[int]:
        allowed = {choice.value for choice in self.needs.choices}
        return [int(value) for value in self.needs.data or [] if value in allowed]

    def validate_needs(self, field):
        allowed = {choice.value for choice in field.choices}
        if not field.data:
            raise ValidationError(_l("Choose at least one need"))
        if any(value not in allowed for value in field.data):
            raise ValidationError(_l("Choose needs from the list"))


class ItemOptionForm(second_language_fields(OPTION_TEXT_LIMITS), FlaskForm):
    title = StringField(
        _l("Title"), widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter a title for the option")), Length(max=200, message=_l("Title must be 200 characters or fewer"))],
    )
    description = TextAreaField(
        _l("Description (optional)"), widget=GovTextArea(),
        validators=[Optional(), Length(max=5000, message=_l("Description must be 5,000 characters or fewer"))],
    )
    cost = PoundsField(
        _l("Cost in pounds"), widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the cost in pounds"))],
    )
    submit = SubmitField(_l("Add option"), widget=GovSubmitInput())


class PaperBatchForm(FlaskForm):
    reference = StringField(
        _l("Batch reference"),
        description=_l("As written on the bundle, for example HKG-LIB-03."),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the batch reference written on the bundle")), Length(max=60, message=_l("Reference must be 60 characters or fewer"))],
        render_kw={"params": {"classes": "govuk-input--width-20"}},
    )
    ballots = TextAreaField(
        _l("Ballots"),
        description=_l(
            "One paper ballot per line: the option numbers ticked, separated by commas. For example: 1, 4, 7. "
            "Where the paper carries the voter's details, add them so that nobody votes twice: "
            "1, 4 | Ada Lovelace | 10/12/1980 | NW10 8AB"
        ),
        widget=GovTextArea(),
        validators=[InputRequired(message=_l("Enter at least one ballot, one per line")), Length(max=200_000, message=_l("Enter at most 200,000 characters in one batch"))],
        render_kw={"params": {"rows": 12}},
    )
    submit = SubmitField(_l("Enter batch"), widget=GovSubmitInput())


class PbUploadForm(FlaskForm):
    file = FileField(
        _l("Pabulib file (.pb)"),
        description=_l("A participatory budgeting election in the Pabulib format, up to 50 MB."),
        widget=GovFileInput(),
        validators=[FileRequired(message=_l("Choose a .pb file"))],
    )
    submit = SubmitField(_l("Import"), widget=GovSubmitInput())

    def validate_file(self, field):
        name = (field.data.filename or "").lower() if field.data else ""
        if not name.endswith(".pb"):
            raise ValidationError(_l("The file must be a Pabulib .pb file"))



# ---------------------------------------------------------------- letters, polling stations, representation
# (models/voting/letters.py, identity.py, representation.py)

from wtforms import BooleanField  # noqa: E402
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput  # noqa: E402

from brokerage.forms import email_field  # noqa: E402
from models.voting.identity import CONFLICT_RULES  # noqa: E402
from models.voting.representation import PREFER_NOT, QUESTIONS  # noqa: E402


class LettersForm(FlaskForm):
    postcodes = TextAreaField(
        _l("Letters for each postcode"),
        description=_l("One postcode a line and how many letters to print for it (the addresses there), like “NW10 8AB 12”."),
        widget=GovTextArea(),
        validators=[Length(max=100_000, message=_l("Enter at most 100,000 characters"))],
        render_kw={"params": {"rows": 8}},
    )
    every_other = WholeNumberField(
        _l("Letters for every other postcode in the ward"),
        description=_l("Leave empty for none."),
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(min=0, max=500, message=_l("Enter a number from 0 to 500"))],
        render_kw={"params": {"classes": "govuk-input--width-5"}},
    )
    in_person = TextAreaField(
        _l("Where to vote in person"),
        description=_l("Printed on every letter: the polling stations, their addresses and opening times."),
        widget=GovTextArea(),
        validators=[InputRequired(message=_l("Say where people can vote in person")), Length(max=2000, message=_l("Enter at most 2,000 characters"))],
        render_kw={"params": {"rows": 4}},
    )
    submit = SubmitField(_l("Print the letters"), widget=GovSubmitInput())


class ChannelsForm(FlaskForm):
    conflict_rule = RadioField(
        _l("When someone votes twice"),
        choices=[SelectChoice(key, lazy_label(label)) for key, label in CONFLICT_RULES.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message=_l("Choose which ballot counts when someone votes twice"))],
    )
    min_age = WholeNumberField(
        _l("Minimum age to vote"),
        description=_l("Leave empty for no age limit."),
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(min=0, max=130, message=_l("Enter an age from 0 to 130"))],
        render_kw={"params": {"classes": "govuk-input--width-3"}},
    )
    identity_online = BooleanField(
        _l("Ask people voting online with an account for their name and date of birth"),
        description=_l("So that a person who votes online and in person or by letter is found. Their account keeps neither."),
        widget=GovCheckboxInput(),
    )
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())


class PollingGrantForm(FlaskForm):
    email = email_field(_l("Email address of the volunteer or officer"))
    submit = SubmitField(_l("Let them record ballots"), widget=GovSubmitInput())


class CodeForm(FlaskForm):
    code = StringField(
        _l("Your voting code"),
        description=_l("The 12 letters and numbers on your letter, like ABCD-EFGH-JKMN."),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the code from your letter")),
                    Length(max=40, message=_l("Enter the 12-character code from your letter"))],
        render_kw={"autocomplete": "off", "spellcheck": "false", "params": {"classes": "govuk-input--width-20"}},
    )
    postcode = StringField(
        _l("Your postcode"),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter your postcode")), Length(max=16, message=_l("Enter your postcode, like NW10 8AB"))],
        render_kw={"autocomplete": "postal-code", "params": {"classes": "govuk-input--width-10"}},
    )
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


def _identity_fields(cls):
    """Name and date of birth (and optionally postcode) of the person voting."""
    from brokerage.forms import date_field as _date

    cls.name = StringField(
        _l("Full name"), widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the full name")), Length(max=120, message=_l("Enter at most 120 characters"))],
        render_kw={"autocomplete": "name", "spellcheck": "false"},
    )
    cls.born = _date(_l("Date of birth"), _l("For example, 27 3 1980"), required=_l("Enter the date of birth"))
    return cls


@_identity_fields
class IdentityForm(FlaskForm):
    """Who is voting (letter codes, and accounts where the round asks)."""


@_identity_fields
class InPersonForm(FlaskForm):
    postcode = StringField(
        _l("Postcode"), widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the postcode")), Length(max=16, message=_l("Enter a real postcode, like NW10 8AB"))],
        render_kw={"params": {"classes": "govuk-input--width-10"}},
    )


class RepresentationForm(FlaskForm):
    pass


for _field, (_label, _choices) in QUESTIONS.items():
    setattr(
        RepresentationForm, _field,
        # The answers are kept in English (the census's words); people read them in their language.
        RadioField(_l(_label), choices=[SelectChoice(choice, lazy_label(choice)) for choice in [*_choices, PREFER_NOT]],
                   widget=GovRadioInput(), validators=[Optional()], validate_choice=False),
    )
RepresentationForm.submit = SubmitField(_l("Send my answers"), widget=GovSubmitInput())


class CensusUploadForm(FlaskForm):
    file = FileField(
        _l("Census table (CSV)"),
        description=_l("An ONS Census 2021 ward-level table by age (6 categories) or by sex, as the ONS downloads it."),
        widget=GovFileInput(),
        validators=[FileRequired(message=_l("Choose a CSV file"))],
    )
    submit = SubmitField(_l("Import"), widget=GovSubmitInput())
