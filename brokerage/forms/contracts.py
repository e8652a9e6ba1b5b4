"""Contracts: contracts and commitments (officers and suppliers) and the OCDS upload.

The forms parse what was typed; the rules in models/contracts/ decide (a
negative value, an end date before the start, a duplicate reference), and their
DomainError lands beside the field of the same name."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from sqlalchemy import select
from wtforms import Form, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import Select

from brokerage.forms import PoundsField, WholeNumberField, date_field
from brokerage.rule_messages import lazy_label, translate_label
from models import Measure, Organisation, Theme, User, Ward, db
from models.contracts.agreements import KINDS
from models.contracts.rules import CommitmentDetails, ContractDetails
from models.contracts.tiers import Tier


class ContractForm(FlaskForm):
    reference = StringField(
        _l("Contract reference"),
        description=_l("The council's reference for the contract. For example: BRENT-2025-0142."),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the contract reference")), Length(max=160, message=_l("Reference must be 160 characters or fewer"))],
        render_kw={"params": {"classes": "govuk-input--width-20"}},
    )
    title = StringField(
        _l("Title"),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the contract title")), Length(max=300, message=_l("Title must be 300 characters or fewer"))],
    )
    buyer_department = StringField(
        _l("Buyer department (optional)"),
        description=_l("For example: Environment and Leisure."),
        widget=GovTextInput(),
        validators=[Optional(), Length(max=200, message=_l("Department must be 200 characters or fewer"))],
    )
    supplier_id = SelectField(_l("Supplier"), widget=GovSelect(), coerce=int)
    value = PoundsField(
        _l("Contract value"),
        description=_l("The whole-life value in pounds. It sets the contract's social value tier."),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the contract value in pounds"))],
    )
    start_date = date_field(_l("Start date (optional)"), _l("For example, 1 4 2025"))
    end_date = date_field(_l("End date (optional)"), _l("For example, 31 3 2028"))
    submit = SubmitField(_l("Record the contract"), widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        suppliers = db.session.execute(
            select(Organisation.id, Organisation.name, Organisation.status)
            .where(Organisation.kind == "supplier")
            .order_by(Organisation.name, Organisation.id)
        ).all()
        self.supplier_id.choices = [SelectChoice(0, _l("Select a supplier"))] + [
            SelectChoice(organisation_id, name if status == "verified" else _l("%(name)s (not verified)", name=name))
            for organisation_id, name, status in suppliers
        ]

    def validate_supplier_id(self, field):
        if not field.data:
            raise ValidationError(_l("Select the supplier"))

    def details(self) -> ContractDetails:
        return ContractDetails(
            reference=self.reference.data or "",
            title=self.title.data or "",
            buyer_department=self.buyer_department.data,
            supplier_id=self.supplier_id.data,
            value_pence=self.value.pence,
            start_date=self.start_date.data,
            end_date=self.end_date.data,
        )


class ContractFilterForm(Form):
    """The contracts list's filters (a GET form: no CSRF, nothing changes)."""

    supplier = SelectField(_l("Supplier"), widget=GovSelect(), coerce=int, validators=[Optional()])
    tier = SelectField(_l("Tier"), widget=GovSelect(), validators=[Optional()])
    kind = SelectField(_l("Kind of agreement"), widget=GovSelect(), validators=[Optional()])

    def __init__(self, formdata, suppliers: list[tuple[int, str]]):
        super().__init__(formdata)
        self.supplier.choices = [SelectChoice(0, _l("All suppliers"))] + [SelectChoice(i, name) for i, name in suppliers]
        self.tier.choices = [SelectChoice("", _l("All tiers"))] + [SelectChoice(tier.value, translate_label(tier.label)) for tier in Tier]
        self.kind.choices = [SelectChoice("", _l("All kinds"))] + [SelectChoice(k.value, translate_label(k.label)) for k in KINDS.values()]


