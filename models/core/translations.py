"""A need's, an option's or an idea's title and text in other languages.

Each kind keeps its translations in its own table (need_translations,
round_option_translations, idea_translations), one row per (parent, locale) by a unique
constraint, with a real foreign key that deletes them with their parent. The parent keeps
its original text and says which language that is in (`language`; empty: the council's
default language), so a page can put the right `lang` on whichever text it shows.

A reader sees the text in their language where it exists, else the original with a note
(`LocalText.translated` False). Descriptions are Markdown, cleaned by the same nh3
allow-list as every other description when rendered (brokerage/markdown.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models import DomainError, utcnow
from models.core.events import record_event

LOCALE_LENGTH = 16


class TranslationColumns:
    """The columns every translations table has, beside its parent's foreign key."""

    id: Mapped[int] = mapped_column(primary_key=True)
    locale: Mapped[str] = mapped_column(String(LOCALE_LENGTH))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


@dataclass(frozen=True)
class LocalText:
    """What to show a reader: the text, the language it is in, and whether that is theirs."""

    title: str
    summary: str
    description: str
    language: str
    translated: bool  # True: in the reader's language (the original or a translation)


@dataclass(frozen=True)
class SecondText:
    """What a form sends: the text in one other language (all blank: remove that language)."""

    locale: str
    title: str
    summary: str = ""
    description: str = ""


@dataclass(frozen=True)
class Limits:
    title: int
    description: int
    summary: int = 0  # 0: this kind has no summary


def original_language(parent: Any, default: str) -> str:
    return parent.language or default


def text_in(parent: Any, locale: str, default: str) -> LocalText:
    """The parent's text for a reader of `locale`: theirs where it exists, else the original."""
    original = original_language(parent, default)
    summary = getattr(parent, "summary", "") or ""
    if locale != original:
        for row in parent.translations:
            if row.locale == locale:
                return LocalText(row.title, row.summary, row.description, locale, True)
    return LocalText(parent.title, summary, parent.description or "", original, locale == original)


def translation(parent: Any, locale: str | None) -> Any | None:
    return next((row for row in parent.translations if row.locale == locale), None)


def validate_translation(
    locale: str, title: str, summary: str, description: str, limits: Limits, offered: Iterable[str], original: str
) -> None:
    if locale not in offered:
        raise DomainError("Choose one of the council's languages", field="second_language")
    if locale == original:
        raise DomainError("Choose a language other than the one the text above is in", field="second_language")
    if not title.strip():
        raise DomainError("Enter the title in the second language", field="second_title")
    if len(title.strip()) > limits.title:
        raise DomainError(f"The title must be {limits.title:,} characters or fewer", field="second_title")
    if limits.summary and not summary.strip():
        raise DomainError("Enter the summary in the second language", field="second_summary")
    if limits.summary and len(summary.strip()) > limits.summary:
        raise DomainError(f"The summary must be {limits.summary:,} characters or fewer", field="second_summary")
    if len(description.strip()) > limits.description:
        raise DomainError(f"The description must be {limits.description:,} characters or fewer", field="second_description")


def set_translation(parent: Any, actor: Any, text: SecondText, limits: Limits, offered: Iterable[str]) -> bool:
    """Save (or with every field blank, remove) the parent's text in `text.locale`, with an
    audit event; True when something changed. The caller has checked who may change it."""
    offered = list(offered)
    locale, title, summary, description = text.locale, text.title, text.summary, text.description
    row = translation(parent, locale)
    if not (title.strip() or summary.strip() or description.strip()):
        if row is None:
            return False
        parent.translations.remove(row)
        record_event(f"{_kind(parent)}.translation_removed", parent, actor=actor, detail={"locale": locale})
        return True
    validate_translation(locale, title, summary, description, limits, offered, original_language(parent, offered[0]))
    values = {"title": title.strip(), "summary": summary.strip(), "description": description.strip()}
    if row is None:
        parent.translations.append(parent.translation_class(locale=locale, **values))
    elif all(getattr(row, key) == value for key, value in values.items()):
        return False
    else:
        for key, value in values.items():
            setattr(row, key, value)
    record_event(f"{_kind(parent)}.translation_saved", parent, actor=actor, detail={"locale": locale})
    return True


def copy_translations(source: Any, target: Any) -> None:
    """An option made from a need or an idea starts with its translations (titles cut to fit)."""
    target.language = source.language
    for row in source.translations:
        target.translations.append(
            target.translation_class(locale=row.locale, title=row.title[:200], description=row.description)
        )


def _kind(parent: Any) -> str:
    return {"needs": "need", "round_options": "round_option", "ideas": "idea"}.get(parent.__tablename__, parent.__tablename__)
