"""Every page, as every role, in every state, checked by axe-core (violations of any impact).

The crawl takes every GET rule in `app.url_map`, fills its URL parameters with ids from
the demo borough (`flask demo load`) plus the states the demo lacks (a round closed,
counted, published and in draft; tasks queued, running, finished and failed; an
import batch, a case study, an email in the outbox, tokens), and visits each URL as
each role: signed out, resident, group, supplier, officer, admin. A role "can see" a
page when it answers 200 with HTML (a cheap request first; only those are rendered).
Each page is checked at 375 px wide; each route once more at 1280 px. Lists are also
visited empty (before the demo is loaded), and the forms in FORMS are submitted empty
to check their error states. One browser, one page per role, one seeded database.

It fails listing page, role and rule for every violation, every 5xx, any crawled
route that does not answer HTML, and every GET route it cannot fill (a route added
later must be given ids in PARAMETERS/ENDPOINT_VALUES or a reason in SKIPPED).
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections import defaultdict
from datetime import timedelta
from urllib.parse import urlsplit

from flask import has_request_context, request, template_rendered
from sqlalchemy import select

from brokerage.demo import DEMO_PASSWORD, load_demo
from models import db, utcnow

from .conftest import _CSP_VIOLATIONS, _watch_csp, run_axe

PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 900}

ROLES = {
    "signed out": None,
    "resident": "resident@example.org",
    "group": "group@example.org",
    "supplier": "supplier@example.org",
    "officer": "officer@example.org",
    "admin": "admin@example.org",
}

# GET routes the crawl does not visit, and why. Everything else must be filled and visited.
SKIPPED = {
    "static": "files, not pages",
    "public.health": "a JSON health check for the load balancer",
    "public.ready": "a JSON readiness check for the load balancer",
    "public.ledger_csv": "a CSV download",
    "public.grants_csv": "a CSV download (360Giving)",
    "public.grants_json": "a JSON download (360Giving), checked against its schema in tests/reporting",
    "public.ocds_json": "a JSON download (OCDS), checked against its schema in tests/reporting",
    "public.fund_csv": "a CSV download (the Social Value Fund's ledger, tests/fund)",
    "public.fund_json": "a JSON download (the Social Value Fund's ledger, tests/fund)",
    "public.round_export": "a Pabulib .pb download",
    "public.need_photo": "an image",
    "public.choose_language": "a redirect back to the page it was on, setting the language (tests/web/test_languages.py)",
    "public.story_photo": "an image",
    "officers.impact_report_data": "a CSV or JSON download",
    "officers.impact_report_download": "a PDF download (tests/reporting checks the PDF itself)",
    "admin.task_progress": "a task's JSON status, read by static/js/task.mjs (tests/core/test_tasks.py)",
    "officers.impact_report_status": "a task's JSON status, read by static/js/task.mjs (tests/core/test_tasks.py)",
    "officers.round_import_status": "a task's JSON status, read by static/js/task.mjs (tests/core/test_tasks.py)",
    "officers.contracts_import_status": "a task's JSON status, read by static/js/task.mjs (tests/core/test_tasks.py)",
    "officers.assessment_csv": "a CSV download",
    "officers.assessment_ocds": "a JSON download (OCDS)",
    "officers.letters_download": "a PDF download (the letters)",
    "public.bid_pack_csv": "a CSV download",
    "public.bid_pack_pdf": "a PDF download",
    "public.idea_photo": "an image",
    "suppliers.returns_template": "a CSV template to fill in",
    "suppliers.return_evidence": "an evidence file the supplier uploaded, sent as it is",
    "officers.planning_import_status": "a task's JSON status, read by static/js/task.mjs (tests/core/test_tasks.py)",
    "officers.digest_preview_html": "an email's own HTML as a mail program shows it (inline styles, no landmarks), "
    "framed by /officers/digests which the crawl visits",
}
SKIPPED_PREFIXES = {"api.": "the JSON API, checked by Schemathesis and openapi-core (tests/web, tests/reporting)"}

# Forms submitted empty, to check the page with its errors: (role, path).
FORMS = [
    ("signed out", "/sign-in"),
    ("signed out", "/register"),
    ("signed out", "/password/forgot"),
    ("signed out", "/postcode"),
    ("resident", "/account/details"),
    ("resident", "/account/password"),
    ("resident", "/organisations/new"),
    ("resident", "/rounds/{ideas_round_id}/ideas/new"),
    ("group", "/groups/{group_id}/needs/new"),
    ("group", "/groups/{group_id}/stories/new"),
    ("supplier", "/needs/{need_id}/pledge"),
    ("supplier", "/suppliers/returns/{draft_return_id}/commitments/{commitment_id}"),
    ("supplier", "/suppliers/offers/{empty_offer_id}"),
    ("officer", "/officers/tenders/new"),
    ("officer", "/officers/rounds/{round_id}/letters"),
    ("officer", "/officers/rounds/new"),
    ("officer", "/officers/contracts/new"),
    ("officer", "/officers/contracts/{contract_id}/schedule"),
    ("officer", "/officers/stories/new"),
    ("officer", "/officers/case-studies/new"),
    ("admin", "/admin/themes/new"),
    ("admin", "/admin/measures/new"),
    ("admin", "/admin/indicators"),
    ("officer", "/officers/planning-obligations/contributions/{contribution_id}"),
    ("officer", "/officers/contracts/{agreement_id}/edit"),
]


def skip_reason(endpoint: str) -> str | None:
    if endpoint in SKIPPED:
        return SKIPPED[endpoint]
    return next((reason for prefix, reason in SKIPPED_PREFIXES.items() if endpoint.startswith(prefix)), None)


def get_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if "GET" in rule.methods), key=lambda rule: rule.rule)


# ---------------------------------------------------------------------------------------
# The world: the demo borough plus the states it lacks. Values are lists: the first is
# the ordinary case; the rest are other states of the same page.


def seed_world(app) -> dict[str, list]:
    from brokerage.tokens import make_token
    from models import (Commitment, Contract, EmailMessage, Measure, Membership, Need, Organisation, Pledge, Round,
                        RoundOption, Story, Task, Theme, User, Ward)
    from models.contracts.models import ImportBatch
    from models.voting.letters import LetterBatch
    from models.people.organisations import invite_member
    from models.stories.case_studies import CaseStudyDetails, save_case_study
    from tests import factories
    from workers.digests import unsubscribe_token

    with app.app_context():
        load_demo()
        officer = db.session.scalar(select(User).where(User.email == "officer@example.org"))
        group_owner = db.session.scalar(select(User).where(User.email == "group@example.org"))
        resident = db.session.scalar(select(User).where(User.email == "resident@example.org"))
        groups = db.session.scalars(select(Organisation).where(Organisation.kind == "vcse").order_by(Organisation.id)).all()
        suppliers = db.session.scalars(select(Organisation).where(Organisation.kind == "supplier").order_by(Organisation.id)).all()
        open_round = db.session.scalar(select(Round).order_by(Round.id))
        now = utcnow()
        rounds = {"open": open_round.id}
        ward_id = open_round.ward_id or resident.ward_id
        for state, opens, closes in (
            ("closed", now - timedelta(days=20), now - timedelta(days=1)),
            ("counted", now - timedelta(days=20), now - timedelta(days=2)),  # closed, counted, not published
            ("draft", now + timedelta(days=5), now + timedelta(days=30)),
        ):
            made = factories.inserted_round(ward_id, f"A {state} round", state="closed" if state == "counted" else state, budget_pence=5_000_00,
                                            opens_at=opens, closes_at=closes, max_choices=2)
            for position, title in enumerate(("Community fridge", "Allotment tools"), start=1):
                db.session.add(RoundOption(round_id=made.id, position=position, title=title, cost_pence=2_000_00,
                                           votes=(5 - position) if state == "counted" else None,
                                           vote_rank=position if state == "counted" else None,
                                           selected_add1=position == 1 if state == "counted" else None))
            rounds[state] = made.id
        db.session.commit()
        rounds["published"] = factories.published_round(app, ward_id, ["Laptops for homework club"], ["Allotment tools"])

        tasks: dict[str, list[str]] = defaultdict(list)
        task_results = {
            "impact_report": {"pages": 4, "download_name": "impact-report-2026.pdf", "file": "none.pdf"},
            "round_import": {"options": 3, "ballots": 120, "round_id": rounds["published"]},
            "ocds_import": {"created": 2, "updated": 1, "skipped": 1, "unchanged": 0, "suppliers_created": 1,
                            "reasons": {"Not Brent's contract": 1}},
            "wards_import": {"created": 22, "updated": 0, "skipped": 0},
            "planning_import": {"kind": "developer-agreement", "created": 13, "unchanged": 0, "skipped": 1,
                                "lines": ["Line 9: The agreement X is local-authority-eng:WDE\u2019s, not this council\u2019s"]},
            "ocds_preview": None,
            "census_import": {"rows": 44, "dimension": "age_band", "wards": 22, "skipped": 3},
            "letters": {"letters": 1_200, "pages": 1_200, "download_name": "letters.pdf", "file": "none.pdf"},
        }
        for name, result in task_results.items():
            for status in ("queued", "running", "finished", "failed"):
                if status == "finished" and result is None:
                    continue
                task = Task(id=uuid.uuid4().hex, name=name, description=f"A {name.replace('_', ' ')} ({status})",
                            user_id=officer.id, status=status, progress={"running": 40, "queued": 0}.get(status, 100),
                            result=result if status == "finished" else None,
                            error="The file is not a CSV file." if status == "failed" else None)
                db.session.add(task)
                tasks[name].append(task.id)
        batch = ImportBatch(file_name="contracts-finder.json", created_by_id=officer.id, created_count=2,
                            report={"reasons": {}})
        db.session.add(batch)
        commitment = db.session.scalar(select(Commitment).where(Commitment.state == "approved").order_by(Commitment.id)) \
            or db.session.scalar(select(Commitment).order_by(Commitment.id))
        case_study = save_case_study(officer, CaseStudyDetails(
            financial_year=now.year if now.month >= 4 else now.year - 1, kind="success", title="The food hub's freezer",
            commitment_id=commitment.id if commitment.state == "approved" else None, summary="Delivered on time.",
            variance_reasons="None.", lessons="Ask early."))
        message = EmailMessage(to_address="resident@example.org", subject="Your vote", text_body="Thank you.",
                               html_body="<p>Thank you.</p>", kind="notification")
        db.session.add(message)
        invitation = invite_member(groups[0], group_owner, "new.member@example.org")
        letters = LetterBatch(round_id=rounds["open"], postcodes={"NW10 8AB": 2}, letters=2, created_by_id=officer.id,
                              printed_at=utcnow(), task_id=tasks["letters"][2])  # the finished letters task
        db.session.add(letters)
        db.session.commit()
        new_features = seed_new_features(officer)

        def ids(model, *where, order=None):
            return list(db.session.scalars(select(model.id).where(*where).order_by(order or model.id)))

        users = {email: db.session.scalar(select(User.id).where(User.email == email)) for email in ROLES.values() if email}
        resident_user = db.session.get(User, users["resident@example.org"])
        values = {
            "need_id": ids(Need, Need.status == "published") + ids(Need, Need.status != "published"),
            "round_id": [rounds[state] for state in ("open", "closed", "counted", "published", "draft")],
            "organisation_id": [groups[0].id, suppliers[0].id] + [org.id for org in groups[1:]],
            "measure_id": ids(Measure)[:1],
            "theme_id": ids(Theme)[:1],
            "user_id": [users["resident@example.org"], users["supplier@example.org"]],
            "case_study_id": [case_study.id],
            "commitment_id": ids(Commitment)[:2],
            "contract_id": ids(Contract),
            "batch_id": [batch.id],
            "pledge_id": ids(Pledge),
            "message_id": [message.id],
            "story_id": ids(Story),
            "code": [db.session.get(Ward, ward_id).code],
            "group_id": [groups[0].id, groups[1].id],
            "supplier_id": [org.id for org in suppliers],
            **new_features["values"],
        }
        values["token"] = ["not-a-real-token"]
        endpoint_values = {
            "admin.task": {"task_id": tasks["wards_import"]},
            "officers.impact_report_task": {"task_id": tasks["impact_report"]},
            "officers.round_import_task": {"task_id": tasks["round_import"]},
            "officers.contracts_import_task": {"task_id": tasks["ocds_import"] + tasks["ocds_preview"]},
            "admin.census_task": {"task_id": tasks["census_import"]},
            "officers.letters_task": {"task_id": tasks["letters"]},
            "officers.round_action": {"action": ["open", "close", "publish", "recount"]},
            **new_features["endpoint_values"],
            "officers.planning_import_task": {"task_id": tasks["planning_import"]},
            # The "Are you sure?" page before removing a member of the demo's first group (or leaving it).
            "officers.delete_letters_file": {"round_id": [rounds["open"]], "batch_id": [letters.id]},
            "organisations.remove": {"organisation_id": [groups[0].id],
                                     "membership_id": ids(Membership, Membership.organisation_id == groups[0].id)},
            "auth.reset_password": {"token": [
                make_token("reset-password", {"user": resident_user.id, "h": resident_user.password_hash[-16:],
                                              "email": resident_user.email}), "not-a-real-token"]},
            "auth.verify_email": {"token": ["not-a-real-token"]},
            "organisations.accept_invitation": {"token": [
                make_token("invitation", {"invitation": invitation.id, "email": invitation.email}), "not-a-real-token"]},
        }
        subscriber_token = unsubscribe_token(resident_user.id, "digest")
        endpoint_values["auth.unsubscribe"] = {"token": [subscriber_token, "not-a-real-token"]}
        endpoint_values["auth.unsubscribe_one_click"] = {"token": [subscriber_token]}
        assert all(values.values()), {name: found for name, found in values.items() if not found}
        forms = {"group_id": values["group_id"][0], "need_id": values["need_id"][0], "round_id": values["round_id"][0],
                 **new_features["forms"]}
        return {"values": values, "endpoint_values": endpoint_values, "forms": forms}


def seed_new_features(officer) -> dict:
    """Ids for tenders, offers, supplier returns, contract assessments and ideas: the demo's
    open tender with a draft offer from the supplier, the demo's £6.5m contract (its returns
    accepted and submitted, plus a draft; its commitments made KPIs, so its first year has an
    assessment), and the ideas of the demo's ideas-phase round."""
    from datetime import date

    from models import Contract, Measure, Organisation, User
    from models.ideas.ideas import Idea
    from models.returns.kpis import kpi_years, set_kpi
    from models.returns.models import SupplierReturn
    from models.returns.rules import start_return
    from models.returns.schedule import contract_periods
    from models.tenders.models import Tender
    from models.tenders.rules import LineDetails, add_offer_line, start_offer

    today = date.today()
    seller = db.session.scalar(select(User).where(User.email == "supplier@example.org"))
    tender = db.session.scalar(select(Tender).where(Tender.reference == "DEMO-T-2026-007"))
    bidder = db.session.scalar(select(Organisation).where(Organisation.name == "Northwest Facilities Services Ltd"))
    offer = start_offer(tender, bidder, seller, today)
    other_bidder = db.session.scalar(select(Organisation).where(Organisation.name == "Brent Green Builders Ltd"))
    empty_offer = start_offer(tender, other_bidder, seller, today)  # nothing in it yet: its first form reserves a need
    measure = db.session.scalar(select(Measure).where(Measure.active).order_by(Measure.id))
    add_offer_line(offer, seller, LineDetails(measure.id, 10, tender.closing_date.replace(year=tender.closing_date.year + 1),
                                              "Delivered in the tender's two wards."), today)
    contract = db.session.scalar(select(Contract).where(Contract.reference == "DEMO-REPAIRS-2025-007"))
    for commitment in contract.commitments:
        set_kpi(commitment, officer, True)
    returns = list(db.session.scalars(select(SupplierReturn.id).where(SupplierReturn.contract_id == contract.id)
                                      .order_by(SupplierReturn.id)))
    taken = {row.period_start for row in db.session.scalars(select(SupplierReturn).where(SupplierReturn.contract_id == contract.id))}
    period = next(period for period in contract_periods(contract, today) if period.ended(today) and period.start not in taken)
    draft = start_return(contract, seller, period.start, today)
    # A developer agreement with a social and a housing contribution (test data: the demo has no planning register).
    from models.planning.models import DeveloperAgreement, DeveloperContribution

    developer_agreement = DeveloperAgreement(reference="TEST-S106-1", organisation="local-authority-eng:BEN")
    developer_agreement.contributions = [
        DeveloperContribution(reference="TEST-S106-1/A", purpose="employment-and-skills", amount_pence=50_000_00),
        DeveloperContribution(reference="TEST-S106-1/B", purpose="affordable-housing", units=12),
    ]
    db.session.add(developer_agreement)
    db.session.commit()
    years = sorted({row.year_start.isoformat() for row in kpi_years(contract, today)})
    assert years and returns, "the demo's returns contract has no returns or no year ended"
    return {
        "values": {
            "tender_id": [tender.id],
            "offer_id": [offer.id, empty_offer.id],
            "return_id": returns + [draft.id],
            "idea_id": list(db.session.scalars(select(Idea.id).order_by(Idea.id))),
        },
        "endpoint_values": {
            "officers.assessment": {"contract_id": [contract.id], "year_start": years},
            "suppliers.return_line": {"return_id": [draft.id], "commitment_id": [c.id for c in contract.commitments]},
            "officers.planning_contribution": {"contribution_id": [c.id for c in developer_agreement.contributions]},
        },
        "forms": {"draft_return_id": draft.id, "commitment_id": contract.commitments[0].id, "empty_offer_id": empty_offer.id,
                  "contribution_id": developer_agreement.contributions[0].id, "agreement_id": contract.id,
                  "contract_id": contract.id,
                  "ideas_round_id": db.session.scalar(select(Idea.round_id).order_by(Idea.id))},
    }