class CommitmentForm(FlaskForm):
    # A plain <select> so the measures are grouped by theme in <optgroup>s
    # (the GOV.UK select macro has no groups); the template adds the GOV.UK markup.
    measure_id = SelectField(_l("Measure"), widget=Select(), coerce=int)
    target_quantity = WholeNumberField(
        _l("Target quantity"),
        description=_l("A whole number, in the measure's unit."),
        widget=GovTextInput(),
        validators=[
            InputRequired(message=_l("Enter the target quantity as a whole number")),
            NumberRange(min=1, max=10**12, message=_l("The target must be a whole number of at least 1")),
        ],
        render_kw={"params": {"classes": "govuk-input--width-10", "inputmode": "numeric"}},
    )
    due_date = date_field(
        _l("Due date"), _l("When it must be delivered by. For example, 31 3 2026"), _l("Enter a real due date, with a day, month and year")
    )
    description = TextAreaField(
        _l("Description (optional)"),
        description=_l("What the supplier promised, in the words of the bid."),
        widget=GovTextArea(),
        validators=[Length(max=2000, message=_l("Description must be 2,000 characters or fewer"))],
    )
    ward_ids = SelectMultipleField(
        _l("Preferred wards (optional)"),
        description=_l("Leave all unticked for the whole borough."),
        widget=GovCheckboxesInput(),
        coerce=int,
        validate_choice=True,
    )
    submit = SubmitField(_l("Save the commitment"), widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        measures = db.session.execute(
            select(Measure.id, Measure.name, Measure.unit, Theme.name)
            .join(Theme, Theme.id == Measure.theme_id)
            .where(Measure.active.is_(True), Theme.active.is_(True))
            .order_by(Theme.position, Theme.id, Measure.name)
        ).all()
        self.measure_id.choices = [SelectChoice(0, _l("Select a measure"))] + [
            SelectChoice(measure_id, f"{name} ({unit})", optgroup=theme) for measure_id, name, unit, theme in measures
        ]
        wards = db.session.execute(select(Ward.id, Ward.name).order_by(Ward.name)).all()
        self.ward_ids.choices = [SelectChoice(ward_id, name) for ward_id, name in wards]
        if self.ward_ids.data is None:
            self.ward_ids.data = []

    def validate_measure_id(self, field):
        if not field.data:
            raise ValidationError(_l("Select a measure"))

    def details(self) -> CommitmentDetails:
        return CommitmentDetails(
            measure_id=self.measure_id.data,
            target_quantity=self.target_quantity.data,
            due_date=self.due_date.data,
            description=self.description.data or "",
            ward_ids=tuple(self.ward_ids.data or ()),
        )


class DecisionForm(FlaskForm):
    approve = SubmitField(_l("Approve"), widget=GovSubmitInput())
    reject = SubmitField(_l("Reject"), widget=GovSubmitInput())


class RemedialPlanForm(FlaskForm):
    action = TextAreaField(
        _l("What will the supplier do?"),
        widget=GovTextArea(),
        validators=[InputRequired(message=_l("Say what the supplier will do")), Length(max=2000, message=_l("The action must be 2,000 characters or fewer"))],
    )
    new_date = date_field(
        _l("New date"),
        _l("When the shortfall will be made good. For example, 30 9 2026"),
        _l("Enter a real new date, with a day, month and year"),
    )
    owner = StringField(
        _l("Owner"),
        description=_l("Who at the supplier answers for the plan."),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Say who owns the plan")), Length(max=160, message=_l("Owner must be 160 characters or fewer"))],
    )
    submit = SubmitField(_l("Save the remedial plan"), widget=GovSubmitInput())


class SettlementForm(FlaskForm):
    kind = RadioField(
        _l("How is the commitment settled?"),
        widget=GovRadioInput(),
        choices=[
            SelectChoice("fund_payment", _l("Payment in lieu into the Social Value Fund")),
            SelectChoice("credit", _l("Officer-approved credit for a substitute delivery")),
        ],
        validators=[InputRequired(message=_l("Choose how the commitment is settled"))],
    )
    amount = PoundsField(
        _l("Amount paid into the Social Value Fund"),
        description=_l("Only for a payment in lieu."),
        widget=GovTextInput(),
    )
    credit_description = TextAreaField(
        _l("Substitute delivery the credit is for"),
        description=_l("Only for a credit."),
        widget=GovTextArea(),
        validators=[Length(max=2000, message=_l("The description must be 2,000 characters or fewer"))],
    )
    submit = SubmitField(_l("Settle the commitment"), widget=GovSubmitInput())


class OcdsUploadForm(FlaskForm):
    file = FileField(
        _l("Open Contracting (OCDS) file"),
        description=_l("A release package, a record package or a list of releases, as JSON: for example a Contracts Finder download."),
        widget=GovFileInput(),
        validators=[
            FileRequired(message=_l("Select an OCDS JSON file")),
            FileAllowed(["json"], message=_l("The file must be JSON (.json)")),
        ],
    )
    submit = SubmitField(_l("Preview the import"), widget=GovSubmitInput())


def _optional_text(label, what, hint="", max_length: int = 300, area: bool = False):
    field = TextAreaField if area else StringField
    return field(
        label,
        description=hint,
        widget=GovTextArea() if area else GovTextInput(),
        validators=[Optional(), Length(max=max_length, message=_l("%(what)s: no more than %(num)s characters", what=what,
                                                                   num=f"{max_length:,}"))],
    )


class AgreementForm(ContractForm):
    """An agreement of any kind (models/contracts/agreements.py): a contract's fields, the
    kind, the responsible officer, and the fields each kind's officers know. The fields a
    kind requires are checked by the rule, and the message shown beside the field."""

    kind = RadioField(_l("Kind of agreement"), widget=GovRadioInput(), choices=[SelectChoice(k.value, lazy_label(k.label)) for k in KINDS.values()],
                      validators=[InputRequired(message=_l("Select the kind of agreement"))])
    responsible_officer_id = SelectField(_l("Responsible officer"), widget=GovSelect(), coerce=int)
    planning_reference = _optional_text(_l("Planning application reference (planning obligations)"), _l("Planning application reference"), _l("For example: 19/0160/FUL"), 120)
    site = _optional_text(_l("Site (planning obligations)"), _l("Site"))
    ward_id = SelectField(_l("Ward of the site (planning obligations)"), widget=GovSelect(), coerce=int, validators=[Optional()])
    trigger = _optional_text(_l("Trigger (planning obligations)"), _l("Trigger"), _l("For example: on commencement, before occupation"), 200)
    programme = _optional_text(_l("Grant programme (grants)"), _l("Grant programme"), "", 200)
    asset = _optional_text(_l("Asset (community asset transfers)"), _l("Asset"))
    lease_terms = _optional_text(_l("Lease terms (community asset transfers)"), _l("Lease terms"), _l("For example: 25-year lease at a peppercorn rent"), 2000, area=True)
    submit = SubmitField(_l("Record the agreement"), widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reference.label.text = _l("Reference")
        self.title.label.text = _l("Title")
        self.buyer_department.label.text = _l("Responsible directorate")
        self.buyer_department.description = _l("For example: Regeneration, Growth and Employment.")
        self.buyer_department.validators = [InputRequired(message=_l("Enter the responsible directorate")),
                                            Length(max=200, message=_l("Directorate must be 200 characters or fewer"))]
        self.supplier_id.label.text = _l("Supplier, developer, recipient or organisation")
        self.supplier_id.description = _l("For council employment, leave this unselected: the council is the employer.")
        self.value.label.text = _l("Value")
        self.value.description = _l("The contract value, contributions secured, grant or amount invested, in pounds.")
        organisations = db.session.execute(
            select(Organisation.id, Organisation.name, Organisation.kind).order_by(Organisation.name, Organisation.id)
        ).all()
        self.supplier_id.choices = [SelectChoice(0, _l("Select an organisation"))] + [
            SelectChoice(organisation_id, _l("%(name)s (VCSE)", name=name) if kind == "vcse" else _l("%(name)s (supplier)", name=name))
            for organisation_id, name, kind in organisations
        ]
        officers = db.session.execute(
            select(User.id, User.name).where(User.role.in_(("officer", "admin"))).order_by(User.name, User.id)
        ).all()
        self.responsible_officer_id.choices = [SelectChoice(0, _l("Select an officer"))] + [
            SelectChoice(user_id, name) for user_id, name in officers
        ]
        wards = db.session.execute(select(Ward.id, Ward.name).order_by(Ward.name)).all()
        self.ward_id.choices = [SelectChoice(0, _l("Select a ward"))] + [SelectChoice(w, name) for w, name in wards]

    def validate_supplier_id(self, field):
        if not field.data and self.kind.data != "employment":
            raise ValidationError(_l("Select the organisation"))

    def validate_responsible_officer_id(self, field):
        if not field.data:
            raise ValidationError(_l("Select the responsible officer"))

    def details(self) -> ContractDetails:
        details = super().details()
        details.kind = self.kind.data
        details.responsible_officer_id = self.responsible_officer_id.data or None
        for name in ("planning_reference", "site", "trigger", "programme", "asset", "lease_terms"):
            setattr(details, name, getattr(self, name).data)
        details.ward_id = self.ward_id.data or None
        return details


def agreement_form_data(agreement) -> dict:
    """What the agreement form shows when an agreement is changed."""
    from models.contracts.rules import KIND_FIELDS

    return {
        "kind": agreement.kind, "reference": agreement.reference, "title": agreement.title,
        "buyer_department": agreement.buyer_department, "supplier_id": agreement.supplier_id,
        "responsible_officer_id": agreement.responsible_officer_id or 0,
        "value": f"{agreement.value_pence / 100:,.2f}", "start_date": agreement.start_date, "end_date": agreement.end_date,
        **{name: getattr(agreement, name) for name in KIND_FIELDS}, "ward_id": agreement.ward_id or 0,
    }
