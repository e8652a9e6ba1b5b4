from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from brokerage.forms import parse_pounds
from models import NeedKind, Role


class SettingsForm(FlaskForm):
    council_name = StringField(
        "Council name",
        description="Shown in the header of every page and in emails.",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the council's name"), Length(max=120)],
    )
    live_need_cap = IntegerField(
        "Most live needs per community group",
        description="Needs waiting for review, open or fully pledged count as live.",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the most live needs a group may have, as a whole number"),
            NumberRange(min=1, max=100, message="Enter a number between 1 and 100"),
        ],
        render_kw={"params": {"classes": "govuk-input--width-4", "inputmode": "numeric"}},
    )
    tier_basic_from = StringField(
        "Basic tier from (£)",
        description="Contracts worth this or more need a contribution in 1 to 2 priority themes. Brent: 215,000.",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the basic tier threshold in pounds")],
        render_kw={"params": {"classes": "govuk-input--width-10", "prefix": {"text": "£"}, "inputmode": "decimal"}},
    )
    tier_kpi_from = StringField(
        "KPI tier from (£)",
        description="Contracts worth this or more need clear commitments with KPIs. Brent: 1,000,000.",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the KPI tier threshold in pounds")],
        render_kw={"params": {"classes": "govuk-input--width-10", "prefix": {"text": "£"}, "inputmode": "decimal"}},
    )
    tier_strategic_over = StringField(
        "Strategic tier over (£)",
        description="Contracts worth more than this need at least 3 KPIs across several themes. Brent: 5,000,000.",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the strategic tier threshold in pounds")],
        render_kw={"params": {"classes": "govuk-input--width-10", "prefix": {"text": "£"}, "inputmode": "decimal"}},
    )
    at_risk_days = IntegerField(
        "At risk: days before the due date",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the number of days, as a whole number"),
            NumberRange(min=1, max=730, message="Enter a number of days between 1 and 730"),
        ],
        render_kw={"params": {"classes": "govuk-input--width-4", "inputmode": "numeric"}},
    )
    at_risk_percent = IntegerField(
        "At risk: below this share delivered (%)",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the share as a whole number of per cent"),
            NumberRange(min=1, max=100, message="Enter a percentage between 1 and 100"),
        ],
        render_kw={"params": {"classes": "govuk-input--width-4", "inputmode": "numeric"}},
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.threshold_pence = {}
        for name in ("tier_basic_from", "tier_kpi_from", "tier_strategic_over"):
            field = getattr(self, name)
            if field.errors:
                continue
            try:
                self.threshold_pence[name] = pounds_to_pence(field.data, "The threshold", 100_000_000_000)
            except ValidationError as error:
                field.errors = [*field.errors, str(error)]
                ok = False
        values = [self.threshold_pence.get(name) for name in ("tier_basic_from", "tier_kpi_from", "tier_strategic_over")]
        if ok and None not in values and not values[0] <= values[1] <= values[2]:
            self.tier_kpi_from.errors = [*self.tier_kpi_from.errors, "The thresholds must rise: basic, then KPI, then strategic"]
            ok = False
        return ok


class WardsUploadForm(FlaskForm):
    file = FileField(
        "Ward boundaries (GeoJSON)",
        description="An ONS FeatureCollection with WDyyCD and WDyyNM properties.",
        widget=GovFileInput(),
        validators=[
            FileRequired(message="Select a GeoJSON file"),
            FileAllowed(["geojson", "json"], message="The file must be GeoJSON (.geojson or .json)"),
        ],
    )
    submit = SubmitField("Import wards", widget=GovSubmitInput())


class PostcodesUploadForm(FlaskForm):
    file = FileField(
        "Postcode to ward lookup (CSV)",
        description="With a pcds column and a ward code column (ward_code or osward), as in Code-Point Open extracts or the ONS postcode directory.",
        widget=GovFileInput(),
        validators=[FileRequired(message="Select a CSV file"), FileAllowed(["csv"], message="The file must be a CSV")],
    )
    submit = SubmitField("Import postcodes", widget=GovSubmitInput())


class ThemeForm(FlaskForm):
    name = StringField(
        "Name", widget=GovTextInput(), validators=[InputRequired(message="Enter the theme's name"), Length(max=160)]
    )
    description = TextAreaField("Description", widget=GovTextArea(), validators=[Length(max=2000)])
    active = BooleanField("Offer this theme for new needs and commitments", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save theme", widget=GovSubmitInput())


def pounds_to_pence(value: str | None, what: str = "The proxy value", maximum: int = 1_000_000) -> int | None:
    try:
        amount = parse_pounds(value)
    except ValueError as error:
        if str(error) == "pence":
            raise ValidationError("Enter pounds and pence only, like 15.50")
        raise ValidationError("Enter an amount in pounds, like 15.50")
    if amount is None:
        return None
    if amount < 0:
        raise ValidationError(f"{what} cannot be negative")
    if amount > Decimal(maximum):
        raise ValidationError(f"{what} must be £{maximum:,} or less")
    return int(amount * 100)


class MeasureForm(FlaskForm):
    theme_id = SelectField("Theme", widget=GovSelect(), coerce=int)
    name = StringField("Name", widget=GovTextInput(), validators=[InputRequired(message="Enter the measure's name"), Length(max=160)])
    unit = StringField(
        "Unit",
        description="For example: hours, weeks, £, laptops.",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the unit"), Length(max=40)],
        render_kw={"params": {"classes": "govuk-input--width-10"}},
    )
    proxy_value = StringField(
        "Proxy value of one unit, in pounds (optional)",
        description="TOMs-style value, so delivered quantities can be added up in pounds. Leave blank if there is none.",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=20)],
        render_kw={"params": {"classes": "govuk-input--width-10"}, "inputmode": "decimal"},
    )
    need_kind = RadioField(
        "Kind of need it meets",
        widget=GovRadioInput(),
        choices=[SelectChoice("", "Any")] + [SelectChoice(kind.value, kind.label) for kind in NeedKind],
        validate_choice=True,
        default="",
    )
    active = BooleanField("Offer this measure for new commitments", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save measure", widget=GovSubmitInput())

    def validate_proxy_value(self, field):
        self.proxy_value_pence = pounds_to_pence(field.data)


class RoleForm(FlaskForm):
    role = RadioField(
        "Role", widget=GovRadioInput(), choices=[SelectChoice(role.value, role.label) for role in Role], validators=[InputRequired()]
    )
    submit = SubmitField("Change role", widget=GovSubmitInput())