# ---------------------------------------------------------------------------------------
# The plan: which URLs to visit.

def values_for(endpoint: str, name: str, world: dict) -> list | None:
    """The values of a URL parameter for this endpoint: its own, else by parameter name."""
    own = world["endpoint_values"].get(endpoint, {})
    if name in own:
        return own[name]
    if name == "organisation_id" and endpoint.startswith("suppliers."):
        return world["values"].get("supplier_id")  # a supplier's pages take a supplier
    if name == "organisation_id" and endpoint.startswith("groups."):
        return world["values"].get("group_id")
    return world["values"].get(name)


def plan(app, world: dict) -> tuple[list[tuple[str, str]], list[str]]:
    """(endpoint, path) to visit: each route with every parameter's first value, then once
    for each other value of each parameter (the other states). And the routes it cannot fill."""
    visits, unfillable = [], []
    for rule in get_rules(app):
        if skip_reason(rule.endpoint):
            continue
        choices = {name: values_for(rule.endpoint, name, world) for name in sorted(rule.arguments)}
        missing = [name for name, found in choices.items() if not found]
        if missing:
            unfillable.append(f"{rule.rule} ({rule.endpoint}): no value for {', '.join(missing)}")
            continue
        first = {name: found[0] for name, found in choices.items()}
        combinations = [first] + [{**first, name: value} for name, found in choices.items() for value in found[1:]]
        for combination in combinations:
            built = rule.build(combination, append_unknown=False)
            if built is None:
                unfillable.append(f"{rule.rule} ({rule.endpoint}): cannot build from {combination}")
                break
            visits.append((rule.endpoint, built[1]))
    return visits, unfillable


