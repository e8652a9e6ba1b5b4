"""The officer's form that splits an accepted return's line between commitments of several
agreements (models/returns/splits.py): one whole-number box per commitment it can count
towards. Kept apart from forms/returns.py, the suppliers' return forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import HiddenField, SubmitField
from wtforms.validators import NumberRange, Optional

from brokerage.forms import WholeNumberField
from brokerage.forms.pledges import commitment_label


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
        label = f"{commitment.contract.kind_label} {commitment_label(commitment)}"
        setattr(Form, name, WholeNumberField(
            label, widget=GovTextInput(), default=current.get(commitment.id, 0),
            validators=[Optional(), NumberRange(min=0, message="Enter 0 or more")],
            render_kw={"params": {"classes": "govuk-input--width-10", "inputmode": "numeric",
                                  "suffix": {"text": commitment.measure.unit}}},
        ))
        names.append((commitment.id, name))
    Form.commitment_fields = names
    return Form(prefix=f"line{line.id}") if submitted else Form(prefix=f"line{line.id}", formdata=None)
