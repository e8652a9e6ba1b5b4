"""Places: the admin's ward and postcode uploads, priority themes and their measures,
and the public postcode search (rules in models/places/)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
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
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from brokerage.forms import PoundsField, csv_file_field, postcode_field
from brokerage.rule_messages import lazy_label
from models import NeedKind
from models.places.themes import DeliveredThrough


class WardsUploadForm(FlaskForm):
    file = FileField(
        _l("Ward boundaries (GeoJSON)"),
        description=_l("An ONS FeatureCollection with WDyyCD and WDyyNM properties."),
        widget=GovFileInput(),
        validators=[
            FileRequired(message=_l("Select a GeoJSON file")),
            FileAllowed(["geojson", "json"], message=_l("The file must be GeoJSON (.geojson or .json)")),
        ],
    )
    submit = SubmitField(_l("Import wards"), widget=GovSubmitInput())


class PostcodesUploadForm(FlaskForm):
    file = csv_file_field(
        _l("Postcode to ward lookup (CSV)"),
        _l("With a pcds column and a ward code column (ward_code or osward), as in Code-Point Open extracts or the ONS postcode directory."),
    )
    submit = SubmitField(_l("Import postcodes"), widget=GovSubmitInput())


class IndicatorsUploadForm(FlaskForm):
    file = csv_file_field(
        _l("Ward indicators (CSV)"),
        _l("With the columns ward_code, indicator, value, source and year: one line per ward, indicator and year. Up to 2 MB."),
    )
    submit = SubmitField(_l("Import indicators"), widget=GovSubmitInput())


class IndicatorChoiceForm(FlaskForm):
    """Which local indicator matching and the ward map use (choices set by the view)."""

    indicator = RadioField(_l("Local indicator for matching and the ward map"), widget=GovRadioInput(),
                           validators=[InputRequired(message=_l("Choose an indicator"))])
    direction = RadioField(
        _l("For an imported indicator, which values mean more need?"), widget=GovRadioInput(),
        choices=[SelectChoice("lower", _l("Lower values (as for the Social Progress Index: higher is better)")),
                 SelectChoice("higher", _l("Higher values (as for an unemployment rate)"))],
        validators=[InputRequired(message=_l("Choose which values mean more need"))],
    )
    save_indicator = SubmitField(_l("Save the indicator choice"), widget=GovSubmitInput())


class ThemeForm(FlaskForm):
    name = StringField(
        _l("Name"), widget=GovTextInput(), validators=[InputRequired(message=_l("Enter the theme's name")), Length(max=160)]
    )
    description = TextAreaField(_l("Description (optional)"), widget=GovTextArea(), validators=[Length(max=2000)])
    active = BooleanField(_l("Offer this theme for new needs and commitments"), widget=GovCheckboxInput(), default=True)
    submit = SubmitField(_l("Save theme"), widget=GovSubmitInput())


class MeasureForm(FlaskForm):
    theme_id = SelectField(_l("Theme"), widget=GovSelect(), coerce=int)
    name = StringField(_l("Name"), widget=GovTextInput(), validators=[InputRequired(message=_l("Enter the measure's name")), Length(max=160)])
    unit = StringField(
        _l("Unit"),
        description=_l("For example: hours, weeks, £, laptops."),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the unit")), Length(max=40)],
        render_kw={"params": {"classes": "govuk-input--width-10"}},
    )
    proxy_value = PoundsField(
        _l("Proxy value of one unit, in pounds (optional)"),
        description=_l("TOMs-style value, so delivered quantities can be added up in pounds. Leave blank if there is none."),
        not_an_amount=_l("Enter an amount in pounds, like 15.50"),
        example="15.50",
        what=_l("The proxy value"),
        maximum_pence=1_000_000 * 100,
        widget=GovTextInput(),
        validators=[Optional(), Length(max=20)],
        render_kw={"params": {"classes": "govuk-input--width-10"}, "inputmode": "decimal"},
    )
    need_kind = RadioField(
        _l("Kind of need it meets"),
        widget=GovRadioInput(),
        choices=[SelectChoice("", _l("Any"))] + [SelectChoice(kind.value, lazy_label(kind.label)) for kind in NeedKind],
        validate_choice=True,
        default="",
    )
    delivered_through = RadioField(
        _l("How is its delivery evidenced?"),
        widget=GovRadioInput(),
        choices=[SelectChoice(choice.value, lazy_label(choice.label)) for choice in DeliveredThrough],
        validate_choice=True,
        default="needs",
    )
    is_spend = BooleanField(
        _l("Money spent with suppliers: returns split it by supplier type (size, VCSE, based in the borough)"),
        widget=GovCheckboxInput(),
    )
    active = BooleanField(_l("Offer this measure for new commitments"), widget=GovCheckboxInput(), default=True)
    submit = SubmitField(_l("Save measure"), widget=GovSubmitInput())


class PostcodeForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form: nothing changes

    postcode = postcode_field(_l("Postcode"), description=_l("For example, HA0 1AB"), required=True)
    submit = SubmitField(_l("Find my ward"), widget=GovSubmitInput())