# ---------------------------------------------------------------------------------------
# The crawl.

MAIN = re.compile(r"<main\b.*</main>", re.S)
VARYING = re.compile(r'(value|nonce)="[A-Za-z0-9._\-]{32,}"')  # CSRF tokens and CSP nonces



class Crawler:
    def __init__(self, app, browser, live_server):
        self.browser = browser
        # The template each path last rendered: the 1280 px check is once per template.
        self.templates: dict[str, str] = {}

        def rendered(sender, template, context, **extra):
            if has_request_context():
                self.templates[request.path] = template.name or ""

        template_rendered.connect(rendered, app, weak=False)
        self._disconnect = lambda: template_rendered.disconnect(rendered, app)
        self.base = live_server.url
        self.problems: list[str] = []
        self.checked_templates: set[str] = set()
        self.seen: set[tuple[str, str]] = set()
        self.visits = 0
        self.started = time.monotonic()

    def person(self, role: str, email: str | None, password: str):
        context = self.browser.new_context(base_url=self.base, viewport=PHONE)
        context.set_default_timeout(15_000)
        page = context.new_page()
        _watch_csp(page)
        if email:
            page.goto("/sign-in")
            page.get_by_label("Email address").fill(email)
            page.get_by_label("Password", exact=True).fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
            assert "Signed in as" in page.content(), f"{role} ({email}) could not sign in"
        return context, page

    def can_see(self, context, role: str, endpoint: str, path: str) -> bool:
        """Whether to render and check the page: the role sees it (200, or a 400 state page,
        with HTML) and its <main> differs from what another role saw there; each role's
        first page is always checked (its header and menu). Error pages (403, 404) are
        checked once per role."""
        response = context.request.get(path, max_redirects=0)
        status, kind = response.status, response.headers.get("content-type", "")
        body = response.text() if "text/html" in kind else ""
        response.dispose()
        if status >= 500:
            self.problems.append(f"{role} {path}: HTTP {status}")
            return False
        if status in (200, 400) and "text/html" not in kind:
            self.problems.append(f"{role} {path} ({endpoint}): answers {kind}, not HTML: add it to SKIPPED with a reason")
            return False
        if status in (403, 404):
            return self.first((role, f"HTTP {status}"))
        if status not in (200, 400):
            return False  # a redirect: its target is a route of its own
        main = MAIN.search(body)
        content = VARYING.sub("", main.group(0) if main else body)
        new_content = self.first((path, hashlib.sha1(content.encode()).hexdigest()))
        first_for_role = self.first(("role", role))
        return new_content or first_for_role

    def first(self, key) -> bool:
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def check(self, page, role: str, endpoint: str, label: str) -> None:
        template = self.templates.get(urlsplit(page.url).path, endpoint)
        widths = [PHONE] if template in self.checked_templates else [PHONE, DESKTOP]
        self.checked_templates.add(template)
        for size in widths:
            if size is not PHONE:
                page.set_viewport_size(size)
            response = run_axe(page)
            self.visits += 1
            print(f"{time.monotonic() - self.started:7.1f}s axe {self.visits} {role} {label} {size['width']}", flush=True)
            if "testEngine" not in response:
                self.problems.append(f"{role} {label}: axe-core did not run")
            for violation in response.get("violations", []):
                targets = ", ".join(" ".join(map(str, node["target"])) for node in violation["nodes"][:3])
                self.problems.append(f"{role} {label} at {size['width']}px: {violation['id']} ({violation['impact']}) at {targets}")
                print("PROBLEM", self.problems[-1], flush=True)
            if size is not PHONE:
                page.set_viewport_size(PHONE)
        csp = _CSP_VIOLATIONS.get(id(page), [])
        if csp:
            self.problems.extend(f"{role} {label}: {line}" for line in csp)
            csp.clear()

    def visit(self, context, page, role: str, endpoint: str, path: str) -> None:
        if not self.can_see(context, role, endpoint, path):
            return
        response = page.goto(path)
        if response is None or response.status >= 500:
            self.problems.append(f"{role} {path}: HTTP {response and response.status}")
            return
        self.check(page, role, endpoint, path)


