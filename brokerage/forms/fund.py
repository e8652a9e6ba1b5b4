"""Spending the Social Value Fund: on a ward vote's budget, or on a need directly."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from sqlalchemy import select
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from brokerage.forms import PoundsField
from models import Round, db
from models.fund.ledger import MAX_SPEND_PENCE


class SpendOnRoundForm(FlaskForm):
    round_id = SelectField("Ward vote", widget=GovSelect(), coerce=int)
    amount = PoundsField(
        "Amount to add to its budget",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the amount in pounds")],
        what="The amount",
        maximum_pence=MAX_SPEND_PENCE,
    )
    submit = SubmitField("Add it to the budget", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rounds = db.session.execute(
            select(Round.id, Round.title).where(Round.state.in_(("draft", "open"))).order_by(Round.opens_at, Round.id)
        ).all()
        self.round_id.choices = [SelectChoice(0, "Select a ward vote")] + [SelectChoice(i, t) for i, t in rounds]

    def validate_round_id(self, field):
        if not field.data:
            raise ValidationError("Select the ward vote")


class FundNeedForm(FlaskForm):
    amount = PoundsField(
        "Amount to pay from the Fund",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the amount in pounds")],
        what="The amount",
        maximum_pence=MAX_SPEND_PENCE,
    )
    submit = SubmitField("Fund this need", widget=GovSubmitInput())
