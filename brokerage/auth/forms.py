from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovPasswordInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from sqlalchemy import select
from wtforms import BooleanField, PasswordField, RadioField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from brokerage.forms import email_field, postcode_field
from models import Theme, Ward, db
from models.digests.periods import CHOICES, LABELS

PASSWORD_HINT = "At least 10 characters. A few unrelated words make a strong password that is easy to remember."


def _required_email(label="Email address", description=""):
    field = email_field(label, description)
    field.kwargs["validators"].insert(0, InputRequired(message="Enter your email address"))
    return field


class RegisterForm(FlaskForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        # DataRequired, not InputRequired: a name of only spaces is no name.
        validators=[DataRequired(message="Enter your name"), Length(max=120, message="Name must be 120 characters or fewer")],
        render_kw={"autocomplete": "name", "spellcheck": "false"},
    )
    email = _required_email(description="We will send you a link to confirm it.")
    postcode = postcode_field(
        "Postcode (optional)",
        description="Where you live, if it is in the borough. It places you in your ward so you can vote on its priorities.",
    )
    password = PasswordField(
        "Create a password",
        description=PASSWORD_HINT,
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter a password"), Length(max=128, message="Password must be 128 characters or fewer")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())


class LoginForm(FlaskForm):
    email = _required_email()
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password"), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me signed in on this device", widget=GovCheckboxInput())
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ForgotPasswordForm(FlaskForm):
    email = _required_email()
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(
        "New password",
        description=PASSWORD_HINT,
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter a new password"), Length(max=128, message="Password must be 128 characters or fewer")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Save new password", widget=GovSubmitInput())


class DetailsForm(FlaskForm):
    name = RegisterForm.name
    postcode = postcode_field(
        "Postcode (optional)", description="Where you live. It places you in your ward so you can vote on its priorities."
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class ChangeEmailForm(FlaskForm):
    email = _required_email("New email address", "We will send a link to the new address to confirm it.")
    password = PasswordField(
        "Your password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password")],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Change email address", widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your current password")],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = ResetPasswordForm.new_password
    submit = SubmitField("Change password", widget=GovSubmitInput())


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        "Your password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password to confirm")],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        "I understand my account and personal details will be deleted",
        widget=GovCheckboxInput(),
        validators=[InputRequired(message="Confirm that you want to delete your account")],
    )
    submit = SubmitField("Delete my account", widget=GovSubmitInput(), render_kw={"params": {"classes": "govuk-button--warning"}})


class ResendForm(FlaskForm):
    submit = SubmitField("Send the link again", widget=GovSubmitInput(), render_kw={"params": {"classes": "govuk-button--secondary"}})


class EmailUpdatesForm(FlaskForm):
    """How often a person wants a digest, and about which wards and themes."""

    frequency = RadioField(
        "How often do you want an update?",
        widget=GovRadioInput(),
        choices=[SelectChoice(value, LABELS[value]) for value in CHOICES],
        validators=[InputRequired(message="Choose how often you want an update")],
    )
    ward_ids = SelectMultipleField(
        "Wards",
        description="New needs and priority votes in these wards. Leave them all unticked for your own ward "
        "(or the whole borough if we do not know where you live).",
        widget=GovCheckboxesInput(),
        coerce=int,
        validate_choice=True,
    )
    theme_ids = SelectMultipleField(
        "Priority themes",
        description="Only needs about these themes. Leave them all unticked for every theme.",
        widget=GovCheckboxesInput(),
        coerce=int,
        validate_choice=True,
    )
    newsletter = BooleanField("Send me the quarterly newsletter for suppliers", widget=GovCheckboxInput())
    submit = SubmitField("Save", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
    submit = SubmitField("Unsubscribe", widget=GovSubmitInput())