def test_every_get_route_is_crawled_or_skipped_for_a_reason(app):
    """Cheap, and the first to fail when a route is added: every GET route's parameters have
    values the crawl knows (by name or for that endpoint), or it is skipped with a reason."""
    known = {"values": {name: [1] for name in PARAMETER_NAMES}, "endpoint_values": {
        endpoint: {name: [SAMPLES.get(name, 1)] for name in names} for endpoint, names in ENDPOINT_PARAMETERS.items()}}
    _visits, unfillable = plan(app, known)
    assert not unfillable, "GET routes the crawl cannot fill (give them ids in seed_world, or a reason in SKIPPED):\n" + "\n".join(unfillable)


# The parameter names (and endpoints with their own values) seed_world fills: keep in step with it.
PARAMETER_NAMES = ("need_id", "round_id", "organisation_id", "measure_id", "theme_id", "user_id", "case_study_id",
                   "commitment_id", "contract_id", "batch_id", "pledge_id", "message_id", "story_id", "code", "group_id", "supplier_id", "token",
                   "tender_id", "offer_id", "return_id", "idea_id")
ENDPOINT_PARAMETERS = {"admin.task": ("task_id",), "officers.impact_report_task": ("task_id",),
                       "officers.round_import_task": ("task_id",), "officers.contracts_import_task": ("task_id",),
                       "admin.census_task": ("task_id",), "officers.letters_task": ("task_id",),
                       "officers.round_action": ("action",), "officers.assessment": ("contract_id", "year_start"),
                       "suppliers.return_line": ("return_id", "commitment_id"),
                       "officers.planning_import_task": ("task_id",),
                       "officers.planning_contribution": ("contribution_id",),
                       "organisations.remove": ("organisation_id", "membership_id"),
                       "officers.delete_letters_file": ("round_id", "batch_id")}
