"""Contracts: contracts and commitments (officers and suppliers) and the OCDS upload.

The forms parse what was typed; the rules in models/contracts/ decide (a
negative value, an end date before the start, a duplicate reference), and their
DomainError lands beside the field of the same name."""

from __future__ import annotations

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
from models import Measure, Organisation, Theme, User, Ward, db
from models.contracts.agreements import KINDS
from models.contracts.rules import CommitmentDetails, ContractDetails
from models.contracts.tiers import Tier


class ContractForm(FlaskForm):
    reference = StringField(
        "Contract reference",
        description="The council's reference for the contract. For example: BRENT-2025-0142.",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the contract reference"), Length(max=160, message="Reference must be 160 characters or fewer")],
        render_kw={"params": {"classes": "govuk-input--width-20"}},
    )
    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the contract title"), Length(max=300, message="Title must be 300 characters or fewer")],
    )
    buyer_department = StringField(
        "Buyer department (optional)",
        description="For example: Environment and Leisure.",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=200, message="Department must be 200 characters or fewer")],
    )
    supplier_id = SelectField("Supplier", widget=GovSelect(), coerce=int)
    value = PoundsField(
        "Contract value",
        description="The whole-life value in pounds. It sets the contract's social value tier.",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the contract value in pounds")],
    )
    start_date = date_field("Start date (optional)", "For example, 1 4 2025")
    end_date = date_field("End date (optional)", "For example, 31 3 2028")
    submit = SubmitField("Record the contract", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        suppliers = db.session.execute(
            select(Organisation.id, Organisation.name, Organisation.status)
            .where(Organisation.kind == "supplier")
            .order_by(Organisation.name, Organisation.id)
        ).all()
        self.supplier_id.choices = [SelectChoice(0, "Select a supplier")] + [
            SelectChoice(organisation_id, name if status == "verified" else f"{name} (not verified)")
            for organisation_id, name, status in suppliers
        ]

    def validate_supplier_id(self, field):
        if not field.data:
            raise ValidationError("Select the supplier")

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

    supplier = SelectField("Supplier", widget=GovSelect(), coerce=int, validators=[Optional()])
    tier = SelectField("Tier", widget=GovSelect(), validators=[Optional()])
    kind = SelectField("Kind of agreement", widget=GovSelect(), validators=[Optional()])

    def __init__(self, formdata, suppliers: list[tuple[int, str]]):
        super().__init__(formdata)
        self.supplier.choices = [SelectChoice(0, "All suppliers")] + [SelectChoice(i, name) for i, name in suppliers]
        self.tier.choices = [SelectChoice("", "All tiers")] + [SelectChoice(tier.value, tier.label) for tier in Tier]
        self.kind.choices = [SelectChoice("", "All kinds")] + [SelectChoice(k.value, k.label) for k in KINDS.values()]


class CommitmentForm(FlaskForm):
    # A plain <select> so the measures are grouped by theme in <optgroup>s
    # (the GOV.UK select macro has no groups); the template adds the GOV.UK markup.
    measure_id = SelectField("Measure", widget=Select(), coerce=int)
    target_quantity = WholeNumberField(
        "Target quantity",
        description="A whole number, in the measure's unit.",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the target quantity as a whole number"),
            NumberRange(min=1, max=10**12, message="The target must be a whole number of at least 1"),
        ],
        render_kw={"params": {"classes": "govuk-input--width-10", "inputmode": "numeric"}},
    )
    due_date = date_field(
        "Due date", "When it must be delivered by. For example, 31 3 2026", "Enter a real due date, with a day, month and year"
    )
    description = TextAreaField(
        "Description (optional)",
        description="What the supplier promised, in the words of the bid.",
        widget=GovTextArea(),
        validators=[Length(max=2000, message="Description must be 2,000 characters or fewer")],
    )
    ward_ids = SelectMultipleField(
        "Preferred wards (optional)",
        description="Leave all unticked for the whole borough.",
        widget=GovCheckboxesInput(),
        coerce=int,
        validate_choice=True,
    )
    submit = SubmitField("Save the commitment", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        measures = db.session.execute(
            select(Measure.id, Measure.name, Measure.unit, Theme.name)
            .join(Theme, Theme.id == Measure.theme_id)
            .where(Measure.active.is_(True), Theme.active.is_(True))
            .order_by(Theme.position, Theme.id, Measure.name)
        ).all()
        self.measure_id.choices = [SelectChoice(0, "Select a measure")] + [
            SelectChoice(measure_id, f"{name} ({unit})", optgroup=theme) for measure_id, name, unit, theme in measures
        ]
        wards = db.session.execute(select(Ward.id, Ward.name).order_by(Ward.name)).all()
        self.ward_ids.choices = [SelectChoice(ward_id, name) for ward_id, name in wards]
        if self.ward_ids.data is None:
            self.ward_ids.data = []

    def validate_measure_id(self, field):
        if not field.data:
            raise ValidationError("Select a measure")

    def details(self) -> CommitmentDetails:
        return CommitmentDetails(
            measure_id=self.measure_id.data,
            target_quantity=self.target_quantity.data,
            due_date=self.due_date.data,
            description=self.description.data or "",
            ward_ids=tuple(self.ward_ids.data or ()),
        )


class DecisionForm(FlaskForm):
    approve = SubmitField("Approve", widget=GovSubmitInput())
    reject = SubmitField("Reject", widget=GovSubmitInput())


class RemedialPlanForm(FlaskForm):
    action = TextAreaField(
        "What will the supplier do?",
        widget=GovTextArea(),
        validators=[InputRequired(message="Say what the supplier will do"), Length(max=2000, message="The action must be 2,000 characters or fewer")],
    )
    new_date = date_field(
        "New date",
        "When the shortfall will be made good. For example, 30 9 2026",
        "Enter a real new date, with a day, month and year",
    )
    owner = StringField(
        "Owner",
        description="Who at the supplier answers for the plan.",
        widget=GovTextInput(),
        validators=[InputRequired(message="Say who owns the plan"), Length(max=160, message="Owner must be 160 characters or fewer")],
    )
    submit = SubmitField("Save the remedial plan", widget=GovSubmitInput())


class SettlementForm(FlaskForm):
    kind = RadioField(
        "How is the commitment settled?",
        widget=GovRadioInput(),
        choices=[
            SelectChoice("fund_payment", "Payment in lieu into the Social Value Fund"),
            SelectChoice("credit", "Officer-approved credit for a substitute delivery"),
        ],
        validators=[InputRequired(message="Choose how the commitment is settled")],
    )
    amount = PoundsField(
        "Amount paid into the Social Value Fund",
        description="Only for a payment in lieu.",
        widget=GovTextInput(),
    )
    credit_description = TextAreaField(
        "Substitute delivery the credit is for",
        description="Only for a credit.",
        widget=GovTextArea(),
        validators=[Length(max=2000, message="The description must be 2,000 characters or fewer")],
    )
    submit = SubmitField("Settle the commitment", widget=GovSubmitInput())


class OcdsUploadForm(FlaskForm):
    file = FileField(
        "Open Contracting (OCDS) file",
        description="A release package, a record package or a list of releases, as JSON: for example a Contracts Finder download.",
        widget=GovFileInput(),
        validators=[
            FileRequired(message="Select an OCDS JSON file"),
            FileAllowed(["json"], message="The file must be JSON (.json)"),
        ],
    )
    submit = SubmitField("Preview the import", widget=GovSubmitInput())


def _optional_text(label: str, hint: str = "", max_length: int = 300, area: bool = False):
    field = TextAreaField if area else StringField
    return field(
        label,
        description=hint,
        widget=GovTextArea() if area else GovTextInput(),
        validators=[Optional(), Length(max=max_length, message=f"{label.split(' (')[0]} must be {max_length} characters or fewer")],
    )


class AgreementForm(ContractForm):
    """An agreement of any kind (models/contracts/agreements.py): a contract's fields, the
    kind, the responsible officer, and the fields each kind's officers know. The fields a
    kind requires are checked by the rule, and the message shown beside the field."""

    kind = RadioField("Kind of agreement", widget=GovRadioInput(), choices=[SelectChoice(k.value, k.label) for k in KINDS.values()],
                      validators=[InputRequired(message="Select the kind of agreement")])
    responsible_officer_id = SelectField("Responsible officer", widget=GovSelect(), coerce=int)
    planning_reference = _optional_text("Planning application reference (planning obligations)", "For example: 19/0160/FUL", 120)
    site = _optional_text("Site (planning obligations)")
    ward_id = SelectField("Ward of the site (planning obligations)", widget=GovSelect(), coerce=int, validators=[Optional()])
    trigger = _optional_text("Trigger (planning obligations)", "For example: on commencement, before occupation", 200)
    programme = _optional_text("Grant programme (grants)", "", 200)
    asset = _optional_text("Asset (community asset transfers)")
    lease_terms = _optional_text("Lease terms (community asset transfers)", "For example: 25-year lease at a peppercorn rent", 2000, area=True)
    submit = SubmitField("Record the agreement", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reference.label.text = "Reference"
        self.title.label.text = "Title"
        self.buyer_department.label.text = "Responsible directorate"
        self.buyer_department.description = "For example: Regeneration, Growth and Employment."
        self.buyer_department.validators = [InputRequired(message="Enter the responsible directorate"),
                                            Length(max=200, message="Directorate must be 200 characters or fewer")]
        self.supplier_id.label.text = "Supplier, developer, recipient or organisation"
        self.supplier_id.description = "For council employment, leave this unselected: the council is the employer."
        self.value.label.text = "Value"
        self.value.description = "The contract value, contributions secured, grant or amount invested, in pounds."
        organisations = db.session.execute(
            select(Organisation.id, Organisation.name, Organisation.kind).order_by(Organisation.name, Organisation.id)
        ).all()
        self.supplier_id.choices = [SelectChoice(0, "Select an organisation")] + [
            SelectChoice(organisation_id, f"{name} ({'VCSE' if kind == 'vcse' else 'supplier'})")
            for organisation_id, name, kind in organisations
        ]
        officers = db.session.execute(
            select(User.id, User.name).where(User.role.in_(("officer", "admin"))).order_by(User.name, User.id)
        ).all()
        self.responsible_officer_id.choices = [SelectChoice(0, "Select an officer")] + [
            SelectChoice(user_id, name) for user_id, name in officers
        ]
        wards = db.session.execute(select(Ward.id, Ward.name).order_by(Ward.name)).all()
        self.ward_id.choices = [SelectChoice(0, "Select a ward")] + [SelectChoice(w, name) for w, name in wards]

    def validate_supplier_id(self, field):
        if not field.data and self.kind.data != "employment":
            raise ValidationError("Select the organisation")

    def validate_responsible_officer_id(self, field):
        if not field.data:
            raise ValidationError("Select the responsible officer")

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
