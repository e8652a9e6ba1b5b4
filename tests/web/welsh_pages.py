"""The check the officer, supplier and admin pages' Welsh tests share (issue 21): render each
page of the page crawl's world twice, as the same person with their saved language English
and then Welsh, and find every string marked in the page's templates (and the partials it
includes) and in its views and forms that shows in the English page but is still there, as
often, on the Welsh one (unless its Welsh translation keeps it, as "CSV" or a name)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.extract import extract_from_file
from flask import before_render_template
from flask_babel import force_locale, get_translations
from sqlalchemy import select

from brokerage.demo import DEMO_PASSWORD
from models import User, db
from tests.factories import signed_in

ROOT = Path(__file__).resolve().parents[2]
USES = re.compile(r'{%-?\s*(?:include|from|import|extends)\s+"([^"]+)"')
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
TAG = re.compile(r"<[^>]+>")


def marked(paths: list[str], method: str) -> set[tuple[str, str]]:
    """(msgid, English) for each string marked in these files: both forms of a plural, each
    with the singular that the catalogue knows it by."""
    found = set()
    for path in paths:
        for _line, messages, _comments, _context in extract_from_file(method, str(ROOT / path)):
            forms = [message for message in (messages if isinstance(messages, tuple) else (messages,)) if message]
            found.update((forms[0], form) for form in forms)
    return found


def pieces(msgid: str) -> list[str]:
    """The English words of a msgid between its placeholders, long enough to be telling: a
    word of four letters or more on its own, two words or more beside a placeholder."""
    found = [piece.strip(" .,:;()“”") for piece in PLACEHOLDER.split(msgid.replace("%%", "%"))]
    shortest = 1 if len(found) == 1 else 2
    return [piece for piece in found if len(piece) >= 4 and len(piece.split()) >= shortest and re.search(r"[A-Za-z]{3}", piece)]


def text(response) -> str:
    return " ".join(html.unescape(TAG.sub(" ", response.get_data(as_text=True))).split())


def occurrences(page: str, piece: str) -> int:
    return len(re.findall(rf"(?<![\w’']){re.escape(' '.join(piece.split()))}(?![\w’'])", page))


@dataclass
class Pages:
    """Whose pages: the person (signed in with the demo password), the blueprint's endpoint
    prefix, the page templates translated, the partials they include, and the views and forms
    whose titles, labels and messages they show."""

    email: str
    prefix: str
    translated: set[str]
    included: set[str]
    views: list[str]
    unreached: set[str] = field(default_factory=set)  # translated, but the crawl's world cannot show it
    unmarked_parts: list[str] = field(default_factory=list)  # shared parts still English: not looked for

    def parts(self, name: str) -> set[str]:
        """This template and the translated partials it includes, imports or extends, all the way down."""
        found, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current in found or not (current in self.translated or current in self.included):
                continue
            found.add(current)
            todo.extend(USES.findall((ROOT / "templates" / current).read_text(encoding="utf-8")))
        return found


@dataclass
class Outcome:
    english: dict[str, tuple[str, list[str]]]  # path -> (the English page's text, the templates it rendered)
    checked: int  # marked strings looked for on a Welsh page
    left: list[tuple[str, str, str]]  # (path, English words still there, what surrounds them)
    client: object


def check_pages_in_welsh(app, pages: Pages, visits: list[tuple[str, str]]) -> Outcome:
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == pages.email))
    client = signed_in(app, pages.email, DEMO_PASSWORD)

    def set_locale(code: str) -> None:
        with app.app_context():
            db.session.get(User, user_id).locale = code
            db.session.commit()

    rendered: list[str] = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    english: dict[str, tuple[str, list[str]]] = {}
    set_locale("en")
    with before_render_template.connected_to(record, app):
        for endpoint, path in visits:
            if not endpoint.startswith(pages.prefix):
                continue
            rendered.clear()
            response = client.get(path)
            if response.status_code == 200 and rendered and rendered[0] in pages.translated:
                english[path] = (text(response), list(rendered))
    assert {names[0] for _page, names in english.values()} == pages.translated - pages.unreached, sorted(english)

    view_strings = marked(pages.views, "python")
    unmarked = " ".join((ROOT / path).read_text(encoding="utf-8") for path in pages.unmarked_parts)
    set_locale("cy")
    left, checked = [], 0
    with app.test_request_context("/"), force_locale("cy"):
        catalogue = get_translations()._catalog

        def welsh(msgid: str) -> str:
            """Every Welsh form of this msgid (placeholders left in)."""
            forms = [catalogue.get(msgid)] + [catalogue.get((msgid, index)) for index in range(6)]
            return " ".join(form for form in forms if form)

        for path, (english_text, names) in english.items():
            welsh_response = client.get(path)
            assert welsh_response.status_code == 200, path
            assert '<html lang="cy"' in welsh_response.get_data(as_text=True)
            assert "&lt;strong" not in welsh_response.get_data(as_text=True), path  # a tag built as text, escaped
            welsh_text = text(welsh_response)
            templates = sorted({f"templates/{part}" for name in names for part in pages.parts(name)})
            for msgid, english_form in marked(templates, "jinja2") | view_strings:
                translation = welsh(msgid)
                for piece in pieces(english_form):
                    in_english = occurrences(english_text, piece)
                    if not in_english or piece in translation or piece in unmarked:
                        continue
                    checked += 1
                    # None of its places translated (a name like "Sam Supplier" stays in both).
                    if occurrences(welsh_text, piece) >= in_english:
                        left.append((path, piece, welsh_text[max(0, welsh_text.find(piece) - 80):welsh_text.find(piece) + 80]))
    return Outcome(english, checked, left, client)
