"""People: accounts (register, sign in, passwords, details), organisations (register,
verify, invite members) and the admin's role form (rules in models/people/)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from sqlalchemy import select
from wtforms import BooleanField, PasswordField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, InputRequired, Length, Optional, ValidationError

from brokerage.forms import email_field, password_toggle, postcode_field
from brokerage.rule_messages import lazy_label, translate_label, translate_rule_message
from models import Role, Ward, db
from models.people.passwords import password_problem
from models.people.organisations import SIZE_BANDS, SUPPLIER_FORMS, VCSE_FORMS

PASSWORD_HINT = _l("At least 10 characters. A few unrelated words make a strong password that is easy to remember.")


def _required_email(label=_l("Email address"), description=""):
    field = email_field(label, description)
    field.kwargs["validators"].insert(0, InputRequired(message=_l("Enter your email address")))
    return field


class RegisterForm(FlaskForm):
    name = StringField(
        _l("Full name"),
        widget=GovTextInput(),
        # DataRequired, not InputRequired: a name of only spaces is no name.
        validators=[DataRequired(message=_l("Enter your name")), Length(max=120, message=_l("Name must be 120 characters or fewer"))],
        render_kw={"autocomplete": "name", "spellcheck": "false"},
    )
    email = _required_email(description=_l("We will send you a link to confirm it."))
    postcode = postcode_field(
        _l("Postcode (optional)"),
        description=_l("Where you live, if it is in the borough. It places you in your ward so you can vote on its priorities."),
    )
    password = PasswordField(
        _l("Create a password"),
        description=PASSWORD_HINT,
        widget=GovPasswordInput(),
        validators=[InputRequired(message=_l("Enter a password")), Length(max=128, message=_l("Password must be 128 characters or fewer"))],
        render_kw={"autocomplete": "new-password", "params": password_toggle()},
    )
    submit = SubmitField(_l("Create account"), widget=GovSubmitInput())

    def validate_password(self, field):
        # Checked with the other fields, so every problem shows at once.
        email = (self.email.data or "").strip().lower()
        problem = password_problem(field.data or "", [self.name.data or "", email, *email.split("@")])
        if problem:
            raise ValidationError(translate_rule_message(problem))


class LoginForm(FlaskForm):
    email = _required_email()
    password = PasswordField(
        _l("Password"),
        widget=GovPasswordInput(),
        validators=[InputRequired(message=_l("Enter your password")), Length(max=128)],
        render_kw={"autocomplete": "current-password", "params": password_toggle()},
    )
    remember = BooleanField(_l("Keep me signed in on this device"), widget=GovCheckboxInput())
    submit = SubmitField(_l("Sign in"), widget=GovSubmitInput())


class SignInLinkRequestForm(FlaskForm):
    email = _required_email()
    submit = SubmitField(_l("Email me a link to sign in"), widget=GovSubmitInput())


class SignInLinkForm(FlaskForm):
    submit = SubmitField(_l("Sign in"), widget=GovSubmitInput())


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        widget=GovPasswordInput(),
        validators=[InputRequired(message=_l("Enter your password")), Length(max=128)],
        render_kw={"autocomplete": "current-password", "params": password_toggle()},
    )
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class ForgotPasswordForm(FlaskForm):
    email = _required_email()
    submit = SubmitField(_l("Send me a link"), widget=GovSubmitInput())


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(
        _l("New password"),
        description=PASSWORD_HINT,
        widget=GovPasswordInput(),
        validators=[InputRequired(message=_l("Enter a new password")), Length(max=128, message=_l("Password must be 128 characters or fewer"))],
        render_kw={"autocomplete": "new-password", "params": password_toggle()},
    )
    submit = SubmitField(_l("Save new password"), widget=GovSubmitInput())


class DetailsForm(FlaskForm):
    name = RegisterForm.name
    postcode = postcode_field(
        _l("Postcode (optional)"), description=_l("Where you live. It places you in your ward so you can vote on its priorities.")
    )
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())


class ChangeEmailForm(FlaskForm):
    email = _required_email(_l("New email address"), _l("We will send a link to the new address to confirm it."))
    password = PasswordField(
        _l("Your password"),
        widget=GovPasswordInput(),
        validators=[InputRequired(message=_l("Enter your password"))],
        render_kw={"autocomplete": "current-password", "params": password_toggle()},
    )
    submit = SubmitField(_l("Change email address"), widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        widget=GovPasswordInput(),
        validators=[InputRequired(message=_l("Enter your current password"))],
        render_kw={"autocomplete": "current-password", "params": password_toggle()},
    )
    new_password = ResetPasswordForm.new_password
    submit = SubmitField(_l("Change password"), widget=GovSubmitInput())


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        widget=GovPasswordInput(),
        validators=[InputRequired(message=_l("Enter your password to confirm"))],
        render_kw={"autocomplete": "current-password", "params": password_toggle()},
    )
    confirm = BooleanField(
        _l("I understand my account and personal details will be deleted"),
        widget=GovCheckboxInput(),
        validators=[InputRequired(message=_l("Confirm that you want to delete your account"))],
    )
    submit = SubmitField(_l("Delete my account"), widget=GovSubmitInput(), render_kw={"params": {"classes": "govuk-button--warning"}})


class ResendForm(FlaskForm):
    submit = SubmitField(_l("Send the link again"), widget=GovSubmitInput(), render_kw={"params": {"classes": "govuk-button--secondary"}})


class KindForm(FlaskForm):
    kind = RadioField(
        _l("What are you registering?"),
        widget=GovRadioInput(),
        choices=[
            SelectChoice("vcse", _l("A community group, charity or social enterprise (VCSE)")),
            SelectChoice("supplier", _l("A business that holds or bids for council contracts")),
        ],
        validators=[InputRequired(message=_l("Select what you are registering"))],
    )
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Name of the organisation"),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the organisation's name")), Length(max=160, message=_l("Name must be 160 characters or fewer"))],
    )
    legal_form = RadioField(_l("Type of organisation"), widget=GovRadioInput(), validators=[InputRequired(message=_l("Select the type of organisation"))])
    registration_number = StringField(
        _l("Registration number"),
        widget=GovTextInput(),
        validators=[Optional(), Length(max=16, message=_l("Registration number must be 16 characters or fewer"))],
        render_kw={"params": {"classes": "govuk-input--width-10"}, "spellcheck": "false"},
    )
    size_band = RadioField(_l("Size of the business"), widget=GovRadioInput(), validate_choice=False)
    based_in_borough = BooleanField(_l("The organisation is based in the borough"), widget=GovCheckboxInput())
    ward_id = SelectField(_l("Ward where it is based (optional)"), widget=GovSelect(), coerce=int, validate_choice=True)
    description = TextAreaField(
        _l("What the organisation does (optional)"),
        description=_l("A short description for people who do not know you. You can use Markdown."),
        widget=GovTextArea(),
        validators=[Length(max=5000, message=_l("Description must be 5,000 characters or fewer"))],
    )
    website = StringField(
        _l("Website (optional)"),
        widget=GovTextInput(),
        validators=[Optional(), Length(max=255), URL(require_tld=True, message=_l("Enter a web address like https://example.org"))],
        render_kw={"spellcheck": "false"},
    )

    def validate_website(self, field):
        # WTForms' URL check accepts any scheme; a public link must be http(s).
        if field.data and not field.data.strip().lower().startswith(("http://", "https://")):
            raise ValidationError(_("Enter a web address that starts with https:// or http://"))
    contact_email = email_field(_l("Contact email (optional)"), _l("Shown publicly once the organisation is verified."))
    submit = SubmitField(_l("Save and send for verification"), widget=GovSubmitInput())

    def __init__(self, kind: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        forms = VCSE_FORMS if kind == "vcse" else SUPPLIER_FORMS
        # The labels live in models/ in English (brokerage/rule_messages.py marks them).
        self.legal_form.choices = [SelectChoice(key, translate_label(label)) for key, (label, _checker) in forms.items()]
        self.size_band.choices = [SelectChoice(key, translate_label(label)) for key, label in SIZE_BANDS.items()]
        if kind == "vcse":
            self.registration_number.label.text = _("Charity or company number")
            self.registration_number.description = _(
                "Charities and CIOs: the charity number. CICs: the company number. Community groups can leave it blank."
            )
        else:
            self.registration_number.label.text = _("Company number")
            self.registration_number.description = _("From Companies House, like 01234567 or SC123456.")
        wards = db.session.execute(select(Ward.id, Ward.name).order_by(Ward.name)).all()
        self.ward_id.choices = [SelectChoice(0, _("Not based in one ward"))] + [SelectChoice(ward_id, name) for ward_id, name in wards]
        self.contact_email.validators = [Optional(), *self.contact_email.validators]

    def validate_size_band(self, field):
        if self.kind == "supplier" and field.data not in SIZE_BANDS:
            raise ValidationError(_("Select the size of the business"))


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        description=_l("The applicant sees this. Say what they need to change."),
        widget=GovTextArea(),
        validators=[InputRequired(message=_l("Enter the reason, so the applicant knows what to change")), Length(max=2000)],
    )
    submit = SubmitField(_l("Do not verify"), widget=GovSubmitInput(), render_kw={"params": {"classes": "govuk-button--warning"}})


class InviteForm(FlaskForm):
    email = email_field(_l("Email address of the person to invite"))
    submit = SubmitField(_l("Send invitation"), widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.email.validators = [InputRequired(message=_l("Enter the email address of the person to invite")), *self.email.validators]


class RoleForm(FlaskForm):
    role = RadioField(
        _l("Role"), widget=GovRadioInput(), choices=[SelectChoice(role.value, lazy_label(role.label)) for role in Role], validators=[InputRequired()]
    )
    submit = SubmitField(_l("Change role"), widget=GovSubmitInput())
