"""Forms for the pledge lifecycle: pledging (suppliers), declining (groups),
recording delivery (suppliers), confirming with allocations or disputing (officers)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileSize
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import HiddenField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from brokerage.evidence import MAX_EVIDENCE_MB
from brokerage.forms import WholeNumberField, date_field
from models.pledges.rules import fitting_commitments

MAX_MESSAGE = 2000
NO_COMMITMENT = 0
NO_SUPPLIER = 0


def commitment_label(commitment, with_supplier: bool = False) -> str:
    from flask_babel import gettext

    from brokerage.templating import format_date, format_number

    measure = commitment.measure
    label = gettext(
        "%(reference)s: %(measure)s, %(left)s of %(target)s %(unit)s left (due %(date)s)",
        reference=commitment.contract.reference, measure=measure.name, left=format_number(commitment.remaining_quantity),
        target=format_number(commitment.target_quantity), unit=measure.unit, date=format_date(commitment.due_date),
    )
    return f"{commitment.contract.supplier.name} – {label}" if with_supplier else label


class PledgeForm(FlaskForm):
    supplier_id = SelectField(
        _l("Which of your organisations is pledging?"),
        description=_l("The pledge, and what it counts towards, is that organisation's."),
        widget=GovSelect(),
        coerce=int,
        validate_choice=False,  # validate_supplier_id says which are allowed
    )
    quantity = WholeNumberField(
        _l("How much can you give?"),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter how much you can give, as a whole number"))],
        render_kw={"params": {"classes": "govuk-input--width-10", "inputmode": "numeric"}},
    )
    message = TextAreaField(
        _l("Message to the group (optional)"),
        description=_l("What you will provide, and how and when you will deliver it."),
        widget=GovTextArea(),
        validators=[Length(max=MAX_MESSAGE, message=_l("Message must be %(num)s characters or fewer", num=format(MAX_MESSAGE, ",")))],
    )
    commitment_id = SelectField(
        _l("Count it towards a commitment (optional)"),
        description=_l(
            "One of your approved social value commitments that this need fits: its measure is met by this kind of "
            "need and counted in the need's unit. The council confirms what counts once it is delivered."
        ),
        widget=GovSelect(),
        coerce=int,
        # Any other commitment sent reaches the rule (make_pledge), which says why it cannot count.
        validate_choice=False,
    )
    submit = SubmitField(_l("Pledge"), widget=GovSubmitInput())

    def __init__(self, suppliers, commitments, *args, **kwargs):
        super().__init__(*args, **kwargs)
        several = len(suppliers) > 1
        # In more than one organisation: a choice to make, never a silent default.
        first = [SelectChoice(NO_SUPPLIER, _l("Choose an organisation"))] if several else []
        self.supplier_id.choices = first + [SelectChoice(s.id, s.name) for s in suppliers]
        self._supplier_ids = {s.id for s in suppliers}
        self.commitment_id.choices = [SelectChoice(NO_COMMITMENT, _l("No particular commitment"))] + [
            SelectChoice(c.id, commitment_label(c, with_supplier=several)) for c in commitments
        ]

    def validate_quantity(self, field):
        if field.data is not None and field.data < 1:
            raise ValidationError(_l("Pledge at least 1"))

    def validate_supplier_id(self, field):
        if field.data not in self._supplier_ids:
            raise ValidationError(_l("Choose which of your organisations is pledging"))


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Why are you declining this pledge?"),
        description=_l("The supplier sees this."),
        widget=GovTextArea(),
        validators=[Length(max=MAX_MESSAGE, message=_l("Reason must be %(num)s characters or fewer", num=format(MAX_MESSAGE, ",")))],
    )
    submit = SubmitField(_l("Decline the pledge"), widget=GovSubmitInput())


class DeliveryForm(FlaskForm):
    delivered_on = date_field(
        _l("When was it delivered?"), _l("For example, 27 3 2026"), _l("Enter the delivery date, with a day, month and year")
    )
    note = TextAreaField(
        _l("What was delivered?"),
        description=_l("What you gave, how much, and anything that shows it happened: names of sessions, receipts, hours logged."),
        widget=GovTextArea(),
        validators=[Length(max=5000, message=_l("Keep this to 5,000 characters or fewer"))],
    )
    evidence = FileField(
        _l("Evidence file (optional)"),
        description=_l("A PDF or an image (JPEG, PNG or WebP), up to %(num)s MB.", num=MAX_EVIDENCE_MB),
        widget=GovFileInput(),
        validators=[
            Optional(),
            FileSize(max_size=MAX_EVIDENCE_MB * 1024 * 1024, message=_l("The evidence must be smaller than %(num)s MB", num=MAX_EVIDENCE_MB)),
        ],
    )
    submit = SubmitField(_l("Record the delivery"), widget=GovSubmitInput())

    def validate_delivered_on(self, field):
        if field.data is not None and field.data > date.today():
            raise ValidationError(_l("The delivery date cannot be in the future"))


class DisputeForm(FlaskForm):
    reason = TextAreaField(
        _l("What is in dispute?"),
        description=_l("The supplier and the group see this."),
        widget=GovTextArea(),
        validators=[Length(max=MAX_MESSAGE, message=_l("Reason must be %(num)s characters or fewer", num=format(MAX_MESSAGE, ",")))],
    )
    dispute = SubmitField(_l("Dispute the delivery"), widget=GovSubmitInput())


class AllocationForm(FlaskForm):
    """One whole-number field per approved commitment of the supplier (added by
    allocation_form); `allocations` only anchors the rule's messages about them all."""

    allocations = HiddenField()
    confirm = SubmitField(_l("Confirm the delivery"), widget=GovSubmitInput())

    # The fields shown: the commitments the delivery fits (models.pledges.rules.commitment_fits).
    commitment_fields: list[tuple[int, str]] = []
    # Every field read from a submission: a value sent for a commitment that is not shown
    # reaches the rule, which refuses it with its reason, rather than being dropped unseen.
    parsed_fields: list[tuple[int, str]] = []

    def chosen(self) -> list[tuple[int, int]]:
        return [(commitment_id, getattr(self, name).data or 0) for commitment_id, name in self.parsed_fields]


def allocation_form(pledge, commitments, **kwargs) -> AllocationForm:
    """The confirm form for this pledge: a field for each of `commitments` (the supplier's
    approved ones) that the delivery fits, pre-filled with its full quantity on the commitment
    it names."""
    offered = {commitment.id for commitment in fitting_commitments(pledge.need, commitments)}

    class Form(AllocationForm):
        pass

    names, shown = [], []
    for commitment in commitments:
        name = f"commitment_{commitment.id}"
        setattr(
            Form,
            name,
            WholeNumberField(
                commitment_label(commitment),
                description=commitment.description or None,
                default=pledge.quantity if commitment.id == pledge.commitment_id and commitment.id in offered else 0,
                widget=GovTextInput(),
                validators=[Optional(), NumberRange(min=0, message=_l("Enter 0 or more"))],
                render_kw={"params": {"classes": "govuk-input--width-10", "inputmode": "numeric", "suffix": {"text": pledge.need.unit}}},
            ),
        )
        names.append((commitment.id, name))
        if commitment.id in offered:
            shown.append((commitment.id, name))
    Form.parsed_fields = names
    Form.commitment_fields = shown
    return Form(**kwargs)
