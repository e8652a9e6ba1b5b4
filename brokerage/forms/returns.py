"""Supplier returns: a line per commitment (with evidence), submitting, and the officer's
query and rejection. The rules in models/returns/rules.py decide; their DomainError lands
beside the field of the same name."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileSize
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
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from brokerage.evidence import MAX_EVIDENCE_MB
from brokerage.forms import PoundsField, WholeNumberField, csv_file_field, date_field
from brokerage.forms.pledges import commitment_label
from brokerage.rule_messages import lazy_label, translate_label
from models import Ward, db
from models.returns.ratings import Rating
from models.returns.rules import LineDetails

NUMBER = {"params": {"classes": "govuk-input--width-10", "inputmode": "numeric"}}


def _number(label, description="", required=None) -> WholeNumberField:
    """A whole number; `required` is the message when it is left empty."""
    validators = [InputRequired(message=required)] if required else [Optional()]
    return WholeNumberField(label, description=description, widget=GovTextInput(), validators=validators, render_kw=NUMBER)


class ReturnLineForm(FlaskForm):
    quantity = _number(_l("Quantity delivered in the period"), _l("A whole number, in the commitment's unit."),
                       required=_l("Enter the quantity delivered in the period as a whole number"))
    description = TextAreaField(
        _l("What was delivered?"),
        description=_l("What you did in the period, for whom, and what shows it happened."),
        widget=GovTextArea(),
        validators=[InputRequired(message=_l("Describe what was delivered in the period")),
                    Length(max=5000, message=_l("Keep this to 5,000 characters or fewer"))],
    )
    beneficiaries = _number(_l("People who benefited"), "How many people, 0 if none.")
    beneficiaries_in_borough = _number(_l("Of them, living in the borough"))
    ward_ids = SelectMultipleField(
        _l("Wards they live in (optional)"), widget=GovCheckboxesInput(), coerce=int, validate_choice=True
    )
    spend_micro = _number(_l("Spent with micro businesses"))
    spend_small = _number(_l("Spent with small businesses"))
    spend_medium = _number(_l("Spent with medium-sized businesses"))
    spend_large = _number(_l("Spent with large businesses"))
    spend_vcse = _number(_l("Of the total, spent with VCSEs"))
    spend_in_borough = _number(_l("Of the total, spent with suppliers based in the borough"))
    evidence = FileField(
        _l("Evidence file (optional)"),
        description=_l("A PDF or an image (JPEG, PNG or WebP), up to %(size)s MB. Add more by saving again.", size=MAX_EVIDENCE_MB),
        widget=GovFileInput(),
        validators=[Optional(), FileSize(max_size=MAX_EVIDENCE_MB * 1024 * 1024,
                                         message=_l("The evidence must be smaller than %(size)s MB", size=MAX_EVIDENCE_MB))],
    )
    submit = SubmitField(_l("Save this line"), widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        wards = db.session.execute(select(Ward.id, Ward.name).order_by(Ward.name)).all()
        self.ward_ids.choices = [SelectChoice(ward_id, name) for ward_id, name in wards]
        if self.ward_ids.data is None:
            self.ward_ids.data = []

    def details(self) -> LineDetails:
        return LineDetails(
            quantity=self.quantity.data,
            description=self.description.data or "",
            beneficiaries=self.beneficiaries.data or 0,
            beneficiaries_in_borough=self.beneficiaries_in_borough.data or 0,
            ward_ids=tuple(self.ward_ids.data or ()),
            spend={part: getattr(self, f"spend_{part}").data
                   for part in ("micro", "small", "medium", "large", "vcse", "in_borough")},
        )


class SubmitReturnForm(FlaskForm):
    answer = TextAreaField(
        _l("Your answer to the council's question"),
        widget=GovTextArea(),
        validators=[Length(max=5000, message=_l("Keep your answer to 5,000 characters or fewer"))],
    )
    submit = SubmitField(_l("Submit the return"), widget=GovSubmitInput())


def _required_text(label, missing, too_long, description="") -> TextAreaField:
    """An officer's words a decision needs (a question, a reason), up to 2,000 characters."""
    return TextAreaField(
        label, description=description, widget=GovTextArea(),
        validators=[InputRequired(message=missing), Length(max=2000, message=too_long)],
    )


class QueryReturnForm(FlaskForm):
    text_field = "question"
    question = _required_text(_l("Your question for the supplier"), _l("Enter the question for the supplier"),
                              _l("Keep the question to 2,000 characters or fewer"))
    submit = SubmitField(_l("Send the question"), widget=GovSubmitInput())


class RejectReturnForm(FlaskForm):
    text_field = "reason"
    reason = _required_text(_l("Why is it rejected?"), _l("Enter the reason for rejecting the return"),
                            _l("Keep the reason to 2,000 characters or fewer"),
                            _l("The supplier sees this and can file a corrected version."))
    submit = SubmitField(_l("Reject the return"), widget=GovSubmitInput())


