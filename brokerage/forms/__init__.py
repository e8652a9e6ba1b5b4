"""Forms, a module per domain named as its models/ package (needs.py for models/needs/,
voting.py for models/voting/, ...), whichever blueprint shows them. This module holds
what forms of several domains share: fields, validators and buttons."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovFileInput, GovSubmitInput, GovTextInput
from wtforms import DateField, IntegerField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from brokerage.templating import format_money
from models.places.wards import lookup_postcode


def email_field(label: str = _l("Email address"), description: str = "") -> StringField:
    return StringField(
        label,
        description=description,
        widget=GovTextInput(),
        validators=[
            Length(max=254, message=_l("Email address must be 254 characters or fewer")),
            Email(message=_l("Enter an email address in the correct format, like name@example.com")),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


def csv_file_field(
    label: str, description: str, required: str = _l("Select a CSV file"), not_csv: str = _l("The file must be a CSV")
) -> FileField:
    """A required upload of one CSV file (imports of returns, postcodes, planning data)."""
    return FileField(
        label, description=description, widget=GovFileInput(),
        validators=[FileRequired(message=required), FileAllowed(["csv"], message=not_csv)],
    )


class BoroughPostcode:
    """A postcode in the council's postcode table; puts the match on field.postcode_row."""

    def __call__(self, form, field):
        if not field.data:
            field.postcode_row = None
            return
        normalised, row = lookup_postcode(field.data)
        if normalised is None:
            raise ValidationError(_("Enter a real postcode, like HA0 1AB"))
        if row is None:
            raise ValidationError(_("%(postcode)s is not in this council's area. Check the postcode you entered.", postcode=normalised))
        field.data = normalised
        field.postcode_row = row


