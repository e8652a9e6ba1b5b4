"""Every page the public and residents see, in Welsh, with the crawl's world (the demo
borough and the states it lacks: tests/browser/test_every_page.py seed_world).

Each page is rendered twice, in English and in Welsh. A marked string (a msgid of the
catalogue) that the English page shows must not appear as often in the Welsh one (it may
appear in the page's data, which is the same in both): the text between its placeholders and
tags is looked for, so "<strong>3</strong> confirmed deliveries worth" is caught as well as
a whole sentence. And the templates are read for text no `_()` marks.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from models import db
from tests.factories import post_form, signed_in

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "brokerage" / "translations" / "cy" / "LC_MESSAGES" / "messages.po"

# Templates another helper translates (need, idea and ballot-option pages; returns tables).
OTHERS = {
    "public/need.html", "public/_need_card.html", "public/idea.html", "public/idea_form.html", "public/ideas.html",
    "public/_ward_ideas.html", "public/_ballot_options.html", "public/vote_ballot.html", "public/round.html",
    "components/_return_history.html", "components/_return_lines.html", "components/_delivered_by_source.html",
    "components/_delivery_split.html",
}
TEMPLATES = sorted(
    path for folder in ("public", "components", "errors") for path in (ROOT / "templates" / folder).glob("*.html")
    if f"{folder}/{path.name}" not in OTHERS
) + sorted((ROOT / "templates").glob("*.html"))

PLACEHOLDER_OR_TAG = re.compile(r"%\(\w+\)[sd]|%%|<[^>]*>")
TAG = re.compile(r"<[^>]+>")
SPACE = re.compile(r"\s+")


def english_fragments() -> dict[str, str]:
    """Text of each marked string between its placeholders and tags, three words or more (two-
    word phrases turn up in the demo's data), less what its Welsh translation keeps in English
    (names of standards and licences); a translation that only copies the English is kept."""
    with CATALOGUE.open("rb") as source:
        catalogue = read_po(source, locale="cy")
    fragments: dict[str, str] = {}
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        welsh = " ".join(strings)
        for english in ids:
            for part in PLACEHOLDER_OR_TAG.split(html.unescape(english)):
                part = SPACE.sub(" ", part).strip(" .,:;()")
                kept_in_welsh = part in welsh and english not in strings  # a name, not a copy
                if len(part.split()) >= 3 and not kept_in_welsh:
                    fragments[part] = ids[0]
    return fragments


def visible_text(response) -> str:
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    # Text a page says is English (lang="en": the API's summaries from its OpenAPI document).
    body = re.sub(r"<(td|p|span)\b[^>]*\blang=\"en\"[^>]*>.*?</\1>", " ", body, flags=re.S)
    return SPACE.sub(" ", html.unescape(TAG.sub(" ", body)))


@pytest.fixture
def world(app):
    from tests.browser.test_every_page import seed_world

    return seed_world(app)


def public_paths(app, world) -> list[str]:
    from models import Round, Story
    from models.tenders.models import Tender

    values = world["values"]
    with app.app_context():
        published = db.session.scalar(select(Round.id).where(Round.state == "published").order_by(Round.id))
        db.session.get(Round, published).counted_at = db.session.get(Round, published).closes_at  # its results shown
        db.session.commit()
        story = db.session.scalar(select(Story.id).where(Story.status == "published").order_by(Story.id))
        tender = values["tender_id"][0]
        assert db.session.get(Tender, tender) is not None and story and published
    return [
        "/", "/postcode?postcode=NW10+8AB", "/wards", f"/wards/{values['code'][0]}", "/needs", "/needs?q=zzzz",
        "/map", "/rounds", f"/rounds/{published}/results", "/ledger", "/ledger?ward=borough", "/open-data",
        "/open-data/api", "/stories", f"/stories/{story}", "/newsletter", "/tenders", f"/tenders/{tender}/bid-pack",
        "/vote", "/accessibility", "/privacy", "/cookies", "/about-the-data", "/no-such-page",
    ]


def assert_welsh(en_client, cy_client, path: str, fragments: dict[str, str], status: int = 200) -> int:
    english, welsh = en_client.get(path), cy_client.get(path)
    assert (english.status_code, welsh.status_code) == (status, status), path
    assert '<html lang="cy"' in welsh.get_data(as_text=True), path
    english_text, welsh_text = visible_text(english), visible_text(welsh)
    shown = [fragment for fragment in fragments if fragment in english_text]
    # As often in Welsh as in English: none of them translated. (Fewer: the rest are in the
    # page's data, a story that happens to say "confirmed by the council".)
    left = [f"{fragment!r} (from {fragments[fragment]!r})" for fragment in shown
            if welsh_text.count(fragment) >= english_text.count(fragment)]
    assert not left, f"{path} shows marked strings in English on its Welsh page:\n" + "\n".join(left)
    return len(shown)


def test_every_public_page_is_in_welsh(app, world):
    fragments = english_fragments()
    english, welsh = app.test_client(), app.test_client()
    english.set_cookie("language", "en")
    welsh.set_cookie("language", "cy")
    checked = {}
    for path in public_paths(app, world):
        checked[path] = assert_welsh(english, welsh, path, fragments, 404 if path == "/no-such-page" else 200)
    # Each page showed marked strings in English (the comparison had something to compare).
    assert all(checked.values()), {path: found for path, found in checked.items() if not found}


def test_the_residents_voting_pages_are_in_welsh(app, world):
    """As the demo's resident: the polling-station list, the questions after voting, and a
    ballot refused as a second vote; the flash messages too."""
    from models import Round, User

    from brokerage.demo import DEMO_PASSWORD

    fragments = english_fragments()
    english, welsh = (signed_in(app, "resident@example.org", DEMO_PASSWORD) for _ in range(2))
    with app.app_context():
        resident = db.session.scalar(select(User).where(User.email == "resident@example.org"))
        resident.locale = None
        db.session.commit()
        published = db.session.scalar(select(Round.id).where(Round.state == "published").order_by(Round.id))
    english.set_cookie("language", "en")
    welsh.set_cookie("language", "cy")
    assert_welsh(english, welsh, "/polling", fragments)
    for client in (english, welsh):
        with client.session_transaction() as session:
            session["may_answer"] = [published]
    assert_welsh(english, welsh, f"/rounds/{published}/about-you", fragments)
    # Asked again without having voted: a flash message, in Welsh, on the page it leads to.
    for client in (english, welsh):
        with client.session_transaction() as session:
            session["may_answer"] = []
    english_page = english.get(f"/rounds/{published}/about-you", follow_redirects=True)
    welsh_page = welsh.get(f"/rounds/{published}/about-you", follow_redirects=True)
    assert "These questions are for people who have just voted." in visible_text(english_page)
    assert "Mae’r cwestiynau hyn ar gyfer pobl sydd newydd bleidleisio." in visible_text(welsh_page)


def test_the_vote_by_letter_pages_answer_in_welsh(app, world, client):
    client.set_cookie("language", "cy")
    page = visible_text(client.get("/vote"))
    assert "Pleidleisio gyda’r cod o’ch llythyr" in page and "Dim llythyr?" in page
    assert "Eich cod pleidleisio" in page and "Y 12 llythyren a rhif ar eich llythyr" in page
    # The ballot without a code sends the visitor back, saying why, in Welsh.
    back = client.get("/vote/ballot", follow_redirects=True)
    assert "Rhowch y cod o’ch llythyr a’ch cod post i bleidleisio." in visible_text(back)
    # A code that matches no letter: the rule's message, beside the field, in Welsh.
    wrong = post_form(client, "/vote", {"code": "ABCD-EFGH-JKMN", "postcode": "NW10 8AB"})
    assert wrong.status_code == 400
    assert "Gwiriwch y cod a’r cod post: nid ydyn nhw’n cyfateb i lythyr" in visible_text(wrong)
    empty = visible_text(post_form(client, "/vote", {"code": "", "postcode": ""}))
    assert "Rhowch y cod o’ch llythyr" in empty and "Rhowch eich cod post" in empty


def test_numbers_and_money_follow_the_page_language(app):
    from flask_babel import force_locale

    from brokerage.templating import format_money, format_month, format_number

    with app.test_request_context("/"):
        assert (format_money(125_050), format_number(1_250), format_month(__import__("datetime").date(2026, 3, 5))) == (
            "£1,250.50", "1,250", "March 2026")
        with force_locale("cy"):  # Welsh groups digits as English does
            assert (format_money(125_050), format_number(1_250), format_month(__import__("datetime").date(2026, 3, 5))) == (
                "£1,250.50", "1,250", "Mawrth 2026")
        with force_locale("pl"):  # a language that groups otherwise gets its own separators, the £ first
            assert format_money(125_050) == "£1\xa0250,50" and format_number(1_250) == "1\xa0250"
            assert format_money(-2_500) == "-£25" and format_money(None) == ""


def unmarked_words(source: str) -> list[str]:
    """Template text outside tags and `{{ }}`, and sentence-like string literals in
    expressions that are not the first argument of `_()` or the two of `ngettext()`, read
    with Jinja's own lexer."""
    from jinja2 import Environment

    found = []
    tokens = [(kind, value) for _line, kind, value in Environment(extensions=["jinja2.ext.i18n"]).lex(source)
              if kind not in ("whitespace", "comment", "comment_begin", "comment_end")]
    # The page's own text: the data between Jinja's tags, each expression a \x00.
    text = "".join(value if kind == "data" else "\x00" for kind, value in tokens)
    text = re.sub(r"\x00+", "\x00", text)
    words = [value for value in re.findall(r'\b(?:aria-label|alt|title|placeholder)="([^"]*)"', text)]
    words += TAG.sub("\n", text).splitlines()
    found += [part.strip() for line in words for part in line.split("\x00") if re.search(r"[A-Za-z]{2,}", part)]
    for index, (kind, value) in enumerate(tokens):
        if kind == "string" and re.match(r"[A-Z][a-z]+( [a-z]+)*$|[A-Z][a-z]+ [a-z]+", value[1:-1]):  # lex() keeps the quotes
            before = [found_value for _, found_value in tokens[max(index - 2, 0):index]]
            first_argument = before in (["_", "("], ["ngettext", "("])
            plural = index >= 4 and tokens[index - 4][1] == "ngettext" and tokens[index - 1][1] == ","
            if not (first_argument or plural):
                found.append(value[1:-1])
    return found


def test_the_templates_mark_their_words():
    """No text in a template outside `_()`: a word added without marking would be English on
    the Welsh page (cookie names and the API's path are the same in both languages)."""
    allowed = {"session", "remember_token", "language", "/api/v1"}
    unmarked = [f"{path.relative_to(ROOT)}: {words}" for path in TEMPLATES
                for words in unmarked_words(path.read_text()) if words not in allowed]
    assert not unmarked, "text not marked for translation:\n" + "\n".join(unmarked)


def test_the_template_check_finds_unmarked_words():
    assert unmarked_words("<p>{{ _('Marked') }}</p><p>Not marked</p>") == ["Not marked"]
    assert unmarked_words("{{ govukBackLink({'text': 'Back to it'}) }}") == ["Back to it"]
    assert unmarked_words("{{ ngettext('One thing here', 'Two things here', n) }}{{ _('All fine here') }}") == []
