"""Form pieces shared by several blueprints."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import StringField
from wtforms.validators import Email, Length, Optional, ValidationError

from models.places import lookup_postcode


def email_field(label: str = "Email address", description: str = "") -> StringField:
    return StringField(
        label,
        description=description,
        widget=GovTextInput(),
        validators=[
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(message="Enter an email address in the correct format, like name@example.com"),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


class BoroughPostcode:
    """A postcode in the council's postcode table; puts the match on field.postcode_row."""

    def __call__(self, form, field):
        if not field.data:
            field.postcode_row = None
            return
        normalised, row = lookup_postcode(field.data)
        if normalised is None:
            raise ValidationError("Enter a real postcode, like HA0 1AB")
        if row is None:
            raise ValidationError(f"{normalised} is not in this council's area. Check the postcode you entered.")
        field.data = normalised
        field.postcode_row = row


def postcode_field(label: str = "Postcode", description: str = "", required: bool = False) -> StringField:
    from wtforms.validators import InputRequired

    validators = [InputRequired(message="Enter your postcode")] if required else [Optional()]
    return StringField(
        label,
        description=description,
        widget=GovTextInput(),
        validators=[*validators, Length(max=16, message="Enter a real postcode, like HA0 1AB"), BoroughPostcode()],
        render_kw={"autocomplete": "postal-code", "params": {"classes": "govuk-input--width-10"}},
    )