def postcode_field(label: str = _l("Postcode"), description: str = "", required: bool = False) -> StringField:
    validators = [InputRequired(message=_l("Enter your postcode"))] if required else [Optional()]
    return StringField(
        label,
        description=description,
        widget=GovTextInput(),
        validators=[*validators, Length(max=16, message=_l("Enter a real postcode, like HA0 1AB")), BoroughPostcode()],
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
            raise ValueError(_("Enter %(what)s as a whole number", what=str(self.label.text).lower().rstrip("?")))
        self.data = int(raw)


class ThreePartDateField(DateField):
    """Day, month and year inputs that share one name; a tampered form with the
    wrong number of parts gets a message, never an error page. A form posted without
    the field at all reads as three empty boxes: the field's own message for an empty
    date (or nothing, for an optional one), and the widget has three parts to show."""

    def process_formdata(self, valuelist):
        if not valuelist:
            self.raw_data = ["", "", ""]
            self.data = None
            return
        if len(valuelist) != 3:
            valuelist = (list(valuelist) + ["", "", ""])[:3]
            self.raw_data = valuelist
        if valuelist and not any(part.strip() for part in valuelist):
            self.data = None
            return
        if valuelist and any(len(part) > 8 for part in valuelist):
            self.data = None
            self.raw_data = [part[:8] for part in valuelist]
            raise ValueError(_("Enter a real date"))
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Enter a real date, with a day, month and year, like 27 3 2027"))


class DateInput(GovDateInput):
    """GOV.UK's day, month and year boxes with their labels in the page's language
    (govuk-frontend-wtf writes "Day", "Month" and "Year" in English)."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        labels = (_("Day"), _("Month"), _("Year"))
        params["items"] = [{**item, "label": label} for item, label in zip(params["items"], labels)]
        return params


def date_field(label: str, description: str, required: str | None = None) -> ThreePartDateField:
    """A GOV.UK day-month-year date; `required` is the message when it is left empty."""
    return ThreePartDateField(
        label,
        description=description,
        widget=DateInput(),
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


class PoundsField(StringField):
    """An amount in pounds as people type it ("2,400", "£1,250.50"), kept as text so a page
    shows back what was typed; after validation `.pence` holds the amount in pence, or None
    when the box is empty or holds no amount.

    The amount is read after the field's validators, so an InputRequired or Optional on the
    field speaks first about an empty box. The messages: `not_an_amount` when the text is
    no amount, "Enter pounds and pence only, like <example>" for fractions of a penny, and
    `required` (if given) when it is empty; a form may word them for its field. With `what`
    ("The value") it also refuses "<what> cannot be negative" and, with `maximum_pence`,
    "<what> must be £<maximum> or less"; without `what` the sign is kept, so that the rule
    can say why a negative amount is wrong."""

    pence: int | None = None

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        not_an_amount: str = _l("Enter the amount in pounds, like 250000 or 250,000.50"),
        example: str = "250,000.50",
        required: str | None = None,
        what: str | None = None,
        maximum_pence: int | None = None,
        **kwargs,
    ):
        # Every amount box looks the same: a £ prefix, ten characters wide, a decimal keypad.
        kwargs.setdefault("widget", GovTextInput())
        kwargs.setdefault("render_kw", {"params": {"classes": "govuk-input--width-10", "prefix": {"text": "£"}, "inputmode": "decimal"}})
        super().__init__(label, validators, **kwargs)
        self.not_an_amount, self.example, self.required_message = not_an_amount, example, required
        self.what, self.maximum_pence = what, maximum_pence

    def post_validate(self, form, validation_stopped: bool) -> None:
        self.pence = None
        if validation_stopped:
            return
        try:
            amount = parse_pounds(self.data)
        except ValueError as error:
            if str(error) == "pence":
                raise ValidationError(_("Enter pounds and pence only, like %(example)s", example=self.example))
            raise ValidationError(self.not_an_amount)
        if amount is None:
            if self.required_message:
                raise ValidationError(self.required_message)
            return
        if self.what is not None:
            if amount < 0:
                raise ValidationError(_("%(what)s cannot be negative", what=self.what))
            if self.maximum_pence is not None and amount * 100 > self.maximum_pence:
                raise ValidationError(_("%(what)s must be %(maximum)s or less", what=self.what, maximum=format_money(self.maximum_pence)))
        self.pence = int(amount * 100)


class ConfirmForm(FlaskForm):
    """A button that confirms a step (CSRF-protected)."""

    submit = SubmitField(_l("Confirm"), widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """A button that changes state (CSRF-protected), with an optional reason."""

    reason = StringField(_l("Reason (optional)"), widget=GovTextInput(), validators=[Length(max=500)])
    submit = SubmitField(_l("Confirm"), widget=GovSubmitInput())


def password_toggle() -> dict:
    """govukPasswordInput's button and what screen readers hear when it is pressed."""
    return {
        "showPasswordText": _l("Show"),
        "hidePasswordText": _l("Hide"),
        "showPasswordAriaLabelText": _l("Show password"),
        "hidePasswordAriaLabelText": _l("Hide password"),
        "passwordShownAnnouncementText": _l("Your password is visible"),
        "passwordHiddenAnnouncementText": _l("Your password is hidden"),
    }


def character_count(maxlength: int) -> dict:
    """govukCharacterCount's hint and live count. The script picks the plural form for the
    page's language (Welsh has six: zero, one, two, few, many, other); "%{count}" is its
    placeholder, filled in by the script."""
    under, over = _l("You have %{count} characters remaining"), _l("You have %{count} characters too many")
    return {
        "maxlength": maxlength,
        "textareaDescriptionText": _l("You can enter up to %{count} characters"),
        "charactersUnderLimitText": {
            "zero": under, "one": _l("You have %{count} character remaining"), "two": under, "few": under,
            "many": under, "other": under,
        },
        "charactersAtLimitText": _l("You have 0 characters remaining"),
        "charactersOverLimitText": {
            "zero": over, "one": _l("You have %{count} character too many"), "two": over, "few": over,
            "many": over, "other": over,
        },
    }
