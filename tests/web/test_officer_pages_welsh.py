"""The officer pages in Welsh (issue 21): an officer whose saved language is Welsh sees every
page translated below in Welsh. Each page is rendered twice, as the same officer in English
and in Welsh, over the page crawl's world (the demo borough plus the states it lacks); every
string marked in the page's templates and views that shows in the English page must be gone
from the Welsh one (unless its Welsh translation keeps it, as "CSV" or a name)."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from models import Commitment, db
from models.tenders.models import OfferLine
from tests.browser.test_every_page import plan, seed_world
from tests.web.welsh_pages import Pages, check_pages_in_welsh

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
# The words models/ leave to the web app: the audit trail's sentences, jobs' names, match
# reasons, the Fund's entries and the agreement kinds' own sentences.
VIEWS += ["brokerage/officers/audit_words.py", "brokerage/officers/job_names.py", "brokerage/match_reasons.py",
          "brokerage/officers/fund_words.py", "brokerage/officers/agreement_words.py"]

# Shared parts the translated pages render that are still in English (not yet marked): a
# string that also occurs in one of them is not looked for.
UNMARKED_PARTS = ["templates/components/_bid_pack.html"]


def test_every_translated_officer_page_is_in_welsh(app):
    world = seed_world(app)
    visits, _unfillable = plan(app, world)
    with app.app_context():
        # A commitment's descent from a tender: the crawl's world has an offer line but no
        # award, so the line is given one of the world's commitments.
        line = db.session.scalar(select(OfferLine).order_by(OfferLine.id))
        line.commitment_id = db.session.scalar(select(Commitment.id).where(Commitment.state == "approved").order_by(Commitment.id))
        db.session.commit()
        with app.test_request_context():
            visits.append(("officers.commitment_descent", url_for("officers.commitment_descent", commitment_id=line.commitment_id)))
    pages = Pages("officer@example.org", "officers.", TRANSLATED, set(INCLUDED), VIEWS, unmarked_parts=UNMARKED_PARTS)
    outcome = check_pages_in_welsh(app, pages, visits)
    assert outcome.checked > 100, (outcome.checked, {path: names for path, (_text, names) in outcome.english.items()})
    assert outcome.left == [], f"still in English on the Welsh pages: {outcome.left[:20]}"
