from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from sqlalchemy import select
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, InputRequired, Length, Optional

from brokerage.forms import email_field
from models import Ward, db
from models.people.organisations import SIZE_BANDS, SUPPLIER_FORMS, VCSE_FORMS


class KindForm(FlaskForm):
    kind = RadioField(
        "What are you registering?",
        widget=GovRadioInput(),
        choices=[
            SelectChoice("vcse", "A community group, charity or social enterprise (VCSE)"),
            SelectChoice("supplier", "A business that holds or bids for council contracts"),
        ],
        validators=[InputRequired(message="Select what you are registering")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class OrganisationForm(FlaskForm):
    name = StringField(
        "Name of the organisation",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the organisation's name"), Length(max=160, message="Name must be 160 characters or fewer")],
    )
    legal_form = RadioField("Type of organisation", widget=GovRadioInput(), validators=[InputRequired(message="Select the type of organisation")])
    registration_number = StringField(
        "Registration number",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=16, message="Registration number must be 16 characters or fewer")],
        render_kw={"params": {"classes": "govuk-input--width-10"}, "spellcheck": "false"},
    )
    size_band = RadioField("Size of the business", widget=GovRadioInput(), choices=[SelectChoice(key, label) for key, label in SIZE_BANDS.items()], validate_choice=False)
    based_in_borough = BooleanField("The organisation is based in the borough", widget=GovCheckboxInput())
    ward_id = SelectField("Ward where it is based (optional)", widget=GovSelect(), coerce=int, validate_choice=True)
    description = TextAreaField(
        "What the organisation does",
        description="A short description for people who do not know you. You can use Markdown.",
        widget=GovTextArea(),
        validators=[Length(max=5000, message="Description must be 5,000 characters or fewer")],
    )
    website = StringField(
        "Website (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=255), URL(require_tld=True, message="Enter a web address like https://example.org")],
        render_kw={"spellcheck": "false"},
    )

    def validate_website(self, field):
        # WTForms' URL check accepts any scheme; a public link must be http(s).
        from wtforms.validators import ValidationError

        if field.data and not field.data.strip().lower().startswith(("http://", "https://")):
            raise ValidationError("Enter a web address that starts with https:// or http://")
    contact_email = email_field("Contact email (optional)", "Shown publicly once the organisation is verified.")
    submit = SubmitField("Save and send for verification", widget=GovSubmitInput())

    def __init__(self, kind: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        forms = VCSE_FORMS if kind == "vcse" else SUPPLIER_FORMS
        self.legal_form.choices = [SelectChoice(key, label) for key, (label, _) in forms.items()]
        if kind == "vcse":
            self.registration_number.label.text = "Charity or company number"
            self.registration_number.description = (
                "Charities and CIOs: the charity number. CICs: the company number. Community groups can leave it blank."
            )
        else:
            self.registration_number.label.text = "Company number"
            self.registration_number.description = "From Companies House, like 01234567 or SC123456."
        wards = db.session.execute(select(Ward.id, Ward.name).order_by(Ward.name)).all()
        self.ward_id.choices = [SelectChoice(0, "Not based in one ward")] + [SelectChoice(ward_id, name) for ward_id, name in wards]
        self.contact_email.validators = [Optional(), *self.contact_email.validators]

    def validate_size_band(self, field):
        from wtforms.validators import ValidationError

        if self.kind == "supplier" and field.data not in SIZE_BANDS:
            raise ValidationError("Select the size of the business")


class RejectForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        description="The applicant sees this. Say what they need to change.",
        widget=GovTextArea(),
        validators=[InputRequired(message="Enter the reason, so the applicant knows what to change"), Length(max=2000)],
    )
    submit = SubmitField("Do not verify", widget=GovSubmitInput(), render_kw={"params": {"classes": "govuk-button--warning"}})


class InviteForm(FlaskForm):
    email = email_field("Email address of the person to invite")
    submit = SubmitField("Send invitation", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.email.validators = [InputRequired(message="Enter the email address of the person to invite"), *self.email.validators]


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirm", widget=GovSubmitInput())
