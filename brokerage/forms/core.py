"""Core: the council's settings (rules in models/core/settings.py), and the second-language
fields of needs, options and ideas (models/core/translations.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from brokerage.forms import PoundsField
from brokerage.i18n import current_language, language_name, languages
from brokerage.rule_messages import lazy_label
from models.core.translations import Limits, SecondText
from models.returns.periods import EVERY_MONTHS, LABELS


def _schedule_field(label) -> SelectField:
    return SelectField(
        label,
        widget=GovSelect(),
        coerce=int,
        choices=[SelectChoice(months, lazy_label(LABELS[months])) for months in EVERY_MONTHS],
        validate_choice=True,
    )

def _percent_field(label: str, description: str) -> IntegerField:
    return IntegerField(
        label,
        description=description,
        widget=GovTextInput(),
        validators=[
            InputRequired(message=_l("Enter the percentage as a whole number")),
            NumberRange(min=0, max=1000, message=_l("Enter a percentage between 0 and 1,000")),
        ],
        render_kw={"params": {"classes": "govuk-input--width-4", "inputmode": "numeric", "suffix": {"text": "%"}}},
    )


def _days_field(label, low: int, high: int, out_of_range, description=None) -> IntegerField:
    """A number of days from `low` to `high`; `out_of_range` says so (a marked string)."""
    return IntegerField(
        label,
        description=description,
        widget=GovTextInput(),
        validators=[
            InputRequired(message=_l("Enter the number of days, as a whole number")),
            NumberRange(min=low, max=high, message=out_of_range),
        ],
        render_kw={"params": {"classes": "govuk-input--width-4", "inputmode": "numeric"}},
    )


# The tier thresholds: up to £100bn, in the words of the proxy value's messages.
THRESHOLD = {
    "not_an_amount": _l("Enter an amount in pounds, like 15.50"),
    "example": "15.50",
    "what": _l("The threshold"),
    "maximum_pence": 100_000_000_000 * 100,
}


class SettingsForm(FlaskForm):
    council_name = StringField(
        _l("Council name"),
        description=_l("Shown in the header of every page and in emails."),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the council's name")), Length(max=120)],
    )
    live_need_cap = IntegerField(
        _l("Most live needs per community group"),
        description=_l("Needs waiting for review, open or fully pledged count as live."),
        widget=GovTextInput(),
        validators=[
            InputRequired(message=_l("Enter the most live needs a group may have, as a whole number")),
            NumberRange(min=1, max=100, message=_l("Enter a number between 1 and 100")),
        ],
        render_kw={"params": {"classes": "govuk-input--width-4", "inputmode": "numeric"}},
    )
    tier_basic_from = PoundsField(
        _l("Basic tier from (£)"),
        description=_l("Contracts worth this or more need a contribution in 1 to 2 priority themes. Brent: 215,000."),
        **THRESHOLD,
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the basic tier threshold in pounds"))],
    )
    tier_kpi_from = PoundsField(
        _l("KPI tier from (£)"),
        description=_l("Contracts worth this or more need clear commitments with KPIs. Brent: 1,000,000."),
        **THRESHOLD,
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the KPI tier threshold in pounds"))],
    )
    tier_strategic_over = PoundsField(
        _l("Strategic tier over (£)"),
        description=_l("Contracts worth more than this need at least 3 KPIs across several themes. Brent: 5,000,000."),
        **THRESHOLD,
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the strategic tier threshold in pounds"))],
    )
    at_risk_days = _days_field(_l("At risk: days before the due date"), 1, 730, _l("Enter a number of days between 1 and 730"))
    at_risk_percent = IntegerField(
        _l("At risk: below this share delivered (%)"),
        widget=GovTextInput(),
        validators=[
            InputRequired(message=_l("Enter the share as a whole number of per cent")),
            NumberRange(min=1, max=100, message=_l("Enter a percentage between 1 and 100")),
        ],
        render_kw={"params": {"classes": "govuk-input--width-4", "inputmode": "numeric"}},
    )
    return_months_none = _schedule_field(_l("Contracts under the basic tier report"))
    return_months_basic = _schedule_field(_l("Contracts in the basic tier report"))
    return_months_kpi = _schedule_field(_l("Contracts in the KPI tier report"))
    return_months_strategic = _schedule_field(_l("Contracts in the strategic tier report"))
    return_due_days = _days_field(
        _l("A return is due this many days after its period ends"), 0, 180, _l("Enter a number of days between 0 and 180")
    )
    return_remind_days = _days_field(
        _l("Remind the supplier this many days before a return is due"), 1, 90, _l("Enter a number of days between 1 and 90"),
        _l("Default 14. A supplier is emailed once then, and once more if the return is overdue."),
    )
    rating_good_percent = _percent_field(
        _l("Good: delivered at least this share of the pro-rata target"),
        _l("Default 100. It may be more than 100 where a council rates only over-delivery Good."),
    )
    rating_approaching_percent = _percent_field(_l("Approaching target: at least"), _l("Default 85."))
    rating_requires_improvement_percent = _percent_field(
        _l("Requires improvement: at least"), _l("Default 60. Below it, a KPI is proposed as Inadequate.")
    )
    council_buyer_names = TextAreaField(
        _l("Names this council buys under (optional)"),
        description=_l("One a line, as contract notices name the council. For example: Brent Council, London Borough of Brent. "
        "Compared without \"Council\", \"London Borough of\" and capitals."),
        widget=GovTextArea(),
        validators=[Length(max=4000, message=_l("Enter fewer names"))],
        render_kw={"params": {"rows": 3}},
    )
    council_buyer_ids = TextAreaField(
        _l("Organisation identifiers this council buys under (optional)"),
        description=_l("One a line, as OCDS writes them (scheme and identifier). For example: GB-LAE-BEN, or the "
        "council's Contracts Finder identifier such as GB-CFS-12345."),
        widget=GovTextArea(),
        validators=[Length(max=4000, message=_l("Enter fewer identifiers"))],
        render_kw={"params": {"rows": 3}},
    )
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())

    def lines(self, field) -> list[str]:
        return (field.data or "").splitlines()

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        values = [self.tier_basic_from.pence, self.tier_kpi_from.pence, self.tier_strategic_over.pence]
        if ok and None not in values and not values[0] <= values[1] <= values[2]:
            self.tier_kpi_from.errors = [*self.tier_kpi_from.errors, str(_l("The thresholds must rise: basic, then KPI, then strategic"))]
            ok = False
        ratings = [self.rating_requires_improvement_percent.data, self.rating_approaching_percent.data,
                   self.rating_good_percent.data]
        if not (self.rating_requires_improvement_percent.errors or self.rating_approaching_percent.errors
                or self.rating_good_percent.errors) and None not in ratings and not ratings[0] < ratings[1] < ratings[2]:
            self.rating_approaching_percent.errors = [
                *self.rating_approaching_percent.errors,
                str(_l("The rating thresholds must rise: requires improvement, then approaching target, then good")),
            ]
            ok = False
        return ok


def second_language_fields(limits: Limits) -> type:
    class SecondLanguageFields:
        language = SelectField(
            _l("Language of the text above"),
            description=_l("The language you wrote the title and description in."),
            widget=GovSelect(),
            validate_choice=False,
        )
        second_language = SelectField(
            _l("Second language (optional)"),
            description=_l("To give the title and description in another language too. "
                           "Choose a language and leave its boxes empty to remove what was there."),
            widget=GovSelect(),
            validate_choice=False,
        )
        second_title = StringField(
            _l("Title in the second language"),
            widget=GovTextInput(),
            validators=[Length(max=limits.title, message=_l("Title must be %(number)s characters or fewer",
                                                            number=f"{limits.title:,}"))],
        )
        second_summary = TextAreaField(
            _l("Summary in the second language"),
            widget=GovCharacterCount(),
            validators=[Length(max=limits.summary, message=_l("Summary must be %(number)s characters or fewer",
                                                              number=f"{limits.summary:,}"))],
            render_kw={"params": {"maxlength": limits.summary}},
        ) if limits.summary else None
        second_description = TextAreaField(
            _l("Description in the second language (optional)"),
            description=_l("You can use Markdown: **bold**, lists, links."),
            widget=GovTextArea(),
            validators=[Length(max=limits.description, message=_l("Description must be %(number)s characters or fewer",
                                                                  number=f"{limits.description:,}"))],
        )

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            offered = languages()
            self.language.choices = [SelectChoice(code, language_name(code)) for code in offered]
            self.second_language.choices = [SelectChoice("", _l("No second language"))] + [
                SelectChoice(code, language_name(code)) for code in offered
            ]
            obj = kwargs.get("obj")
            if not self.is_submitted():
                self.fill_second_language(obj)

        @property
        def offers_second_language(self) -> bool:
            return len(languages()) > 1

        def fill_second_language(self, obj) -> None:
            """The text's language and its first translation, from a saved need, option or idea."""
            self.language.data = (obj.language if obj is not None else "") or (
                current_language() if obj is None else languages()[0]
            )
            row = obj.translations[0] if obj is not None and obj.translations else None
            if row is not None:
                self.second_language.data, self.second_title.data = row.locale, row.title
                self.second_description.data = row.description
                if self.second_summary is not None:
                    self.second_summary.data = row.summary

        def validate_language(self, field):
            if field.data and field.data not in languages():  # not sent: the council's default
                raise ValidationError(_l("Choose the language of the text above"))

        def validate_second_language(self, field):
            if field.data and field.data not in languages():
                raise ValidationError(_l("Choose the second language from the list"))
            if field.data and field.data == self.language.data:
                raise ValidationError(_l("Choose a second language other than the language of the text above"))
            if not field.data and (self.second_title.data or "").strip():
                raise ValidationError(_l("Choose the second language"))

        def validate_second_title(self, field):
            others = [self.second_description.data] + ([self.second_summary.data] if self.second_summary is not None else [])
            if self.second_language.data and not (field.data or "").strip() and any((text or "").strip() for text in others):
                raise ValidationError(_l("Enter the title in the second language"))

        def validate_second_summary(self, field):
            if self.second_language.data and (self.second_title.data or "").strip() and not (field.data or "").strip():
                raise ValidationError(_l("Enter the summary in the second language"))

        def second_text(self) -> SecondText | None:
            """What to save: None when no second language was chosen."""
            if not self.offers_second_language or not self.second_language.data:
                return None
            return SecondText(
                locale=self.second_language.data,
                title=self.second_title.data or "",
                summary=(self.second_summary.data or "") if self.second_summary is not None else "",
                description=self.second_description.data or "",
            )

        def text_language(self) -> str:
            return self.language.data if self.language.data in languages() else ""

    return SecondLanguageFields

