"""Stories: the story form (groups and officers), the officers' review form, and the
officer's case study for the annual impact report (rules in models/stories/)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from brokerage.forms import character_count
from brokerage.forms.needs import NeedForm
from brokerage.templating import format_date
from models.stories.stories import MAX_BODY, StoryDetails


class StoryForm(FlaskForm):
    title = StringField(
        _l("Title"),
        description=_l("What happened, in a few words. For example: Forty families fed every Saturday."),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter a title")), Length(max=120, message=_l("Title must be 120 characters or fewer"))],
    )
    summary = TextAreaField(
        _l("Summary"),
        description=_l("One or two sentences, shown in lists and emails."),
        widget=GovCharacterCount(),
        render_kw={"params": {**character_count(300), "rows": 3}},
        validators=[InputRequired(message=_l("Enter a summary")), Length(max=300, message=_l("Summary must be 300 characters or fewer"))],
    )
    body = TextAreaField(
        _l("The story (optional)"),
        description=_l("Who it helped, what changed, in your own words. You can use Markdown: **bold**, lists, links."),
        widget=GovTextArea(),
        validators=[Length(max=MAX_BODY, message=_l("The story must be %(num)s characters or fewer", num=format(MAX_BODY, ",")))],
    )
    pledge_id = SelectField(_l("Which confirmed delivery is it about?"), widget=GovSelect(), coerce=int)
    # The same checked, re-encoded photo as a need's.
    photo = NeedForm.photo
    photo_alt = NeedForm.photo_alt
    pending_photo = NeedForm.pending_photo
    remove_pending_photo = NeedForm.remove_pending_photo
    preview = SubmitField(_l("Preview the story"), widget=GovSubmitInput())
    save = SubmitField(_l("Save as draft"), widget=GovSubmitInput())
    submit_for_review = SubmitField(_l("Save and send to the council"), widget=GovSubmitInput())

    def set_deliveries(self, pledges, optional: bool) -> None:
        """The confirmed deliveries to choose from (officers may choose none)."""
        first = SelectChoice(0, _("Not about one delivery") if optional else _("Select a delivery"))
        self.pledge_id.choices = [first] + [
            SelectChoice(
                pledge.id,
                _(
                    "%(need)s: %(quantity)s %(unit)s from %(supplier)s (%(date)s)",
                    need=pledge.need.title,
                    quantity=format(pledge.quantity, ","),
                    unit=pledge.need.unit,
                    supplier=_("the council's Social Value Fund") if pledge.from_fund else pledge.supplier.name,
                    date=format_date(pledge.confirmed_at),
                )
                if pledge.confirmed_at
                else pledge.need.title,
            )
            for pledge in pledges
        ]

    def details(self) -> StoryDetails:
        return StoryDetails(
            title=self.title.data or "",
            summary=self.summary.data or "",
            body=self.body.data or "",
            pledge_id=self.pledge_id.data or None,
            photo_alt=self.photo_alt.data,
        )


class StoryReviewForm(FlaskForm):
    comment = TextAreaField(
        _l("Comment for the group"),
        description=_l("Needed when you send it back or withdraw it. The group sees it."),
        widget=GovTextArea(),
        validators=[Length(max=2000, message=_l("Comment must be 2,000 characters or fewer"))],
    )
    publish = SubmitField(_l("Publish"), widget=GovSubmitInput())
    request_changes = SubmitField(_l("Send back for changes"), widget=GovSubmitInput())
    withdraw = SubmitField(_l("Withdraw from the public pages"), widget=GovSubmitInput())


class CaseStudyForm(FlaskForm):
    kind = RadioField(
        _l("What kind of case study is this?"),
        widget=GovRadioInput(),
        choices=[SelectChoice("success", _l("A success")), SelectChoice("underperformance", _l("Underperformance"))],
        validators=[InputRequired(message=_l("Choose whether this is a success or underperformance"))],
    )
    title = StringField(
        _l("Title"), widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter a title")), Length(max=200, message=_l("Title must be 200 characters or fewer"))],
    )
    commitment_id = SelectField(_l("The commitment it is about"), widget=GovSelect(), validate_choice=False)
    summary = TextAreaField(_l("What happened"), description=_l("You can use Markdown."), widget=GovTextArea(),
                            validators=[InputRequired(message=_l("Enter what happened")), Length(max=10_000, message=_l("Keep it to 10,000 characters or fewer"))])
    variance_reasons = TextAreaField(_l("Reasons for the variance"), description=_l("Why delivery differed from (or matched) the commitment."), widget=GovTextArea(),
                                     validators=[InputRequired(message=_l("Enter the reasons for the variance")), Length(max=10_000, message=_l("Keep it to 10,000 characters or fewer"))])
    lessons = TextAreaField(_l("Lessons learned"), widget=GovTextArea(),
                            validators=[InputRequired(message=_l("Enter the lessons learned")), Length(max=10_000, message=_l("Keep it to 10,000 characters or fewer"))])
    submit = SubmitField(_l("Save case study"), widget=GovSubmitInput())

    def set_commitments(self, rows) -> None:
        self.commitment_id.choices = [SelectChoice("", _l("Not about one commitment"))] + [
            SelectChoice(str(commitment_id), label) for commitment_id, label in rows
        ]

    def validate_commitment_id(self, field):
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose a commitment from the list"))
