"""Supplier returns: a line per commitment (with evidence), submitting, and the officer's
query and rejection. The rules in models/returns/rules.py decide; their DomainError lands
beside the field of the same name."""

from __future__ import annotations

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
from wtforms.validators import InputRequired, Length, Optional

from brokerage.evidence import MAX_EVIDENCE_MB
from brokerage.forms import PoundsField, csv_file_field, WholeNumberField, date_field
from models import Ward, db
from models.returns.ratings import Rating
from models.returns.rules import LineDetails

NUMBER = {"params": {"classes": "govuk-input--width-10", "inputmode": "numeric"}}


def _number(label: str, description: str = "", required: bool = False) -> WholeNumberField:
    validators = [InputRequired(message=f"Enter {label.lower()} as a whole number")] if required else [Optional()]
    return WholeNumberField(label, description=description, widget=GovTextInput(), validators=validators, render_kw=NUMBER)


class ReturnLineForm(FlaskForm):
    quantity = _number("Quantity delivered in the period", "A whole number, in the commitment's unit.", required=True)
    description = TextAreaField(
        "What was delivered?",
        description="What you did in the period, for whom, and what shows it happened.",
        widget=GovTextArea(),
        validators=[InputRequired(message="Describe what was delivered in the period"),
                    Length(max=5000, message="Keep this to 5,000 characters or fewer")],
    )
    beneficiaries = _number("People who benefited", "How many people, 0 if none.")
    beneficiaries_in_borough = _number("Of them, living in the borough")
    ward_ids = SelectMultipleField(
        "Wards they live in (optional)", widget=GovCheckboxesInput(), coerce=int, validate_choice=True
    )
    spend_micro = _number("Spent with micro businesses")
    spend_small = _number("Spent with small businesses")
    spend_medium = _number("Spent with medium-sized businesses")
    spend_large = _number("Spent with large businesses")
    spend_vcse = _number("Of the total, spent with VCSEs")
    spend_in_borough = _number("Of the total, spent with suppliers based in the borough")
    evidence = FileField(
        "Evidence file (optional)",
        description=f"A PDF or an image (JPEG, PNG or WebP), up to {MAX_EVIDENCE_MB} MB. Add more by saving again.",
        widget=GovFileInput(),
        validators=[Optional(), FileSize(max_size=MAX_EVIDENCE_MB * 1024 * 1024,
                                         message=f"The evidence must be smaller than {MAX_EVIDENCE_MB} MB")],
    )
    submit = SubmitField("Save this line", widget=GovSubmitInput())

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
        "Your answer to the council's question",
        widget=GovTextArea(),
        validators=[Length(max=5000, message="Keep your answer to 5,000 characters or fewer")],
    )
    submit = SubmitField("Submit the return", widget=GovSubmitInput())


def _required_text(label: str, missing: str, what: str, description: str = "") -> TextAreaField:
    """An officer's words a decision needs (a question, a reason), up to 2,000 characters."""
    return TextAreaField(
        label, description=description, widget=GovTextArea(),
        validators=[InputRequired(message=missing), Length(max=2000, message=f"Keep {what} to 2,000 characters or fewer")],
    )


class QueryReturnForm(FlaskForm):
    text_field = "question"
    question = _required_text("Your question for the supplier", "Enter the question for the supplier", "the question")
    submit = SubmitField("Send the question", widget=GovSubmitInput())


class RejectReturnForm(FlaskForm):
    text_field = "reason"
    reason = _required_text("Why is it rejected?", "Enter the reason for rejecting the return", "the reason",
                            "The supplier sees this and can file a corrected version.")
    submit = SubmitField("Reject the return", widget=GovSubmitInput())


class ReturnsCsvForm(FlaskForm):
    file = csv_file_field(
        "Returns (CSV)",
        "One line per commitment and period, with the columns of the template. Up to 2 MB.",
    )
    submit = SubmitField("Upload and submit the returns", widget=GovSubmitInput())


class RateKpiForm(FlaskForm):
    key = HiddenField()
    rating = RadioField(
        "Rating",
        widget=GovRadioInput(),
        choices=[SelectChoice(choice.value, choice.label) for choice in Rating],
        validators=[InputRequired(message="Choose a rating")],
    )
    reason = TextAreaField(
        "Explanation",
        description="Required when the rating is not the proposed one; published with the performance assessment.",
        widget=GovTextArea(),
        validators=[Length(max=2000, message="Keep the explanation to 2,000 characters or fewer")],
    )
    submit = SubmitField("Save the rating", widget=GovSubmitInput())


class EscalationForm(FlaskForm):
    board = StringField(
        "Governance board",
        description="The board the commitment goes to, for example the Contracts Board.",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the governance board it goes to"),
                    Length(max=200, message="Keep the board's name to 200 characters or fewer")],
    )
    escalated_on = date_field("Date of the board", "For example, 15 1 2027",
                              "Enter the board's date, with a day, month and year")
    submit = SubmitField("Escalate", widget=GovSubmitInput())


class ResolutionForm(FlaskForm):
    kind = RadioField(
        "How is it resolved?",
        widget=GovRadioInput(),
        choices=[SelectChoice("delivered", "Delivered: the target is now met"),
                 SelectChoice("fund_payment", "A payment into the Social Value Fund"),
                 SelectChoice("credit", "A credit for a substitute delivery or return")],
        validators=[InputRequired(message="Choose how the escalation is resolved")],
    )
    amount = PoundsField(
        "Amount paid into the Social Value Fund", description="Only for a payment.", widget=GovTextInput(),
    )
    substitute = SelectField("The return or delivery that earned the credit", widget=GovSelect(), validate_choice=False)
    submit = SubmitField("Resolve", widget=GovSubmitInput())


class ScheduleForm(FlaskForm):
    """A contract's own reporting schedule ("tier" follows its tier's setting), with a reason."""

    months = RadioField(
        "How often does this contract report?",
        widget=GovRadioInput(),
        choices=[SelectChoice("tier", "As its tier"), SelectChoice("12", "Yearly"), SelectChoice("6", "Half-yearly"),
                 SelectChoice("3", "Quarterly")],
        validators=[InputRequired(message="Choose how often this contract reports")],
    )
    reason = _required_text("Why?", "Say why this contract reports on this schedule", "the reason",
                            "For example: agreed at the contract's mobilisation meeting. Kept in the contract's history.")
    submit = SubmitField("Save the schedule", widget=GovSubmitInput())

    def set_tier_label(self, label: str) -> None:
        self.months.choices = [SelectChoice("tier", f"As its tier: {label.lower()}"), *self.months.choices[1:]]

    @property
    def chosen_months(self) -> int | None:
        return None if self.months.data == "tier" else int(self.months.data)
