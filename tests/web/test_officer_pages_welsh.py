"""The officer pages in Welsh (issue 21): an officer whose saved language is Welsh sees every
page translated below in Welsh. Each page is rendered twice, as the same officer in English
and in Welsh, over the page crawl's world (the demo borough plus the states it lacks); every
string marked in the page's templates and views that shows in the English page must be gone
from the Welsh one (unless its Welsh translation keeps it, as "CSV" or a name)."""

from __future__ import annotations

import html
import re
from pathlib import Path

from babel.messages.extract import extract_from_file
from flask import before_render_template, url_for
from flask_babel import force_locale, get_translations
from sqlalchemy import select

from brokerage.demo import DEMO_PASSWORD
from models import Commitment, User, db
from models.tenders.models import OfferLine
from tests.browser.test_every_page import plan, seed_world
from tests.factories import signed_in

ROOT = Path(__file__).resolve().parents[2]

# The officer templates translated so far (and the task page the officers' long jobs share).
TRANSLATED = {
    "officers/needs_queue.html", "officers/review_need.html", "officers/review_organisation.html",
    "officers/organisations.html", "officers/confirm.html", "officers/deliveries.html", "officers/delivery.html",
    "officers/rounds.html", "officers/round.html", "officers/round_form.html", "officers/round_ideas.html",
    "officers/round_import.html", "officers/round_letters.html", "officers/round_paper.html",
    "officers/round_representation.html", "officers/round_channels.html", "officers/ideas_moderation.html",
    "officers/idea.html", "officers/stories.html", "officers/story.html", "officers/case_studies.html",
    "officers/case_study_form.html", "officers/outbox.html", "officers/email.html", "officers/digests.html",
    "officers/jobs.html", "officers/audit.html", "officers/board.html", "officers/impact.html", "officers/report.html",
    "officers/tenders.html", "officers/tender.html", "officers/tender_form.html", "officers/tender_import.html",
    "officers/contract_imports.html", "officers/contract_import.html", "officers/contracts_import.html",
    "components/task.html",
    # The agreements: the dashboard, contracts and their commitments, the Fund, planning obligations.
    "officers/dashboard.html", "officers/contracts.html", "officers/contract.html", "officers/contract_form.html",
    "officers/agreement_form.html", "officers/commitment.html", "officers/commitment_form.html",
    "officers/commitment_descent.html", "officers/fund.html", "officers/planning_import.html",
    "officers/planning_register.html", "officers/planning_contribution.html",
}
# The supplier returns' officer pages (a sibling set, kept apart to keep merges small).
TRANSLATED |= {
    "officers/returns.html", "officers/return.html", "officers/return_splits.html", "officers/schedule.html",
    "officers/kpis.html", "officers/assessment.html", "officers/escalation.html",
}
# Partials the translated pages include.
INCLUDED = ["officers/_events.html", "officers/_round_ideas_fields.html", "components/_impact_body.html",
            "components/_impact_table.html", "components/_delivery_split.html", "components/_pair_chart.html",
            "officers/_contribution_links.html", "officers/_contribution_of_commitment.html",
            "components/_commitment_form.html"]
INCLUDED += ["officers/_returns_table.html", "components/_return_history.html", "components/_return_lines.html",
             "components/_delivered_by_source.html"]
# The views and forms whose titles, questions, labels and messages those pages show.
VIEWS = [
    "brokerage/officers/needs.py", "brokerage/officers/routes.py", "brokerage/officers/deliveries.py",
    "brokerage/officers/rounds.py", "brokerage/officers/ideas.py", "brokerage/officers/channels.py",
    "brokerage/officers/stories.py", "brokerage/officers/case_studies.py", "brokerage/officers/jobs.py",
    "brokerage/officers/digests.py", "brokerage/officers/board.py", "brokerage/officers/impact.py",
    "brokerage/officers/tenders.py", "brokerage/tasks.py", "brokerage/forms/needs.py", "brokerage/forms/pledges.py",
    "brokerage/forms/voting.py", "brokerage/forms/ideas.py", "brokerage/forms/stories.py", "brokerage/forms/tenders.py",
    "brokerage/officers/contracts.py", "brokerage/officers/fund.py", "brokerage/officers/planning.py",
    "brokerage/officers/planning_links.py", "brokerage/forms/contracts.py", "brokerage/forms/fund.py",
    "brokerage/forms/planning.py",
]
VIEWS += ["brokerage/officers/returns.py", "brokerage/officers/kpis.py", "brokerage/officers/escalation.py",
          "brokerage/forms/returns.py"]

# Shared parts the translated pages render that are still in English (not yet marked): a
# string that also occurs in one of them is not looked for.
UNMARKED_PARTS = ["templates/components/_bid_pack.html"]

USES = re.compile(r'{%-?\s*(?:include|from|import|extends)\s+"([^"]+)"')


def parts(name: str) -> set[str]:
    """This template and the translated partials it includes, imports or extends, all the way down."""
    found, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in found or not (current in TRANSLATED or current in INCLUDED):
            continue
        found.add(current)
        todo.extend(USES.findall((ROOT / "templates" / current).read_text(encoding="utf-8")))
    return found


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


def test_every_translated_officer_page_is_in_welsh(app):
    world = seed_world(app)
    visits, _unfillable = plan(app, world)
    with app.app_context():
        officer = db.session.scalar(select(User).where(User.email == "officer@example.org"))
        officer_id = officer.id
        # A commitment's descent from a tender: the crawl's world has an offer line but no
        # award, so the line is given one of the world's commitments.
        line = db.session.scalar(select(OfferLine).order_by(OfferLine.id))
        line.commitment_id = db.session.scalar(select(Commitment.id).where(Commitment.state == "approved").order_by(Commitment.id))
        db.session.commit()
        with app.test_request_context():
            visits.append(("officers.commitment_descent", url_for("officers.commitment_descent", commitment_id=line.commitment_id)))
    client = signed_in(app, "officer@example.org", DEMO_PASSWORD)

    def set_locale(code: str) -> None:
        with app.app_context():
            db.session.get(User, officer_id).locale = code
            db.session.commit()

    rendered: list[str] = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    english: dict[str, tuple[str, list[str]]] = {}
    set_locale("en")
    with before_render_template.connected_to(record, app):
        for endpoint, path in visits:
            if not endpoint.startswith("officers."):
                continue
            rendered.clear()
            response = client.get(path)
            if response.status_code == 200 and rendered and rendered[0] in TRANSLATED:
                english[path] = (text(response), list(rendered))
    assert len(english) >= len(TRANSLATED), sorted(english)
    assert {names[0] for _page, names in english.values()} == TRANSLATED

    view_strings = marked(VIEWS, "python")
    unmarked = " ".join((ROOT / path).read_text(encoding="utf-8") for path in UNMARKED_PARTS)
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
            templates = sorted({f"templates/{part}" for name in names for part in parts(name)})
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
    assert checked > 100, (checked, {path: names for path, (_text, names) in english.items()})
    assert left == [], f"still in English on the Welsh pages: {left[:20]}"

