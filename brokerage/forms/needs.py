"""Needs: the need form (groups) and the moderation form (officers)."""

from __future__ import annotations

import secrets
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from sqlalchemy import select
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from brokerage.forms import PoundsField, WholeNumberField, date_field
from brokerage.forms.core import second_language_fields
from brokerage.rule_messages import lazy_label
from models import NeedKind, Theme, Ward, db
from models.needs.models import MAX_BENEFICIARIES, MAX_QUANTITY, MAX_VALUE_PENCE
from models.needs.rules import NEED_TEXT_LIMITS, NeedDetails

MAX_DESCRIPTION = 20_000
MAX_PHOTO_MB = 5


class NeedForm(second_language_fields(NEED_TEXT_LIMITS), FlaskForm):
    client_token = HiddenField()
    title = StringField(
        _l("Title"),
        description=_l("What you need, in a few words. For example: Laptops for our homework club."),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter a title")), Length(max=120, message=_l("Title must be 120 characters or fewer"))],
    )
    summary = TextAreaField(
        _l("Summary"),
        description=_l("One or two sentences shown in lists."),
        widget=GovCharacterCount(),
        validators=[InputRequired(message=_l("Enter a summary")), Length(max=300, message=_l("Summary must be 300 characters or fewer"))],
    )
    description = TextAreaField(
        _l("Description (optional)"),
        description=_l("Who it helps, why it matters, what happens when it arrives. You can use Markdown: **bold**, lists, links."),
        widget=GovTextArea(),
        validators=[Length(max=MAX_DESCRIPTION, message=_l("Description must be %(number)s characters or fewer", number=f"{MAX_DESCRIPTION:,}"))],
    )
    kind = RadioField(
        _l("What kind of help do you need?"),
        widget=GovRadioInput(),
        choices=[SelectChoice(kind.value, lazy_label(kind.label)) for kind in NeedKind],
        validators=[InputRequired(message=_l("Select what kind of help you need"))],
    )
    quantity = WholeNumberField(
        _l("Quantity"),
        description=_l("A whole number. For example: 40 (volunteer hours) or 10 (laptops)."),
        widget=GovTextInput(),
        validators=[
            InputRequired(message=_l("Enter the quantity as a whole number")),
            NumberRange(min=1, max=MAX_QUANTITY, message=_l("Quantity must be between 1 and %(number)s", number=f"{MAX_QUANTITY:,}")),
        ],
        render_kw={"params": {"classes": "govuk-input--width-10", "inputmode": "numeric"}},
    )
    unit = StringField(
        _l("Unit"),
        description=_l("For example: hours, laptops, £, sessions."),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the unit")), Length(max=40, message=_l("Unit must be 40 characters or fewer"))],
        render_kw={"params": {"classes": "govuk-input--width-20"}},
    )
    value = PoundsField(
        _l("Estimated value"),
        description=_l("What it would cost to buy, in pounds."),
        not_an_amount=_l("Enter the value in pounds, like 2400 or 2,400.50"),
        example="2,400.50",
        required=_l("Enter the estimated value in pounds"),
        what=_l("The value"),
        maximum_pence=MAX_VALUE_PENCE,
        widget=GovTextInput(),
    )
    ward_id = SelectField(_l("Ward"), widget=GovSelect(), coerce=int)
    theme_id = SelectField(_l("Priority theme"), widget=GovSelect(), coerce=int)
    beneficiaries = WholeNumberField(
        _l("How many people will benefit?"),
        widget=GovTextInput(),
        validators=[
            InputRequired(message=_l("Enter how many people will benefit, as a whole number")),
            NumberRange(min=0, max=MAX_BENEFICIARIES, message=_l("Enter a number between 0 and %(number)s", number=f"{MAX_BENEFICIARIES:,}")),
        ],
        render_kw={"params": {"classes": "govuk-input--width-10", "inputmode": "numeric"}},
    )
    deadline = date_field(
        _l("Deadline"), _l("When you need it by. For example, 27 3 2027"), _l("Enter a real deadline, with a day, month and year")
    )
    photo = FileField(
        _l("Photo (optional)"),
        description=_l("JPEG, PNG or WebP, up to %(number)s MB.", number=MAX_PHOTO_MB),
        widget=GovFileInput(),
        validators=[
            Optional(),
            FileAllowed(["jpg", "jpeg", "png", "webp"], message=_l("The photo must be a JPEG, PNG or WebP image")),
            FileSize(max_size=MAX_PHOTO_MB * 1024 * 1024, message=_l("The photo must be smaller than %(number)s MB", number=MAX_PHOTO_MB)),
        ],
    )
    # A photo chosen before a preview or a mistake, kept for this person (models/core/uploads.py).
    pending_photo = HiddenField()
    remove_pending_photo = SubmitField(_l("Remove this photo"), widget=GovSubmitInput())
    photo_alt = StringField(
        _l("Describe the photo (optional)"),
        description=_l("For people who cannot see it."),
        widget=GovTextInput(),
        validators=[Length(max=250)],
    )
    preview = SubmitField(_l("Preview the description"), widget=GovSubmitInput())
    save = SubmitField(_l("Save as draft"), widget=GovSubmitInput())
    submit_for_review = SubmitField(_l("Save and send for review"), widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        wards = db.session.execute(select(Ward.id, Ward.name).order_by(Ward.name)).all()
        self.ward_id.choices = [SelectChoice(0, _l("Borough-wide"))] + [SelectChoice(ward_id, name) for ward_id, name in wards]
        themes = db.session.execute(
            select(Theme.id, Theme.name).where(Theme.active.is_(True)).order_by(Theme.position)
        ).all()
        self.theme_id.choices = [SelectChoice(-1, _l("Select a theme"))] + [SelectChoice(theme_id, name) for theme_id, name in themes]
        if not self.client_token.data:
            self.client_token.data = secrets.token_urlsafe(24)

    def validate_theme_id(self, field):
        if field.data == -1:
            raise ValidationError(_l("Select a priority theme"))

    def validate_deadline(self, field):
        if field.data is not None and field.data <= date.today():
            raise ValidationError(_l("The deadline must be in the future"))

    def details(self) -> NeedDetails:
        return NeedDetails(
            title=self.title.data,
            summary=self.summary.data,
            description=self.description.data or "",
            kind=self.kind.data,
            quantity=self.quantity.data,
            unit=self.unit.data,
            value_pence=self.value.pence,
            ward_id=self.ward_id.data or None,
            theme_id=self.theme_id.data,
            beneficiaries=self.beneficiaries.data,
            deadline=self.deadline.data,
            photo_alt=self.photo_alt.data,
            language=self.text_language(),
        )


class ModerationForm(FlaskForm):
    comment = TextAreaField(
        _l("Comment for the group"),
        description=_l("Needed when you request changes or reject. The group sees it."),
        widget=GovTextArea(),
        validators=[Length(max=2000, message=_l("Comment must be 2,000 characters or fewer"))],
    )
    publish = SubmitField(_l("Publish"), widget=GovSubmitInput())
    request_changes = SubmitField(_l("Request changes"), widget=GovSubmitInput())
    reject = SubmitField(_l("Reject"), widget=GovSubmitInput())

