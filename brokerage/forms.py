"""Form pieces shared by several blueprints."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextInput
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from models.places.wards import lookup_postcode


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


class WholeNumberField(IntegerField):
    """An integer field whose complaint reads like the rest of the service."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        raw = valuelist[0].strip().replace(",", "")
        if len(raw) > 15 or not raw.lstrip("-").isdigit():
            self.data = None
            raise ValueError(f"Enter {self.label.text.lower().rstrip('?')} as a whole number")
        self.data = int(raw)


class ThreePartDateField(DateField):
    """Day, month and year inputs that share one name; a tampered form with the
    wrong number of parts gets a message, never an error page."""

    def process_formdata(self, valuelist):
        if valuelist and len(valuelist) != 3:
            valuelist = (list(valuelist) + ["", "", ""])[:3]
            self.raw_data = valuelist
        if valuelist and not any(part.strip() for part in valuelist):
            self.data = None
            return
        if valuelist and any(len(part) > 8 for part in valuelist):
            self.data = None
            self.raw_data = [part[:8] for part in valuelist]
            raise ValueError("Enter a real date")
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a real date, with a day, month and year, like 27 3 2027")


def date_field(label: str, description: str, required: str | None = None) -> ThreePartDateField:
    """A GOV.UK day-month-year date; `required` is the message when it is left empty."""
    return ThreePartDateField(
        label,
        description=description,
        widget=GovDateInput(),
        validators=[InputRequired(message=required)] if required else [Optional()],
        format="%d %m %Y",
    )


def parse_pounds(raw: str | None) -> Decimal | None:
    """An amount in pounds as people type it ("2,400", "£1,250.50", "-5") as a Decimal;
    None when empty. ValueError("format") when it is not an amount, ValueError("pence")
    when it has fractions of a penny. Each form words the messages for its field."""
    text = (raw or "").strip().replace(",", "").replace(" ", "")
    negative = text.startswith("-")
    text = text.lstrip("-").lstrip("£")
    if not text:
        return None
    if len(text) > 20:
        raise ValueError("format")
    try:
        amount = Decimal(text)
        if not amount.is_finite():  # "NaN" and "Infinity" parse as Decimals
            raise ValueError("format")
        exact = amount == amount.quantize(Decimal("0.01"))
    except InvalidOperation:  # "abc", or "1e30" (beyond Decimal's precision)
        raise ValueError("format")
    if not exact:
        raise ValueError("pence")
    return -amount if negative else amount
