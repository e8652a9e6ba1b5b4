"""The developer contributions upload form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from brokerage.forms import csv_file_field


class DeveloperContributionsUploadForm(FlaskForm):
    file = csv_file_field(
        "Developer contributions file",
        "A CSV in the planning data standard: developer-agreement, developer-agreement-contribution "
        "or developer-agreement-transaction. Import agreements first, then contributions, then transactions.",
        required="Select a developer contributions CSV file", not_csv="The file must be a CSV (.csv)",
    )
    submit = SubmitField("Import the file", widget=GovSubmitInput())
