"""The developer contributions upload form, and the forms that link a social contribution
to a commitment or a need."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, SubmitField
from wtforms.validators import InputRequired

from brokerage.forms import WholeNumberField, csv_file_field


class DeveloperContributionsUploadForm(FlaskForm):
    file = csv_file_field(
        _l("Developer contributions file"),
        _l("A CSV in the planning data standard: developer-agreement, developer-agreement-contribution "
           "or developer-agreement-transaction. Import agreements first, then contributions, then transactions."),
        required=_l("Select a developer contributions CSV file"), not_csv=_l("The file must be a CSV (.csv)"),
    )
    submit = SubmitField(_l("Import the file"), widget=GovSubmitInput())


class LinkCommitmentForm(FlaskForm):
    """Choices: the planning obligations' commitments (set by the view)."""

    commitment_id = SelectField(_l("Commitment of a planning obligation"), coerce=int, widget=GovSelect(),
                                validators=[InputRequired(message=_l("Choose a commitment"))])
    link_commitment = SubmitField(_l("Link the commitment"), widget=GovSubmitInput())


class LinkNeedForm(FlaskForm):
    need_id = WholeNumberField(_l("Need number"), description=_l("The number in the need's address, such as 42 in /needs/42."),
                               widget=GovTextInput(), validators=[InputRequired(message=_l("Enter the need's number"))],
                               render_kw={"params": {"classes": "govuk-input--width-10", "inputmode": "numeric"}})
    link_need = SubmitField(_l("Link the need"), widget=GovSubmitInput())
