"""Ideas: proposing one (residents), commenting, reporting, and the officers' assessment
and merge forms. The rules in models/voting/ideas.py decide; their DomainError lands beside
the field of the same name."""

from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from sqlalchemy import select
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from brokerage.forms import PoundsField
from brokerage.forms.needs import MAX_PHOTO_MB
from models import Theme, db
from models.ideas.ideas import MAX_COMMENT, MAX_DESCRIPTION, MAX_PLACE, MAX_REASON, MAX_TITLE, IdeaDetails


def _coordinate(raw: str | None, limit: float) -> float | None:
    """A latitude or longitude as typed; None when it is not a number within ±limit."""
    try:
        value = float((raw or "").strip()[:20])
    except ValueError:
        return None
    return value if math.isfinite(value) and -limit <= value <= limit else None


class IdeaForm(FlaskForm):
    title = StringField(
        "Title", description="A few words: what should happen, and where.", widget=GovTextInput(),
        validators=[InputRequired(message="Enter a title for your idea"),
                    Length(max=MAX_TITLE, message=f"Title must be {MAX_TITLE} characters or fewer")],
    )
    description = TextAreaField(
        "Describe your idea", description="Who it helps and why. You can use Markdown.",
        widget=GovCharacterCount(),
        validators=[InputRequired(message="Describe your idea"),
                    Length(max=MAX_DESCRIPTION, message=f"Description must be {MAX_DESCRIPTION:,} characters or fewer")],
        render_kw={"params": {"maxlength": MAX_DESCRIPTION}},
    )
    cost = PoundsField(
        "Rough cost in pounds", description="Your best guess: an officer will estimate it properly.",
        not_an_amount="Enter the cost in pounds, like 5000 or 5,000", example="5,000.50",
        required="Enter a rough cost in pounds", what="The cost",
        widget=GovTextInput(),
    )
    theme_id = SelectField("Priority theme", widget=GovSelect(), coerce=int)
    place = StringField(
        "Where (optional)", description="For example: the corner of Craven Park Road and the High Street.",
        widget=GovTextInput(), validators=[Optional(), Length(max=MAX_PLACE, message=f"Where must be {MAX_PLACE} characters or fewer")],
    )
    latitude = StringField(
        "Latitude (optional)", description="A point inside the ward, from any online map: for example 51.5364.",
        widget=GovTextInput(), validators=[Optional()], render_kw={"params": {"classes": "govuk-input--width-10"}},
    )
    longitude = StringField(
        "Longitude (optional)", description="For example -0.2471.", widget=GovTextInput(),
        validators=[Optional()], render_kw={"params": {"classes": "govuk-input--width-10"}},
    )
    photo = FileField(
        "Photo (optional)", description=f"JPEG, PNG or WebP, up to {MAX_PHOTO_MB} MB.", widget=GovFileInput(),
        validators=[
            Optional(),
            FileAllowed(["jpg", "jpeg", "png", "webp"], message="The photo must be a JPEG, PNG or WebP image"),
            FileSize(max_size=MAX_PHOTO_MB * 1024 * 1024, message=f"The photo must be smaller than {MAX_PHOTO_MB} MB"),
        ],
    )
    photo_alt = StringField(
        "Describe the photo (optional)", description="For people who cannot see it.", widget=GovTextInput(),
        validators=[Length(max=250, message="Description must be 250 characters or fewer")],
    )
    submit = SubmitField("Propose idea", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        themes = db.session.execute(select(Theme.id, Theme.name).where(Theme.active.is_(True)).order_by(Theme.position)).all()
        self.theme_id.choices = [SelectChoice(theme_id, name) for theme_id, name in themes]

    def fill_from(self, idea) -> None:
        self.title.data, self.description.data = idea.title, idea.description
        self.cost.data = f"{idea.cost_pence / 100:,.2f}".removesuffix(".00")
        self.theme_id.data, self.place.data = idea.theme_id, idea.place
        self.latitude.data = "" if idea.latitude is None else f"{idea.latitude:.6f}"
        self.longitude.data = "" if idea.longitude is None else f"{idea.longitude:.6f}"
        self.photo_alt.data = idea.photo_alt

    def validate_latitude(self, field):
        if _coordinate(field.data, 90) is None:
            raise ValidationError("Enter a latitude between -90 and 90, like 51.5364")

    def validate_longitude(self, field):
        if _coordinate(field.data, 180) is None:
            raise ValidationError("Enter a longitude between -180 and 180, like -0.2471")

    def details(self) -> IdeaDetails:
        return IdeaDetails(
            title=self.title.data or "",
            description=self.description.data or "",
            cost_pence=self.cost.pence or 0,
            theme_id=self.theme_id.data,
            place=self.place.data or "",
            latitude=_coordinate(self.latitude.data, 90) if (self.latitude.data or "").strip() else None,
            longitude=_coordinate(self.longitude.data, 180) if (self.longitude.data or "").strip() else None,
        )


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Add a comment", widget=GovTextArea(),
        validators=[InputRequired(message="Enter your comment"),
                    Length(max=MAX_COMMENT, message=f"Comment must be {MAX_COMMENT:,} characters or fewer")],
        render_kw={"params": {"rows": 3}},
    )
    parent_id = HiddenField()
    submit = SubmitField("Post comment", widget=GovSubmitInput())

    def parent(self) -> int | None:
        value = (self.parent_id.data or "").strip()
        return int(value) if value.isdigit() and len(value) < 12 else None


class ReportForm(FlaskForm):
    reason = TextAreaField(
        "What is wrong with it?", widget=GovTextArea(),
        validators=[InputRequired(message="Tell us what is wrong with it"),
                    Length(max=MAX_REASON, message=f"Reason must be {MAX_REASON:,} characters or fewer")],
        render_kw={"params": {"rows": 3}},
    )
    submit = SubmitField("Report", widget=GovSubmitInput())


class AssessForm(FlaskForm):
    outcome = RadioField(
        _l("Is it feasible?"), widget=GovRadioInput(),
        choices=[SelectChoice("feasible", _l("Feasible")), SelectChoice("not_feasible", _l("Not feasible"))],
        validators=[InputRequired(message=_l("Choose whether the idea is feasible"))],
    )
    estimate = PoundsField(
        _l("Cost estimate in pounds (feasible ideas)"), widget=GovTextInput(), validators=[Optional()],
        not_an_amount=_l("Enter the estimate in pounds, like 5000 or 5,000"), example="5,000.50",
    )
    explanation = TextAreaField(
        _l("Explanation"), description=_l("How you estimated it, or why it is not feasible. Residents see this."),
        widget=GovTextArea(),
        validators=[InputRequired(message=_l("Explain your assessment: residents will see it")),
                    Length(max=MAX_DESCRIPTION, message=_l("Explanation must be %(max)s characters or fewer", max="{:,}".format(MAX_DESCRIPTION)))],
    )
    submit = SubmitField(_l("Save assessment"), widget=GovSubmitInput())


class MergeForm(FlaskForm):
    into = SelectField(_l("Merge into"), description=_l("Its supporters move to the idea kept, each person counted once."),
                       widget=GovSelect(), validate_choice=False)
    submit = SubmitField(_l("Merge this duplicate"), widget=GovSubmitInput())

    def target(self) -> int | None:
        value = (self.into.data or "").strip()
        return int(value) if value.isdigit() and len(value) < 12 else None
