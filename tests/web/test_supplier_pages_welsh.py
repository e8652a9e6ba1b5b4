"""The supplier pages in Welsh (issue 21): a supplier whose saved language is Welsh sees every
page translated below in Welsh. As in test_officer_pages_welsh.py (tests/web/welsh_pages.py):
each page is rendered twice over the page crawl's world, as the same supplier in English and in
Welsh, and every string marked in the page's templates and views that shows in the English page
must be gone from the Welsh one (unless its Welsh translation keeps it)."""

from __future__ import annotations

from tests.browser.test_every_page import plan, seed_world
from tests.web.welsh_pages import Pages, check_pages_in_welsh

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
            "components/_delivered_by_source.html", "components/_csv_upload.html"}
# The views and forms whose titles, labels and messages those pages show.
VIEWS = ["brokerage/suppliers/dashboard.py", "brokerage/suppliers/returns.py", "brokerage/suppliers/pledges.py", "brokerage/suppliers/recommendations.py",
         "brokerage/suppliers/commitments.py", "brokerage/suppliers/tenders.py", "brokerage/forms/returns.py",
         "brokerage/forms/pledges.py", "brokerage/forms/tenders.py", "brokerage/match_reasons.py"]


def test_every_translated_supplier_page_is_in_welsh(app):
    world = seed_world(app)
    visits, _unfillable = plan(app, world)
    pages = Pages("supplier@example.org", "suppliers.", TRANSLATED, INCLUDED, VIEWS, unreached=UNREACHED)
    outcome = check_pages_in_welsh(app, pages, visits)
    assert outcome.checked > 40, outcome.checked
    assert outcome.left == [], f"still in English on the Welsh pages: {outcome.left[:20]}"
