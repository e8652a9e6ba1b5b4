"""The officer's case study form for the annual impact report; the rules are in
models/case_studies.py."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError


class CaseStudyForm(FlaskForm):
    kind = RadioField(
        "What kind of case study is this?",
        widget=GovRadioInput(),
        choices=[SelectChoice("success", "A success"), SelectChoice("underperformance", "Underperformance")],
        validators=[InputRequired(message="Choose whether this is a success or underperformance")],
    )
    title = StringField(
        "Title", widget=GovTextInput(),
        validators=[InputRequired(message="Enter a title"), Length(max=200, message="Title must be 200 characters or fewer")],
    )
    commitment_id = SelectField("The commitment it is about", widget=GovSelect(), validate_choice=False)
    summary = TextAreaField("What happened", description="You can use Markdown.", widget=GovTextArea(),
                            validators=[InputRequired(message="Enter what happened"), Length(max=10_000, message="Keep it to 10,000 characters or fewer")])
    variance_reasons = TextAreaField("Reasons for the variance", description="Why delivery differed from (or matched) the commitment.", widget=GovTextArea(),
                                     validators=[InputRequired(message="Enter the reasons for the variance"), Length(max=10_000, message="Keep it to 10,000 characters or fewer")])
    lessons = TextAreaField("Lessons learned", widget=GovTextArea(),
                            validators=[InputRequired(message="Enter the lessons learned"), Length(max=10_000, message="Keep it to 10,000 characters or fewer")])
    submit = SubmitField("Save case study", widget=GovSubmitInput())

    def set_commitments(self, rows) -> None:
        self.commitment_id.choices = [SelectChoice("", "Not about one commitment")] + [
            SelectChoice(str(commitment_id), label) for commitment_id, label in rows
        ]

    def validate_commitment_id(self, field):
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError("Choose a commitment from the list")