SAMPLES = {"action": "open"}  # a parameter whose rule takes only certain words


def test_every_page_as_every_role_has_no_accessibility_violations(app, browser, live_server):
    from brokerage.extensions import limiter
    from tests import factories
    from tests.factories import PASSWORD
    from models import Role

    limiter.enabled = False
    crawler = Crawler(app, browser, live_server)
    try:
        # Empty lists: every page without parameters, before there is anything to list.
        with app.app_context():
            for role in ("resident", "officer", "admin"):
                factories.user(f"empty-{role}@example.org", f"Empty {role.title()}", role=Role(role))
            db.session.commit()
        world_free = [(endpoint, path) for endpoint, path in plan(app, {"values": {}, "endpoint_values": {}})[0]]
        for role in ("signed out", "resident", "officer", "admin"):
            context, page = crawler.person(role, None if role == "signed out" else f"empty-{role}@example.org", PASSWORD)
            for endpoint, path in world_free:
                crawler.visit(context, page, f"{role} (empty)", endpoint, path)
            context.close()

        world = seed_world(app)
        visits, unfillable = plan(app, world)
        crawler.problems.extend(f"cannot fill {line}" for line in unfillable)
        for role, email in ROLES.items():
            context, page = crawler.person(role, email, DEMO_PASSWORD)
            for endpoint, path in visits:
                crawler.visit(context, page, role, endpoint, path)
            for form_role, form_path in FORMS:
                if form_role == role:
                    submit_empty(crawler, page, role, form_path.format(**world["forms"]))
            context.close()
    finally:
        limiter.enabled = True
        crawler._disconnect()
    print(f"axe-core ran {crawler.visits} times")
    assert not crawler.problems, f"{len(crawler.problems)} problems:\n" + "\n".join(crawler.problems)


def submit_empty(crawler: Crawler, page, role: str, path: str) -> None:
    """Submit the page's main form as it stands, and check the page with its errors."""
    page.goto(path)
    form = page.locator("main form:has(.govuk-button[type=submit], button.govuk-button:not([type]))").first
    if form.count() == 0:
        crawler.problems.append(f"{role} {path}: no form to submit")
        return
    for field in form.locator("input[type=text], input[type=email], input[type=password], input:not([type]), textarea").all():
        if field.is_visible() and field.is_editable():
            field.fill("")
    with page.expect_navigation():
        form.locator(".govuk-button[type=submit], button.govuk-button:not([type])").first.click()
    if page.locator(".govuk-error-summary").count() == 0:
        crawler.problems.append(f"{role} {path}: submitting it empty showed no error summary")
    crawler.check(page, role, "form-errors:" + path, f"{path} (submitted empty)")
