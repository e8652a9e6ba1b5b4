"""Digests: how often a person wants email updates, about what, and unsubscribing
(rules in models/digests/)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovCheckboxInput, GovRadioInput, GovSubmitInput
from sqlalchemy import select
from wtforms import BooleanField, RadioField, SelectMultipleField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from brokerage.rule_messages import translate_label
from models import Theme, Ward, db
from models.digests.periods import CHOICES, LABELS


class EmailUpdatesForm(FlaskForm):
    """How often a person wants a digest, and about which wards and themes."""

    frequency = RadioField(
        _l("How often do you want an update?"),
        widget=GovRadioInput(),
        validators=[InputRequired(message=_l("Choose how often you want an update"))],
    )
    ward_ids = SelectMultipleField(
        _l("Wards (optional)"),
        description=_l(
            "New needs and priority votes in these wards. Leave them all unticked for your own ward "
            "(or the whole borough if we do not know where you live)."
        ),
        widget=GovCheckboxesInput(),
        coerce=int,
        validate_choice=True,
    )
    theme_ids = SelectMultipleField(
        _l("Priority themes (optional)"),
        description=_l("Only needs about these themes. Leave them all unticked for every theme."),
        widget=GovCheckboxesInput(),
        coerce=int,
        validate_choice=True,
    )
    newsletter = BooleanField(_l("Send me the quarterly newsletter for suppliers"), widget=GovCheckboxInput())
    vote_reminders = BooleanField(
        _l("Remind me when my ward’s priority vote opens, and two days before it closes if I have not voted"),
        widget=GovCheckboxInput(),
    )
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The labels live in models/ in English (brokerage/rule_messages.py marks them).
        self.frequency.choices = [SelectChoice(value, translate_label(LABELS[value])) for value in CHOICES]
        wards = db.session.execute(select(Ward.id, Ward.name).order_by(Ward.name)).all()
        self.ward_ids.choices = [SelectChoice(ward_id, name) for ward_id, name in wards]
        themes = db.session.execute(
            select(Theme.id, Theme.name).where(Theme.active.is_(True)).order_by(Theme.position)
        ).all()
        self.theme_ids.choices = [SelectChoice(theme_id, name) for theme_id, name in themes]
        for field in (self.ward_ids, self.theme_ids):
            if field.data is None:
                field.data = []


class UnsubscribeForm(FlaskForm):
    submit = SubmitField(_l("Unsubscribe"), widget=GovSubmitInput())
