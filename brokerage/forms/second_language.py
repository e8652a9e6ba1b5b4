"""The optional "in a second language" fields of the need, round option and idea forms.

`second_language_fields(limits)` makes a mixin with: the language the main text is in, a
second language (one of LANGUAGES), and the title (and summary, for needs) and Markdown
description in it. Saved by the kind's rule (translate_need, translate_option,
translate_idea) into its translations table, one row per language (models/core/translations.py).
Choosing a language and leaving its fields empty removes that language's text."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSelect, GovTextArea, GovTextInput
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError

from brokerage.i18n import current_language, language_name, languages
from models.core.translations import Limits, SecondText


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