class ReturnsCsvForm(FlaskForm):
    file = csv_file_field(
        _l("Returns (CSV)"),
        _l("One line per commitment and period, with the columns of the template. Up to 2 MB."),
    )
    submit = SubmitField(_l("Upload and submit the returns"), widget=GovSubmitInput())


class RateKpiForm(FlaskForm):
    key = HiddenField()
    rating = RadioField(
        _l("Rating"),
        widget=GovRadioInput(),
        choices=[SelectChoice(choice.value, lazy_label(choice.label)) for choice in Rating],
        validators=[InputRequired(message=_l("Choose a rating"))],
    )
    reason = TextAreaField(
        _l("Explanation"),
        description=_l("Required when the rating is not the proposed one; published with the performance assessment."),
        widget=GovTextArea(),
        validators=[Length(max=2000, message=_l("Keep the explanation to 2,000 characters or fewer"))],
    )
    submit = SubmitField(_l("Save the rating"), widget=GovSubmitInput())


class EscalationForm(FlaskForm):
    board = StringField(
        _l("Governance board"),
        description=_l("The board the commitment goes to, for example the Contracts Board."),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the governance board it goes to")),
                    Length(max=200, message=_l("Keep the board's name to 200 characters or fewer"))],
    )
    escalated_on = date_field(_l("Date of the board"), _l("For example, 15 1 2027"),
                              _l("Enter the board's date, with a day, month and year"))
    submit = SubmitField(_l("Escalate"), widget=GovSubmitInput())


class ResolutionForm(FlaskForm):
    kind = RadioField(
        _l("How is it resolved?"),
        widget=GovRadioInput(),
        choices=[SelectChoice("delivered", _l("Delivered: the target is now met")),
                 SelectChoice("fund_payment", _l("A payment into the Social Value Fund")),
                 SelectChoice("credit", _l("A credit for a substitute delivery or return"))],
        validators=[InputRequired(message=_l("Choose how the escalation is resolved"))],
    )
    amount = PoundsField(
        _l("Amount paid into the Social Value Fund"), description=_l("Only for a payment."), widget=GovTextInput(),
    )
    substitute = SelectField(_l("The return or delivery that earned the credit"), widget=GovSelect(), validate_choice=False)
    submit = SubmitField(_l("Resolve"), widget=GovSubmitInput())


class ScheduleForm(FlaskForm):
    """A contract's own reporting schedule ("tier" follows its tier's setting), with a reason."""

    months = RadioField(
        _l("How often does this contract report?"),
        widget=GovRadioInput(),
        choices=[SelectChoice("tier", _l("As its tier")), SelectChoice("12", _l("Yearly")), SelectChoice("6", _l("Half-yearly")),
                 SelectChoice("3", _l("Quarterly"))],
        validators=[InputRequired(message=_l("Choose how often this contract reports"))],
    )
    reason = _required_text(_l("Why?"), _l("Say why this contract reports on this schedule"),
                            _l("Keep the reason to 2,000 characters or fewer"),
                            _l("For example: agreed at the contract's mobilisation meeting. Kept in the contract's history."))
    submit = SubmitField(_l("Save the schedule"), widget=GovSubmitInput())

    def set_tier_label(self, label: str) -> None:
        self.months.choices = [SelectChoice("tier", _l("As its tier: %(tier)s", tier=label.lower())), *self.months.choices[1:]]

    @property
    def chosen_months(self) -> int | None:
        return None if self.months.data == "tier" else int(self.months.data)


# The officer's form that splits an accepted return's line between commitments of several
# agreements (models/returns/splits.py): one whole-number box per commitment it can count towards.
class SplitLineForm(FlaskForm):
    parts = HiddenField()  # anchors the rule's messages about the split as a whole
    submit = SubmitField("Save the split", widget=GovSubmitInput())
    commitment_fields: list[tuple[int, str]] = []

    def chosen(self) -> list[tuple[int, int]]:
        return [(commitment_id, getattr(self, name).data or 0) for commitment_id, name in self.commitment_fields]


def split_line_form(line, targets, current: dict[int, int], submitted: bool = False) -> SplitLineForm:
    """A form for this line: its boxes start at how the line counts now (or, submitted, hold
    what was posted)."""

    class Form(SplitLineForm):
        pass

    names = []
    for commitment in targets:
        name = f"commitment_{commitment.id}"
        label = f"{translate_label(commitment.contract.kind_label)} {commitment_label(commitment)}"
        setattr(Form, name, WholeNumberField(
            label, widget=GovTextInput(), default=current.get(commitment.id, 0),
            validators=[Optional(), NumberRange(min=0, message=_l("Enter 0 or more"))],
            render_kw={"params": {"classes": "govuk-input--width-10", "inputmode": "numeric",
                                  "suffix": {"text": commitment.measure.unit}}},
        ))
        names.append((commitment.id, name))
    Form.commitment_fields = names
    return Form(prefix=f"line{line.id}") if submitted else Form(prefix=f"line{line.id}", formdata=None)
