"""The developer contributions upload form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput
from wtforms import SubmitField


class DeveloperContributionsUploadForm(FlaskForm):
    file = FileField(
        "Developer contributions file",
        description="A CSV in the planning data standard: developer-agreement, developer-agreement-contribution "
        "or developer-agreement-transaction. Import agreements first, then contributions, then transactions.",
        widget=GovFileInput(),
        validators=[
            FileRequired(message="Select a developer contributions CSV file"),
            FileAllowed(["csv"], message="The file must be a CSV (.csv)"),
        ],
    )
    submit = SubmitField("Import the file", widget=GovSubmitInput())
