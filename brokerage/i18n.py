"""Languages (Flask-Babel): which one a page is in, and the catalogues it reads.

The person's saved choice (users.locale) wins, then the `language` cookie the switcher sets,
then the browser's Accept-Language, best match among LANGUAGES; the first is the default.
Catalogues are brokerage/translations/<code>/LC_MESSAGES/messages.po (README, "Languages")."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

from flask import Flask, current_app, g, has_app_context, request
from flask_babel import Babel, force_locale, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

COOKIE = "language"
COOKIE_MAX_AGE = 365 * 24 * 3600
# Each language's own name, as the switcher shows it (in that language).
NAMES = {"en": "English", "cy": "Cymraeg", "pl": "Polski", "ro": "Română", "ur": "اردو", "so": "Soomaali",
         "gu": "ગુજરાતી", "pt": "Português", "ar": "العربية", "ta": "தமிழ்"}

babel = Babel()


def _language_names() -> dict:
    """Each language's name in the reader's language, for "Only available in Welsh"."""
    from flask_babel import lazy_gettext as _l

    return {"en": _l("English"), "cy": _l("Welsh"), "pl": _l("Polish"), "ro": _l("Romanian"), "ur": _l("Urdu"),
            "so": _l("Somali"), "gu": _l("Gujarati"), "pt": _l("Portuguese"), "ar": _l("Arabic"), "ta": _l("Tamil")}


def language_name(code: str) -> str:
    """A language's name in the page's language (its own name when we have no translation)."""
    return str(_language_names().get(code) or NAMES.get(code, code))


def local_text(item):
    """A need's, an option's or an idea's text in the reader's language where it exists, else
    its original (models/core/translations.py): `.title`, `.description`, `.language`, `.translated`."""
    from models.core.translations import text_in

    return text_in(item, current_language(), languages()[0])


def languages() -> list[str]:
    return current_app.config["LANGUAGES"]


def offered(code: str | None) -> str | None:
    return code if code in languages() else None


def select_locale() -> str:
    if request:
        if current_user and current_user.is_authenticated and offered(current_user.locale):
            return current_user.locale
        chosen = offered(request.cookies.get(COOKIE))
        if chosen:
            return chosen
        return request.accept_languages.best_match(languages()) or languages()[0]
    return languages()[0]


def current_language() -> str:
    return str(get_locale() or languages()[0])


def language_choices() -> list[dict]:
    """The switcher's languages: code, own name, and whether it is the page's."""
    here = current_language()
    return [{"code": code, "name": NAMES.get(code, code), "current": code == here} for code in languages()]


@contextmanager
def in_language(code: str | None) -> Iterator[None]:
    """Render (an email, a job's text) in someone's language, or the default."""
    with force_locale(offered(code) or languages()[0]):
        yield


def local_title_html(item):
    """The title in the reader's language where it exists, in a span saying which language
    it is in (for HTML emails, where the title sits inside a translated sentence)."""
    from markupsafe import Markup, escape

    text = local_text(item)
    return Markup(f'<span lang="{escape(text.language)}">{escape(text.title)}</span>')


def _chosen_locale(here):
    # Flask-Babel keeps the locale it chose on g._flask_babel; read it there (get_locale()
    # would look g up three times more) and choose it the usual way when it is not chosen yet.
    return getattr(getattr(here, "_flask_babel", None), "babel_locale", None) or get_locale()


def page_locale():
    """get_locale(), quicker: the dates and numbers of a page or a digest ask for it thousands
    of times. None outside an app context."""
    return _chosen_locale(g._get_current_object()) if has_app_context() else None


def _page_translations():
    """The current locale's catalogue, kept on `g` beside the locale it is for (force_locale,
    for an email in its recipient's language, sets another locale, so it is looked up again)."""
    if not has_app_context():
        return get_translations()
    here = g._get_current_object()
    locale = _chosen_locale(here)
    kept = getattr(here, "_page_translations", None)
    if kept is not None and kept[0] is locale:
        return kept[1]
    found = get_translations()
    here._page_translations = (locale, found)
    return found


def page_gettext(text: str) -> str:
    """gettext(text) with no values, from the catalogue kept for the page (a list page
    translates a label on every row)."""
    return _page_translations().ugettext(text)


@pass_eval_context
def _template_gettext(eval_context, string: str, **variables):
    translated = _page_translations().ugettext(string)
    if eval_context.autoescape:
        translated = Markup(translated)
    return translated % variables


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["LANGUAGES"][0])
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/London")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", os.path.join(app.root_path, "translations"))
    babel.init_app(app, locale_selector=select_locale)
    # Templates mark about 150 strings a page: find the page's catalogue once per locale, not
    # once per string as Flask-Babel's own callables do (a quarter of a list page's rendering).
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: _page_translations().ugettext(string),
        ngettext=lambda singular, plural, n: _page_translations().ungettext(singular, plural, n),
        pgettext=lambda context, string: _page_translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: _page_translations().unpgettext(context, singular, plural, n),
        newstyle=True,
    )
    # `_` and `gettext` straight to the catalogue: Jinja's own `_` calls `gettext` through the
    # template context, which calls the function above through it again (two introspected
    # calls a string, a sixth of a digest's rendering). Same result: autoescaped as Markup
    # and always %-formatted, as Jinja's newstyle gettext does.
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext)
    app.jinja_env.globals.update(
        current_language=current_language, language_choices=language_choices, language_name=language_name,
        local_text=local_text, local_title_html=local_title_html,
    )


def compile_catalogues(directory: str) -> list[str]:
    """Compile each out-of-date messages.po beside it as messages.mo (what `make setup` does
    with pybabel; the tests call this so a bare pytest run reads current catalogues)."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    for po in sorted(Path(directory).glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source)
        temporary = mo.with_suffix(f".mo.{os.getpid()}")
        with temporary.open("wb") as target:
            write_mo(target, catalogue)
        os.replace(temporary, mo)
        compiled.append(str(po))
    return compiled
