"""Spending the Social Value Fund: on a ward vote's budget, or on a need directly."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from sqlalchemy import select
from wtforms import HiddenField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from brokerage.forms import PoundsField
from models import Round, db
from models.fund.ledger import MAX_SPEND_PENCE


class FundForm(FlaskForm):
    """A form that spends the Fund carries a random token: sent twice, it spends once."""

    client_token = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.client_token.data:
            self.client_token.data = secrets.token_urlsafe(24)

    @property
    def token(self) -> str | None:
        return (self.client_token.data or "")[:64] or None


class SpendOnRoundForm(FundForm):
    round_id = SelectField(_l("Ward vote"), widget=GovSelect(), coerce=int)
    amount = PoundsField(
        _l("Amount to add to its budget"),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the amount in pounds"))],
        what=_l("The amount"),
        maximum_pence=MAX_SPEND_PENCE,
    )
    submit = SubmitField(_l("Add it to the budget"), widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rounds = db.session.execute(
            select(Round.id, Round.title).where(Round.state.in_(("draft", "open"))).order_by(Round.opens_at, Round.id)
        ).all()
        self.round_id.choices = [SelectChoice(0, _l("Select a ward vote"))] + [SelectChoice(i, t) for i, t in rounds]

    def validate_round_id(self, field):
        if not field.data:
            raise ValidationError(_l("Select the ward vote"))


class FundNeedForm(FundForm):
    amount = PoundsField(
        _l("Amount to pay from the Fund"),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the amount in pounds"))],
        what=_l("The amount"),
        maximum_pence=MAX_SPEND_PENCE,
    )
    submit = SubmitField(_l("Fund this need"), widget=GovSubmitInput())
