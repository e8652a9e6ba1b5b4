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
from brokerage.forms.core import second_language_fields
from models import Theme, db
from models.ideas.ideas import MAX_COMMENT, MAX_DESCRIPTION, MAX_PLACE, MAX_REASON, MAX_TITLE, IDEA_TEXT_LIMITS, IdeaDetails


def _coordinate(raw: str | None, limit: float) -> float | None:
    """A latitude or longitude as typed; None when it is not a number within ±limit."""
    try:
        value = float((raw or "").strip()[:20])
    except ValueError:
        return None
    return value if math.isfinite(value) and -limit <= value <= limit else None


class IdeaForm(second_language_fields(IDEA_TEXT_LIMITS), FlaskForm):
    title = StringField(
        _l("Title"), description=_l("A few words: what should happen, and where."), widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter a title for your idea")),
                    Length(max=MAX_TITLE, message=_l("Title must be %(number)s characters or fewer", number=MAX_TITLE))],
    )
    description = TextAreaField(
        _l("Describe your idea"), description=_l("Who it helps and why. You can use Markdown."),
        widget=GovCharacterCount(),
        validators=[InputRequired(message=_l("Describe your idea")),
                    Length(max=MAX_DESCRIPTION, message=_l("Description must be %(number)s characters or fewer", number=f"{MAX_DESCRIPTION:,}"))],
        render_kw={"params": {"maxlength": MAX_DESCRIPTION}},
    )
    cost = PoundsField(
        _l("Rough cost in pounds"), description=_l("Your best guess: an officer will estimate it properly."),
        not_an_amount=_l("Enter the cost in pounds, like 5000 or 5,000"), example="5,000.50",
        required=_l("Enter a rough cost in pounds"), what=_l("The cost"),
        widget=GovTextInput(),
    )
    theme_id = SelectField(_l("Priority theme"), widget=GovSelect(), coerce=int)
    place = StringField(
        _l("Where (optional)"), description=_l("For example: the corner of Craven Park Road and the High Street."),
        widget=GovTextInput(), validators=[Optional(), Length(max=MAX_PLACE, message=_l("Where must be %(number)s characters or fewer", number=MAX_PLACE))],
    )
    latitude = StringField(
        _l("Latitude (optional)"), description=_l("A point inside the ward, from any online map: for example 51.5364."),
        widget=GovTextInput(), validators=[Optional()], render_kw={"params": {"classes": "govuk-input--width-10"}},
    )
    longitude = StringField(
        _l("Longitude (optional)"), description=_l("For example -0.2471."), widget=GovTextInput(),
        validators=[Optional()], render_kw={"params": {"classes": "govuk-input--width-10"}},
    )
    photo = FileField(
        _l("Photo (optional)"), description=_l("JPEG, PNG or WebP, up to %(number)s MB.", number=MAX_PHOTO_MB), widget=GovFileInput(),
        validators=[
            Optional(),
            FileAllowed(["jpg", "jpeg", "png", "webp"], message=_l("The photo must be a JPEG, PNG or WebP image")),
            FileSize(max_size=MAX_PHOTO_MB * 1024 * 1024, message=_l("The photo must be smaller than %(number)s MB", number=MAX_PHOTO_MB)),
        ],
    )
    photo_alt = StringField(
        _l("Describe the photo (optional)"), description=_l("For people who cannot see it."), widget=GovTextInput(),
        validators=[Length(max=250, message=_l("Description must be 250 characters or fewer"))],
    )
    submit = SubmitField(_l("Propose idea"), widget=GovSubmitInput())

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
        self.fill_second_language(idea)

    def validate_latitude(self, field):
        if _coordinate(field.data, 90) is None:
            raise ValidationError(_l("Enter a latitude between -90 and 90, like 51.5364"))

    def validate_longitude(self, field):
        if _coordinate(field.data, 180) is None:
            raise ValidationError(_l("Enter a longitude between -180 and 180, like -0.2471"))

    def details(self) -> IdeaDetails:
        return IdeaDetails(
            title=self.title.data or "",
            description=self.description.data or "",
            cost_pence=self.cost.pence or 0,
            theme_id=self.theme_id.data,
            place=self.place.data or "",
            latitude=_coordinate(self.latitude.data, 90) if (self.latitude.data or "").strip() else None,
            longitude=_coordinate(self.longitude.data, 180) if (self.longitude.data or "").strip() else None,
            language=self.text_language(),
        )


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Add a comment"), widget=GovTextArea(),
        validators=[InputRequired(message=_l("Enter your comment")),
                    Length(max=MAX_COMMENT, message=_l("Comment must be %(number)s characters or fewer", number=f"{MAX_COMMENT:,}"))],
        render_kw={"params": {"rows": 3}},
    )
    parent_id = HiddenField()
    submit = SubmitField(_l("Post comment"), widget=GovSubmitInput())

    def parent(self) -> int | None:
        value = (self.parent_id.data or "").strip()
        return int(value) if value.isdigit() and len(value) < 12 else None


class ReportForm(FlaskForm):
    reason = TextAreaField(
        _l("What is wrong with it?"), widget=GovTextArea(),
        validators=[InputRequired(message=_l("Tell us what is wrong with it")),
                    Length(max=MAX_REASON, message=_l("Reason must be %(number)s characters or fewer", number=f"{MAX_REASON:,}"))],
        render_kw={"params": {"rows": 3}},
    )
    submit = SubmitField(_l("Report"), widget=GovSubmitInput())


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
                    Length(max=MAX_DESCRIPTION, message=_l("Explanation must be %(number)s characters or fewer", number=f"{MAX_DESCRIPTION:,}"))],
    )
    submit = SubmitField(_l("Save assessment"), widget=GovSubmitInput())


class MergeForm(FlaskForm):
    into = SelectField(_l("Merge into"), description=_l("Its supporters move to the idea kept, each person counted once."),
                       widget=GovSelect(), validate_choice=False)
    submit = SubmitField(_l("Merge this duplicate"), widget=GovSubmitInput())

    def target(self) -> int | None:
        value = (self.into.data or "").strip()
        return int(value) if value.isdigit() and len(value) < 12 else None
