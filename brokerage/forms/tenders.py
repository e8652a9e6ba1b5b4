"""Tenders: recording a tender, curating its bid pack, a supplier's offer (reserve a need,
propose a commitment, submit), the officers' assessment and the award. The rules in
models/tenders/ decide; their DomainError lands beside the field of the same name."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovFileInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from sqlalchemy import select
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import Select

from brokerage.forms import PoundsField, WholeNumberField, date_field
from models import Measure, Theme, Ward, db
from models.contracts.models import MAX_CONTRACT_VALUE_PENCE
from models.tenders.rules import LineDetails, TenderDetails


def _ward_choices() -> list[SelectChoice]:
    return [SelectChoice(i, name) for i, name in db.session.execute(select(Ward.id, Ward.name).order_by(Ward.name)).all()]


class _PlacesForm(FlaskForm):
    """The themes and wards a tender touches: they choose its bid pack."""

    theme_ids = SelectMultipleField(_l("Priority themes it touches (optional)"), widget=GovCheckboxesInput(), coerce=int, validate_choice=True)
    ward_ids = SelectMultipleField(
        _l("Wards it touches (optional)"), description=_l("Leave all unticked for the whole borough."), widget=GovCheckboxesInput(), coerce=int, validate_choice=True,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.theme_ids.choices = [
            SelectChoice(i, name) for i, name in db.session.execute(
                select(Theme.id, Theme.name).where(Theme.active.is_(True)).order_by(Theme.position, Theme.id)
            ).all()
        ]
        self.ward_ids.choices = _ward_choices()
        self.theme_ids.data = self.theme_ids.data or []
        self.ward_ids.data = self.ward_ids.data or []


class TenderForm(_PlacesForm):
    reference = StringField(
        _l("Tender reference"), widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the tender reference")), Length(max=160, message=_l("Reference must be 160 characters or fewer"))],
        render_kw={"params": {"classes": "govuk-input--width-20"}},
    )
    title = StringField(
        _l("Title"), widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the tender title")), Length(max=300, message=_l("Title must be 300 characters or fewer"))],
    )
    description = TextAreaField(
        _l("Description (optional)"), widget=GovTextArea(),
        validators=[Length(max=5000, message=_l("Description must be 5,000 characters or fewer"))],
    )
    buyer_department = StringField(
        _l("Buyer department (optional)"), widget=GovTextInput(),
        validators=[Optional(), Length(max=200, message=_l("Department must be 200 characters or fewer"))],
    )
    value = PoundsField(
        _l("Estimated value"), description=_l("The whole-life value in pounds. It sets the tier: what social value the tender asks for."),
        widget=GovTextInput(), validators=[InputRequired(message=_l("Enter the estimated value in pounds"))],
        what="The estimated value", maximum_pence=MAX_CONTRACT_VALUE_PENCE,
    )
    closing_date = date_field(_l("Closing date"), _l("The last day offers are taken. For example, 27 3 2027"), _l("Enter the closing date, with a day, month and year"))
    submit = SubmitField(_l("Record the tender"), widget=GovSubmitInput())

    def details(self) -> TenderDetails:
        return TenderDetails(
            self.reference.data or "", self.title.data or "", self.buyer_department.data, self.value.pence or 0,
            self.closing_date.data, self.description.data or "", tuple(self.theme_ids.data or ()), tuple(self.ward_ids.data or ()),
        )


class TenderPlacesForm(_PlacesForm):
    submit = SubmitField(_l("Save themes and wards"), widget=GovSubmitInput())


class TenderImportForm(FlaskForm):
    file = FileField(
        _l("Open Contracting (OCDS) file"),
        description=_l("Tender-stage releases as JSON, for example a Contracts Finder notice. Only this council's are recorded."),
        widget=GovFileInput(),
        validators=[FileRequired(message=_l("Select an OCDS JSON file")), FileAllowed(["json"], message=_l("The file must be JSON (.json)"))],
    )
    submit = SubmitField(_l("Record the tenders"), widget=GovSubmitInput())


class CurateForm(FlaskForm):
    key = HiddenField(validators=[InputRequired(message=_l("Choose an item of the bid pack"))])
    action = HiddenField(validators=[InputRequired(message=_l("Choose what to do"))])


class AddPackItemForm(FlaskForm):
    key = StringField(
        _l("Item to add"), description=_l("need:12 for need number 12, or measure:3 for measure number 3."), widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the item, like need:12")), Length(max=40, message=_l("Enter the item, like need:12"))],
        render_kw={"params": {"classes": "govuk-input--width-10"}},
    )
    submit = SubmitField(_l("Add to the bid pack"), widget=GovSubmitInput())


class WithdrawTenderForm(FlaskForm):
    reason = StringField(
        _l("Why is the tender withdrawn?"), widget=GovTextInput(),
        validators=[InputRequired(message=_l("Say why the tender is withdrawn")), Length(max=500, message=_l("The reason must be 500 characters or fewer"))],
    )
    submit = SubmitField(_l("Withdraw the tender"), widget=GovSubmitInput(), render_kw={"params": {"classes": "govuk-button--warning"}})


class ReserveForm(FlaskForm):
    need_id = SelectField(_l("Need from the bid pack"), widget=GovSelect(), coerce=int)
    quantity = WholeNumberField(
        _l("Quantity to reserve"), description=_l("In the need's unit, up to what it still needs."), widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the quantity as a whole number")), NumberRange(min=1, max=10**9, message=_l("Reserve at least 1"))],
        render_kw={"params": {"classes": "govuk-input--width-5", "inputmode": "numeric"}},
    )
    submit = SubmitField(_l("Reserve"), widget=GovSubmitInput())

    def __init__(self, needs: list[tuple[int, str]], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.need_id.choices = [SelectChoice(0, _l("Select a need"))] + [SelectChoice(i, label) for i, label in needs]

    def validate_need_id(self, field):
        if not field.data:
            raise ValidationError(_l("Select a need from the bid pack"))


class OfferLineForm(FlaskForm):
    measure_id = SelectField(_l("Measure"), widget=Select(), coerce=int)
    target_quantity = WholeNumberField(
        _l("Target quantity"), description=_l("A whole number, in the measure's unit."), widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the target quantity as a whole number")),
                    NumberRange(min=1, max=10**12, message=_l("The target must be a whole number of at least 1"))],
        render_kw={"params": {"classes": "govuk-input--width-10", "inputmode": "numeric"}},
    )
    due_date = date_field(_l("Due date"), _l("When it would be delivered by. For example, 31 3 2028"),
                          _l("Enter a real due date, with a day, month and year"))
    description = TextAreaField(
        _l("Description (optional)"), widget=GovTextArea(),
        validators=[Length(max=2000, message=_l("Description must be 2,000 characters or fewer"))],
    )
    pack_key = SelectField(_l("Bid pack item it answers (optional)"), widget=GovSelect(), validate_choice=True)
    ward_ids = SelectMultipleField(
        _l("Wards (optional)"), description=_l("Leave all unticked for the whole borough."), widget=GovCheckboxesInput(), coerce=int, validate_choice=True,
    )
    submit = SubmitField(_l("Add the commitment"), widget=GovSubmitInput())

    def __init__(self, pack_items: list[tuple[str, str]], *args, **kwargs):
        super().__init__(*args, **kwargs)
        measures = db.session.execute(
            select(Measure.id, Measure.name, Measure.unit, Theme.name).join(Theme, Theme.id == Measure.theme_id)
            .where(Measure.active.is_(True), Theme.active.is_(True)).order_by(Theme.position, Theme.id, Measure.name)
        ).all()
        self.measure_id.choices = [SelectChoice(0, _l("Select a measure"))] + [
            SelectChoice(i, f"{name} ({unit})", optgroup=theme) for i, name, unit, theme in measures
        ]
        self.pack_key.choices = [SelectChoice("", _l("None in particular"))] + [SelectChoice(k, label) for k, label in pack_items]
        self.ward_ids.choices = _ward_choices()
        self.ward_ids.data = self.ward_ids.data or []

    def validate_measure_id(self, field):
        if not field.data:
            raise ValidationError(_l("Select a measure"))

    def details(self) -> LineDetails:
        return LineDetails(
            self.measure_id.data, self.target_quantity.data, self.due_date.data, self.description.data or "",
            tuple(self.ward_ids.data or ()), self.pack_key.data or None,
        )


class SubmitOfferForm(FlaskForm):
    summary = TextAreaField(
        _l("Summary of your offer (optional)"), widget=GovTextArea(),
        validators=[Length(max=2000, message=_l("The summary must be 2,000 characters or fewer"))],
    )
    submit = SubmitField(_l("Submit the sealed offer"), widget=GovSubmitInput())


class AssessForm(FlaskForm):
    score = WholeNumberField(
        _l("Score (0 to 100)"), widget=GovTextInput(), validators=[Optional(), NumberRange(min=0, max=100, message=_l("Enter a score from 0 to 100"))],
        render_kw={"params": {"classes": "govuk-input--width-3", "inputmode": "numeric"}},
    )
    notes = TextAreaField(_l("Notes (optional)"), widget=GovTextArea(), validators=[Length(max=4000, message=_l("Notes must be 4,000 characters or fewer"))])
    submit = SubmitField(_l("Save the assessment"), widget=GovSubmitInput())


class AwardForm(FlaskForm):
    # Any number is posted on: the rule refuses an offer that is not one of this tender's.
    offer_id = SelectField(_l("Offer to award"), widget=GovSelect(), coerce=int, validate_choice=False)
    value = PoundsField(
        _l("Contract value (optional)"), description=_l("Leave empty for the tender's estimated value."), widget=GovTextInput(),
        what="The contract value", maximum_pence=MAX_CONTRACT_VALUE_PENCE,
    )
    start_date = date_field(_l("Contract start date (optional)"), _l("For example, 1 4 2027"))
    end_date = date_field(_l("Contract end date (optional)"), _l("For example, 31 3 2030"))
    submit = SubmitField(_l("Award the contract"), widget=GovSubmitInput())

    def __init__(self, offers: list[tuple[int, str]], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_id.choices = [SelectChoice(0, _l("Select an offer"))] + [SelectChoice(i, label) for i, label in offers]

    def validate_offer_id(self, field):
        if not field.data:
            raise ValidationError(_l("Select the offer to award"))
