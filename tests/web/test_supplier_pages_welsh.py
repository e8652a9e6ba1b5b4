"""The supplier pages in Welsh (issue 21): a supplier whose saved language is Welsh sees every
page translated below in Welsh. As in test_officer_pages_welsh.py (whose helpers this uses):
each page is rendered twice over the page crawl's world, as the same supplier in English and in
Welsh, and every string marked in the page's templates and views that shows in the English page
must be gone from the Welsh one (unless its Welsh translation keeps it)."""

from __future__ import annotations

from flask import before_render_template
from flask_babel import force_locale, get_translations
from sqlalchemy import select

from brokerage.demo import DEMO_PASSWORD
from models import User, db
from tests.browser.test_every_page import plan, seed_world
from tests.factories import signed_in
from tests.web.test_officer_pages_welsh import ROOT, USES, marked, occurrences, pieces, text

# The supplier templates translated so far.
TRANSLATED = {
    "suppliers/contract_returns.html", "suppliers/return.html", "suppliers/return_line.html",
    "suppliers/upload_returns.html", "suppliers/choose.html", "suppliers/record_delivery.html", "suppliers/pledge.html",
    "suppliers/propose_commitment.html", "suppliers/recommended.html", "suppliers/tenders.html", "suppliers/offer.html",
    "suppliers/dashboard.html",
}
# Translated, but the crawl's world has no pledge of this supplier waiting for delivery (its
# page redirects), so it is not rendered here.
UNREACHED = {"suppliers/record_delivery.html"}
# Partials the translated pages include.
INCLUDED = {"components/_return_lines.html", "components/_return_history.html", "suppliers/_recommendation.html",
            "components/_delivered_by_source.html"}
# The views and forms whose titles, labels and messages those pages show.
VIEWS = ["brokerage/suppliers/dashboard.py", "brokerage/suppliers/returns.py", "brokerage/suppliers/pledges.py", "brokerage/suppliers/recommendations.py",
         "brokerage/suppliers/commitments.py", "brokerage/suppliers/tenders.py", "brokerage/forms/returns.py",
         "brokerage/forms/pledges.py", "brokerage/forms/tenders.py"]


def parts(name: str) -> set[str]:
    """This template and the translated partials it includes, all the way down."""
    found, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in found or not (current in TRANSLATED or current in INCLUDED):
            continue
        found.add(current)
        todo.extend(USES.findall((ROOT / "templates" / current).read_text(encoding="utf-8")))
    return found


def test_every_translated_supplier_page_is_in_welsh(app):
    world = seed_world(app)
    visits, _unfillable = plan(app, world)
    with app.app_context():
        supplier_id = db.session.scalar(select(User.id).where(User.email == "supplier@example.org"))
    client = signed_in(app, "supplier@example.org", DEMO_PASSWORD)

    def set_locale(code: str) -> None:
        with app.app_context():
            db.session.get(User, supplier_id).locale = code
            db.session.commit()

    rendered: list[str] = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    english: dict[str, tuple[str, list[str]]] = {}
    set_locale("en")
    with before_render_template.connected_to(record, app):
        for endpoint, path in visits:
            if not endpoint.startswith("suppliers."):
                continue
            rendered.clear()
            response = client.get(path)
            if response.status_code == 200 and rendered and rendered[0] in TRANSLATED:
                english[path] = (text(response), list(rendered))
    assert {names[0] for _page, names in english.values()} == TRANSLATED - UNREACHED, sorted(english)

    view_strings = marked(VIEWS, "python")
    set_locale("cy")
    left, checked = [], 0
    with app.test_request_context("/"), force_locale("cy"):
        catalogue = get_translations()._catalog

        def welsh(msgid: str) -> str:
            forms = [catalogue.get(msgid)] + [catalogue.get((msgid, index)) for index in range(6)]
            return " ".join(form for form in forms if form)

        for path, (english_text, names) in english.items():
            welsh_response = client.get(path)
            assert welsh_response.status_code == 200, path
            assert '<html lang="cy"' in welsh_response.get_data(as_text=True)
            welsh_text = text(welsh_response)
            templates = sorted({f"templates/{part}" for name in names for part in parts(name)})
            for msgid, english_form in marked(templates, "jinja2") | view_strings:
                translation = welsh(msgid)
                for piece in pieces(english_form):
                    in_english = occurrences(english_text, piece)
                    if not in_english or piece in translation:
                        continue
                    checked += 1
                    if occurrences(welsh_text, piece) >= in_english:
                        left.append((path, piece, welsh_text[max(0, welsh_text.find(piece) - 80):welsh_text.find(piece) + 80]))
    assert checked > 40, checked
    assert left == [], f"still in English on the Welsh pages: {left[:20]}"
