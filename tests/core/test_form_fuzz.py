"""Every form route, posted random and malformed values by the person it is for, answers
without a server error; so do the pages that read a query string. (The API has its own
Schemathesis run: tests/test_api_schemathesis.py.)

Each POST route is listed below with who uses it and a concrete address in the open-data
world (a test fails if a POST route is missing from the list). Its fields are read from
the page that shows its form, as a browser sees them (text boxes, the three boxes of a
GOV.UK date, radios, checkboxes, selects, files, buttons); Hypothesis then posts, for
every field, nothing, an empty value, a plausible one, or a hostile one: numbers too big
or not numbers, dates with too few or too many parts, long and odd Unicode text, several
values for one name, and files that are not what they say (random bytes, a PNG declaring
40 megapixels, a broken PDF). Each post carries the session's real CSRF token, so every
example reaches the form's own checks.

The run is bounded and reproducible: EXAMPLES per route, derandomized, no deadline, no
example database."""

from __future__ import annotations

import io
import re
import struct
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from models import Membership, Organisation, Role, User, Ward, db, utcnow
from tests import factories
from tests.factories import PASSWORD, login
from tests.factories import OpenDataBorough as World

@pytest.fixture
def world(app, places) -> World:
    return factories.open_data_borough(app)

EXAMPLES = 5  # per POST route (about 60 routes) and per page with a query string
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


# Reading a page's forms ---------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, select, choice (radio/checkbox), file, date, button, hidden
    options: list[str] = field(default_factory=list)
    multiple: bool = False
    value: str = ""


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, Field] = field(default_factory=dict)


class FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Field | None = None
        self.counts: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.form = Form(action=attributes.get("action") or "", method=(attributes.get("method") or "get").lower())
            self.forms.append(self.form)
            self.counts = {}
            return
        if self.form is None:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = (attributes.get("type") or "text").lower()
            self.counts[name] = self.counts.get(name, 0) + 1
            found = self.form.fields.get(name)
            if kind in ("radio", "checkbox"):
                found = found or Field(name, "choice", multiple=kind == "checkbox")
                found.options.append(attributes.get("value") or "on")
            elif kind == "file":
                found = Field(name, "file")
            elif kind in ("submit", "button", "image"):
                found = Field(name, "button", value=attributes.get("value") or "")
            elif kind == "hidden":
                found = Field(name, "hidden", value=attributes.get("value") or "")
            else:
                found = found or Field(name, "text", value=attributes.get("value") or "")
                if self.counts[name] == 3:
                    found.kind = "date"  # GOV.UK's day, month and year share one name
            self.form.fields[name] = found
        elif tag == "button" and name:
            self.form.fields[name] = Field(name, "button", value=attributes.get("value") or "")
        elif tag == "textarea" and name:
            self.form.fields[name] = Field(name, "textarea")
        elif tag == "select" and name:
            self.select = Field(name, "select", multiple="multiple" in attributes)
            self.form.fields[name] = self.select
        elif tag == "option" and self.select is not None:
            self.select.options.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None


FALLBACK = {name: Field(name, "text") for name in ("reason", "action", "submit", "confirm")}


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def session_token(client, pages: list[str]) -> str:
    """The session's CSRF token (one token serves every form of the session)."""
    for page in pages:
        response = client.get(page)
        match = CSRF.search(response.get_data(as_text=True))
        response.close()
        if match:
            return match.group(1) or match.group(2)
    raise AssertionError(f"no CSRF token on {pages}")


def fields_for(client, page: str, target: str) -> dict[str, Field]:
    """The fields of the POST forms on `page` that are sent to `target`."""
    response = client.get(page)
    reader = FormReader()
    reader.feed(response.get_data(as_text=True))
    response.close()
    path = urlsplit(target).path
    found: dict[str, Field] = {}
    for form in reader.forms:
        action = urlsplit(form.action).path if form.action else urlsplit(page).path
        if form.method == "post" and action == path:
            found.update(form.fields)
    found.pop("csrf_token", None)
    return found or dict(FALLBACK)


# Hostile values --------------------------------------------------------------------------


def png_declaring(width: int, height: int) -> bytes:
    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def small_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


NASTY = [
    "-1", "0", "1", "2", "3", "100", "2147483647", "2147483648", "-2147483649", "99999999999999999999999999",
    "1e309", "-1e309", "NaN", "Infinity", "1.5", "0.001", "£1,000.005", "1,000", "12,50", "0x10", "٣", "１２",
    " ", "   \t", "<script>alert(1)</script>", "' OR '1'='1", "=HYPERLINK(\"http://x\")", "\u202eevil", "😀" * 50,
    "a" * 5000, "31", "2", "2027", "29 2 2027", "0000", "-5", "99", "13", "32", "12:00", "25:61", "9am", "tomorrow",
    "E05013494", "NW10 8AB", "nobody@example.org", "owner@example.org", "https://example.org", "javascript:alert(1)",
    "%00", "\x00", "\r\n", "approval", "knapsack", "greedy", "verify", "reject", "approve", "vcse", "supplier", "cash",
]
NASTY_FILES = [
    b"", b"\x00" * 64, b"not an image at all", small_png(), png_declaring(6300, 6300), png_declaring(0, 0),
    b"%PDF-1.4\n%%EOF", b"%PDF-1.4 no end", b"\xff\xd8\xff\xe0" + b"\x00" * 40, b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    b"[]", b'{"releases": [{"ocid": 1}]}', b"META\nkey;value\n", b"pcds,wd25cd\nNW10 8AB,E05013494\n",
    "é,ü\n".encode("latin-1"), b"\xef\xbb\xbf" + b"a;b\n" * 50,
]
FILE_NAMES = ["photo.png", "photo.jpg", "evidence.pdf", "data.json", "round.pb", "postcodes.csv", "x", "../../etc/passwd", "é.png", ""]

text_values = st.one_of(
    st.just(""),
    st.sampled_from(NASTY),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=200, max_size=6000),
)


def value_for(spec: Field) -> st.SearchStrategy:
    """What a field may be sent: None (left out), one value, or several."""
    if spec.kind == "file":
        upload = st.tuples(st.sampled_from(NASTY_FILES), st.sampled_from(FILE_NAMES)).map(
            lambda pair: (io.BytesIO(pair[0]), pair[1])
        )
        return st.one_of(st.none(), upload)
    if spec.kind == "date":
        return st.one_of(st.none(), st.lists(st.one_of(st.sampled_from(NASTY[:40]), text_values), min_size=0, max_size=5))
    if spec.kind in ("choice", "select"):
        plausible = st.sampled_from(spec.options) if spec.options else text_values
        one = st.one_of(plausible, text_values)
        several = st.lists(one, min_size=2, max_size=4)
        return st.one_of(st.none(), one, several) if spec.multiple else st.one_of(st.none(), one, several.map(lambda v: v[:2]))
    if spec.kind in ("button", "hidden"):
        return st.one_of(st.none(), st.just(spec.value), text_values)
    return st.one_of(st.none(), text_values, st.lists(text_values, min_size=2, max_size=3))


def form_data(fields: dict[str, Field]) -> st.SearchStrategy:
    extra = st.dictionaries(st.sampled_from(["action", "extra", "page", "id", "submit", "choice"]), text_values, max_size=2)
    return st.tuples(st.fixed_dictionaries({name: value_for(spec) for name, spec in fields.items()}), extra).map(
        lambda pair: {**pair[1], **{name: value for name, value in pair[0].items() if value is not None}}
    )


def sends_files(data: dict) -> bool:
    return any(isinstance(value, tuple) for value in data.values())


def no_server_error(response, what: str) -> None:
    try:
        response.get_data()  # a streamed download runs to its end
    finally:
        response.close()
    assert response.status_code < 500, f"{what}: {response.status_code}"


# The routes ------------------------------------------------------------------------------------


@dataclass
class Route:
    endpoint: str
    who: str | None  # the email address to sign in with; None: nobody signed in
    url: str
    page: str | None = None  # where its form is shown, when not at `url`


@pytest.fixture
def routes(app, world: World, make_user) -> list[Route]:
    """Every POST route, with the person it is for and a real address."""
    from models.contracts.models import Commitment
    from models.matching.matches import Match
    from models.people.organisations import invite_member
    from models.stories.case_studies import CaseStudyDetails, save_case_study
    from models.stories.stories import StoryDetails, create_story, submit_story
    from brokerage.notify import sign_in_token
    from brokerage.tokens import make_token
    from workers.digests import unsubscribe_token

    make_user("admin@example.org", "Ada Admin", role=Role.ADMIN)
    with app.app_context():
        def user(email):
            return db.session.scalar(select(User).where(User.email == email))

        officer, owner, resident, other = (
            user(email) for email in ("officer@example.org", "owner@example.org", "resident1@example.org", "resident2@example.org")
        )
        hub = db.session.get(Organisation, world.hub)
        draft_story = create_story(owner, StoryDetails("Fridge story", "A summary", "The story.", world.pledges["cash"]), hub)
        sent_story = create_story(owner, StoryDetails("Pantry story", "A summary", "The story.", world.pledges["hours"]), hub)
        submit_story(sent_story, owner)
        case_study = save_case_study(
            officer, CaseStudyDetails(datetime.now().year - 1, "success", "Fridges", None, "What happened", "Why", "Lessons")
        )
        match = Match(commitment_id=world.hours, need_id=world.needs["pantry"], score=50, rank=1, reasons=["Fits"])
        db.session.add(match)
        invitation = invite_member(hub, owner, "resident1@example.org")
        db.session.flush()
        membership = db.session.scalar(select(Membership.id).where(Membership.organisation_id == world.hub))
        theme_id, measure_id = (
            db.session.scalar(select(Commitment.measure_id).where(Commitment.id == world.hours)),
            db.session.scalar(select(Commitment.measure_id).where(Commitment.id == world.hours)),
        )
        from models.places.themes import Measure

        theme_id = db.session.get(Measure, measure_id).theme_id
        # A Harlesden round collecting ideas: resident2's idea, resident1's comment on it and a report.
        from models.ideas.ideas import IdeaDetails, add_comment, propose_idea, report, set_ideas_phase
        from models.voting.setup import create_round
        from tests.factories import round_fields

        now = utcnow()
        ideas_round = create_round(officer, round_fields(
            db.session.scalar(select(Ward.id).where(Ward.code == world.harlesden)), title="Ideas round",
            opens_at=now + timedelta(days=3), closes_at=now + timedelta(days=10),
        ))
        set_ideas_phase(ideas_round, officer, now - timedelta(hours=1), now + timedelta(days=2), False)
        idea = propose_idea(ideas_round, other, IdeaDetails("Benches", "Four benches.", 400_00, None), now)
        own_idea = propose_idea(ideas_round, resident, IdeaDetails("Trees", "Street trees.", 400_00, None), now)
        idea_comment = add_comment(idea, resident, "Yes please", None, now)
        idea_report = report(idea, idea_comment, None, "Rude")

        from datetime import date as day

        from models.contracts.models import Contract
        from models.returns.rules import LineDetails, save_line, start_return, submit_return

        seller, facilities = user("supplier1@example.org"), db.session.get(Contract, world.contract)
        returns = []
        for period in (day(2025, 4, 1), day(2025, 10, 1)):  # half-yearly: both ended
            made = start_return(facilities, seller, period, day(2026, 6, 1))
            save_line(made, db.session.get(Commitment, world.hours), seller, LineDetails(5, "Volunteering"))
            returns.append(made.id)
        submit_return(made, seller)
        db.session.get(Commitment, world.hours).is_kpi = True
        ids = {
            "ideas_round": ideas_round.id, "idea": idea.id, "own_idea": own_idea.id, "idea_comment": idea_comment.id,
            "idea_report": idea_report.id,
            "draft_return": returns[0], "sent_return": returns[1], "sent_line": made.lines[0].id,
            "draft_story": draft_story.id, "sent_story": sent_story.id, "case_study": case_study.id, "match": match.id,
            "invitation": make_token("invitation", {"invitation": invitation.id, "email": invitation.email}),
            "reset": make_token("reset-password", {"user": other.id, "h": other.password_hash[-16:], "email": other.email}),
            "unsubscribe": unsubscribe_token(other.id, "digest"), "membership": membership, "resident": resident.id,
            "sign_in": sign_in_token(other),
        }
        ids.update(_planning_links(officer, world))
        ids.update(_tenders(officer, user("supplier1@example.org"), db.session.get(Organisation, world.builders), measure_id))
        from models.voting.identity import PollingGrant

        grant = PollingGrant(round_id=world.rounds["open"], user_id=resident.id, granted_by_id=officer.id)
        db.session.add(grant)
        db.session.flush()
        ids["grant"] = grant.id
        db.session.commit()
    hub, need, rounds, options, pledges = world.hub, world.needs, world.rounds, world.options, world.pledges
    channels = f"/officers/rounds/{rounds['open']}/channels"
    return [
        # Anyone
        Route("auth.register", None, "/register"),
        Route("auth.login", None, "/sign-in"),
        Route("auth.forgot_password", None, "/password/forgot"),
        Route("auth.request_sign_in_link", None, "/sign-in/link"),
        Route("auth.sign_in_by_link", None, f"/sign-in/link/{ids['sign_in']}"),
        Route("auth.reset_password", None, f"/password/reset/{ids['reset']}"),
        Route("auth.unsubscribe", None, f"/unsubscribe/{ids['unsubscribe']}"),
        Route("auth.unsubscribe_one_click", None, f"/unsubscribe/{ids['unsubscribe']}/one-click", "/"),
        Route("public.vote_by_code", None, "/vote"),
        Route("public.code_ballot_page", None, "/vote/ballot", "/vote"),
        # A resident
        Route("auth.account_details", "resident1@example.org", "/account/details"),
        Route("auth.account_email", "resident1@example.org", "/account/email"),
        Route("auth.email_updates", "resident1@example.org", "/account/email-updates"),
        Route("auth.account_password", "resident1@example.org", "/account/password"),
        Route("auth.account_delete", "resident1@example.org", "/account/delete"),
        Route("auth.resend_verification", "resident1@example.org", "/verify-email/resend", "/account"),
        Route("auth.logout", "resident1@example.org", "/sign-out", "/"),
        Route("auth.confirm_password", "resident1@example.org", "/sign-in/confirm"),
        Route("public.vote", "resident1@example.org", f"/rounds/{rounds['open']}/ballot", f"/rounds/{rounds['open']}"),
        Route("public.propose", "resident1@example.org", f"/rounds/{ids['ideas_round']}/ideas/new"),
        Route("public.edit_idea", "resident1@example.org", f"/ideas/{ids['own_idea']}/edit"),
        Route("public.support", "resident1@example.org", f"/ideas/{ids['idea']}/support", f"/ideas/{ids['idea']}"),
        Route("public.comment", "resident1@example.org", f"/ideas/{ids['idea']}/comments", f"/ideas/{ids['idea']}"),
        Route("public.report_idea", None, f"/ideas/{ids['idea']}/report", f"/ideas/{ids['idea']}"),
        Route("public.polling_record", "resident1@example.org", f"/polling/{rounds['open']}"),
        Route("public.about_you", "resident1@example.org", f"/rounds/{rounds['open']}/about-you", "/vote"),
        Route("organisations.accept_invitation", "resident1@example.org", f"/organisations/invitations/{ids['invitation']}"),
        # A community group's owner
        Route("organisations.new", "owner@example.org", "/organisations/new"),
        Route("organisations.new", "owner@example.org", "/organisations/new?kind=vcse"),
        Route("organisations.new", "owner@example.org", "/organisations/new?kind=supplier"),
        Route("organisations.edit", "owner@example.org", f"/organisations/{hub}/edit"),
        Route("organisations.invite", "owner@example.org", f"/organisations/{hub}/invite"),
        Route("organisations.remove", "owner@example.org", f"/organisations/{hub}/members/{ids['membership']}/remove", f"/organisations/{hub}"),
        Route("groups.new_need", "owner@example.org", f"/groups/{hub}/needs/new"),
        Route("groups.edit_need", "owner@example.org", f"/needs/{need['draft']}/edit"),
        Route("groups.submit", "owner@example.org", f"/needs/{need['draft']}/submit", f"/needs/{need['draft']}/edit"),
        Route("groups.remove_photo", "owner@example.org", f"/needs/{need['draft']}/photo/remove", f"/needs/{need['draft']}/edit"),
        Route("groups.close", "owner@example.org", f"/needs/{need['laptops']}/close", f"/needs/{need['laptops']}"),
        Route("groups.withdraw", "owner@example.org", f"/needs/{need['rejected']}/withdraw", f"/groups/{hub}/needs"),
        Route("groups.reopen", "owner@example.org", f"/needs/{need['laptops']}/reopen", f"/groups/{hub}/needs"),
        Route("groups.accept", "owner@example.org", f"/groups/pledges/{pledges['offered']}/accept", f"/groups/{hub}/pledges"),
        Route("groups.decline", "owner@example.org", f"/groups/pledges/{pledges['offered']}/decline", f"/groups/{hub}/pledges"),
        Route("groups.received", "owner@example.org", f"/groups/pledges/{pledges['delivered']}/received", f"/groups/{hub}/pledges"),
        Route("groups.new_story", "owner@example.org", f"/groups/{hub}/stories/new"),
        Route("groups.edit_story", "owner@example.org", f"/stories/{ids['draft_story']}/edit"),
        Route("groups.submit_story_view", "owner@example.org", f"/stories/{ids['draft_story']}/submit", f"/stories/{ids['draft_story']}/edit"),
        Route("groups.remove_story_photo", "owner@example.org", f"/stories/{ids['draft_story']}/photo/remove", f"/stories/{ids['draft_story']}/edit"),
        # Suppliers
        Route("suppliers.start_offer_view", "supplier1@example.org", f"/suppliers/{world.builders}/tenders/{ids['fresh_tender']}/offer", f"/suppliers/{world.builders}/tenders"),
        Route("suppliers.reserve", "supplier1@example.org", f"/suppliers/offers/{ids['offer']}/reservations", f"/suppliers/offers/{ids['offer']}"),
        Route("suppliers.add_line", "supplier1@example.org", f"/suppliers/offers/{ids['offer']}/lines", f"/suppliers/offers/{ids['offer']}"),
        Route("suppliers.remove_item", "supplier1@example.org", f"/suppliers/offers/{ids['offer']}/line/{ids['line']}/remove", f"/suppliers/offers/{ids['offer']}"),
        Route("suppliers.submit_offer", "supplier1@example.org", f"/suppliers/offers/{ids['offer']}/submit", f"/suppliers/offers/{ids['offer']}"),
        Route("suppliers.pledge", "supplier1@example.org", f"/needs/{need['fridge']}/pledge"),
        Route("suppliers.withdraw", "supplier1@example.org", f"/suppliers/pledges/{pledges['offered']}/withdraw", f"/suppliers/{world.builders}"),
        Route("suppliers.propose_commitment", "supplier1@example.org", f"/suppliers/contracts/{world.contract}/commitments/new"),
        Route("suppliers.dismiss", "supplier1@example.org", f"/suppliers/matches/{ids['match']}/dismiss", f"/suppliers/{world.builders}/recommended"),
        Route("suppliers.start_contract_return", "supplier1@example.org", f"/suppliers/contracts/{world.contract}/returns/2026-04-01", f"/suppliers/contracts/{world.contract}/returns"),
        Route("suppliers.upload_returns", "supplier1@example.org", f"/suppliers/{world.builders}/returns/upload"),
        Route("suppliers.return_line", "supplier1@example.org", f"/suppliers/returns/{ids['draft_return']}/commitments/{world.hours}"),
        Route("suppliers.submit_return", "supplier1@example.org", f"/suppliers/returns/{ids['draft_return']}/submit", f"/suppliers/returns/{ids['draft_return']}"),
        Route("suppliers.correct", "supplier1@example.org", f"/suppliers/returns/{ids['sent_return']}/correct", f"/suppliers/returns/{ids['sent_return']}"),
        Route("suppliers.record", "supplier2@example.org", f"/suppliers/pledges/{pledges['accepted']}/delivery"),
        # Officers
        Route("officers.review_organisation", "officer@example.org", f"/officers/organisations/{world.pending}"),
        Route("officers.review_need", "officer@example.org", f"/officers/needs/{need['submitted']}"),
        Route("officers.delivery", "officer@example.org", f"/officers/deliveries/{pledges['delivered']}"),
        Route("officers.reallocate", "officer@example.org", f"/officers/deliveries/{pledges['cash']}/allocations", f"/officers/deliveries/{pledges['cash']}"),
        Route("officers.new_contract", "officer@example.org", "/officers/contracts/new"),
        Route("officers.new_agreement", "officer@example.org", "/officers/agreements/new"),
        Route("officers.edit_agreement", "officer@example.org", f"/officers/contracts/{world.contract}/edit"),
        Route("officers.planning_imports", "officer@example.org", "/officers/planning-obligations/import"),
        Route("officers.link_contribution", "officer@example.org", f"/officers/planning-obligations/contributions/{ids['contribution']}/links", f"/officers/planning-obligations/contributions/{ids['contribution']}"),
        Route("officers.unlink_contribution", "officer@example.org", f"/officers/planning-obligations/links/{ids['contribution_link']}/remove", f"/officers/planning-obligations/contributions/{ids['contribution']}"),
        Route("officers.spend_fund_on_round", "officer@example.org", "/officers/fund/ward-votes", "/officers/fund"),
        Route("officers.fund_need_from_fund", "officer@example.org", f"/officers/needs/{need['fridge']}/fund", f"/officers/needs/{need['fridge']}"),
        Route("officers.toggle_kpi", "officer@example.org", f"/officers/commitments/{world.hours}/kpi", f"/officers/contracts/{world.contract}/kpis"),
        Route("officers.rate", "officer@example.org", f"/officers/contracts/{world.contract}/kpis/{world.hours}-2025-04-01", f"/officers/contracts/{world.contract}/kpis"),
        Route("officers.escalate_commitment", "officer@example.org", f"/officers/commitments/{world.hours}/escalation/escalate", f"/officers/commitments/{world.hours}/escalation"),
        Route("officers.resolve_escalation", "officer@example.org", f"/officers/commitments/{world.hours}/escalation/resolve", f"/officers/commitments/{world.hours}/escalation"),
        Route("officers.accept", "officer@example.org", f"/officers/returns/{ids['sent_return']}/accept", f"/officers/returns/{ids['sent_return']}"),
        Route("officers.query", "officer@example.org", f"/officers/returns/{ids['sent_return']}/query", f"/officers/returns/{ids['sent_return']}"),
        Route("officers.reject", "officer@example.org", f"/officers/returns/{ids['sent_return']}/reject", f"/officers/returns/{ids['sent_return']}"),
        Route("officers.split_return_line", "officer@example.org", f"/officers/return-lines/{ids['sent_line']}/split", f"/officers/returns/{ids['sent_return']}/splits"),
        Route("officers.reporting_schedule", "officer@example.org", f"/officers/contracts/{world.contract}/schedule"),
        Route("officers.new_commitment", "officer@example.org", f"/officers/contracts/{world.contract}/commitments/new"),
        Route("officers.decide_commitment_view", "officer@example.org", f"/officers/commitments/{world.proposed}/decision", f"/officers/commitments/{world.proposed}"),
        Route("officers.remedial_plan", "officer@example.org", f"/officers/commitments/{world.hours}/remedial-plan", f"/officers/commitments/{world.hours}"),
        Route("officers.settlement", "officer@example.org", f"/officers/commitments/{world.hours}/settlement", f"/officers/commitments/{world.hours}"),
        Route("officers.import_contracts", "officer@example.org", "/officers/contracts/import"),
        # A preview that does not exist and an import batch that does not exist: no 500 either.
        Route("officers.confirm_contracts_import", "officer@example.org", "/officers/contracts/import/no-such-task/confirm", "/officers/contracts/import"),
        Route("officers.undo_contract_import", "officer@example.org", "/officers/contracts/imports/1/undo", "/officers/contracts"),
        Route("officers.introduce_match", "officer@example.org", f"/officers/matches/{ids['match']}/introduce", "/officers/brokerage"),
        Route("officers.new_round", "officer@example.org", "/officers/rounds/new"),
        Route("officers.edit_round", "officer@example.org", f"/officers/rounds/{rounds['draft']}/edit"),
        Route("officers.add_round_item", "officer@example.org", f"/officers/rounds/{rounds['draft']}/items", f"/officers/rounds/{rounds['draft']}"),
        Route("officers.add_round_needs", "officer@example.org", f"/officers/rounds/{rounds['draft']}/needs", f"/officers/rounds/{rounds['draft']}"),
        Route("officers.remove_round_option", "officer@example.org", f"/officers/rounds/{rounds['draft']}/options/{options['draft'][0]}/remove", f"/officers/rounds/{rounds['draft']}"),
        Route("officers.round_action", "officer@example.org", f"/officers/rounds/{rounds['closed']}/recount", f"/officers/rounds/{rounds['closed']}"),
        Route("officers.paper_batch", "officer@example.org", f"/officers/rounds/{rounds['open']}/paper"),
        Route("officers.remove_round_paper_batch", "officer@example.org", f"/officers/rounds/{rounds['open']}/paper/1/remove", f"/officers/rounds/{rounds['open']}/paper"),
        Route("officers.import_round", "officer@example.org", "/officers/rounds/import"),
        Route("officers.idea", "officer@example.org", f"/officers/ideas/{ids['idea']}"),
        Route("officers.merge_idea", "officer@example.org", f"/officers/ideas/{ids['idea']}/merge", f"/officers/ideas/{ids['idea']}"),
        Route("officers.idea_to_ballot", "officer@example.org", f"/officers/ideas/{ids['idea']}/ballot", f"/officers/ideas/{ids['idea']}"),
        Route("officers.decide_idea_report", "officer@example.org", f"/officers/ideas/reports/{ids['idea_report']}/dismiss", "/officers/ideas/moderation"),
        Route("officers.moderate_idea_comment", "officer@example.org", f"/officers/ideas/comments/{ids['idea_comment']}/publish", "/officers/ideas/moderation"),
        Route("officers.round_channels", "officer@example.org", channels),
        Route("officers.grant_polling_station", "officer@example.org", f"/officers/rounds/{rounds['open']}/polling", channels),
        Route("officers.revoke_polling_station", "officer@example.org", f"/officers/rounds/{rounds['open']}/polling/{ids['grant']}/remove", channels),
        Route("officers.resolve_ballot_conflict", "officer@example.org", f"/officers/rounds/{rounds['open']}/conflicts/1/resolve", channels),
        Route("officers.round_letters", "officer@example.org", f"/officers/rounds/{rounds['open']}/letters"),
        Route("officers.delete_letters_file", "officer@example.org", f"/officers/rounds/{rounds['open']}/letters/1/delete-file", channels),
        Route("officers.new_story", "officer@example.org", "/officers/stories/new"),
        Route("officers.review_story", "officer@example.org", f"/officers/stories/{ids['sent_story']}"),
        Route("officers.edit_case_study", "officer@example.org", "/officers/case-studies/new"),
        Route("officers.edit_case_study", "officer@example.org", f"/officers/case-studies/{ids['case_study']}/edit"),
        Route("officers.remove_case_study", "officer@example.org", f"/officers/case-studies/{ids['case_study']}/delete", "/officers/case-studies"),
        Route("officers.impact_report_pdf", "officer@example.org", "/officers/report/pdf", "/officers/report"),
        Route("officers.new_tender", "officer@example.org", "/officers/tenders/new"),
        Route("officers.import_tender", "officer@example.org", "/officers/tenders/import"),
        Route("officers.curate", "officer@example.org", f"/officers/tenders/{ids['tender']}/pack", f"/officers/tenders/{ids['tender']}"),
        Route("officers.add_pack_item", "officer@example.org", f"/officers/tenders/{ids['tender']}/pack/add", f"/officers/tenders/{ids['tender']}"),
        Route("officers.tender_places", "officer@example.org", f"/officers/tenders/{ids['tender']}/places", f"/officers/tenders/{ids['tender']}"),
        Route("officers.assess", "officer@example.org", f"/officers/tenders/offers/{ids['closed_offer']}/assessment", f"/officers/tenders/{ids['closed_tender']}"),
        Route("officers.award", "officer@example.org", f"/officers/tenders/{ids['closed_tender']}/award", f"/officers/tenders/{ids['closed_tender']}"),
        Route("officers.withdraw", "officer@example.org", f"/officers/tenders/{ids['tender']}/withdraw", f"/officers/tenders/{ids['tender']}"),
        Route("officers.retry_job", "officer@example.org", "/officers/jobs/default/no-such-job/retry", "/officers/jobs"),
        # The admin
        Route("admin.settings", "admin@example.org", "/admin/settings"),
        Route("admin.census", "admin@example.org", "/admin/census"),
        Route("admin.wards", "admin@example.org", "/admin/wards"),
        Route("admin.postcodes", "admin@example.org", "/admin/postcodes", "/admin/wards"),
        Route("admin.indicators", "admin@example.org", "/admin/indicators"),
        Route("admin.indicator_setting", "admin@example.org", "/admin/settings/indicator"),
        Route("admin.theme", "admin@example.org", "/admin/themes/new"),
        Route("admin.theme", "admin@example.org", f"/admin/themes/{theme_id}"),
        Route("admin.measure", "admin@example.org", f"/admin/measures/new?theme={theme_id}"),
        Route("admin.measure", "admin@example.org", f"/admin/measures/{measure_id}"),
        Route("admin.user", "admin@example.org", f"/admin/users/{ids['resident']}"),
    ]


def _planning_links(officer, world: World) -> dict:
    """A social planning contribution (test data) with a need linked to it."""
    from models.needs.models import Need
    from models.planning.links import link_need
    from models.planning.models import DeveloperAgreement, DeveloperContribution

    contribution = DeveloperContribution(reference="FUZZ-S106/A", purpose="employment-and-skills", amount_pence=10_000_00)
    db.session.add(DeveloperAgreement(reference="FUZZ-S106", contributions=[contribution]))
    db.session.flush()
    need = db.session.scalar(select(Need.id).where(Need.status == "published").order_by(Need.id))
    link = link_need(contribution, need, officer)
    return {"contribution": contribution.id, "contribution_link": link.id}


def _tenders(officer, seller, builders, measure_id) -> dict:
    """An open tender with the supplier's draft offer (one proposed commitment), another open
    tender with no offer, and a closed one with a submitted offer to assess and award."""
    from datetime import date, timedelta

    from models.tenders.rules import LineDetails, TenderDetails, add_offer_line, record_tender, start_offer, submit_offer

    today = date.today()
    tenders = [
        record_tender(TenderDetails(f"FUZZ-T-{n}", f"Tender {n}", None, 300_000_00, today + timedelta(days=10)), officer, today)
        for n in (1, 2, 3)
    ]
    offers = [start_offer(tender, builders, seller, today) for tender in (tenders[0], tenders[2])]
    lines = [add_offer_line(offer, seller, LineDetails(measure_id, 10, today + timedelta(days=100)), today) for offer in offers]
    submit_offer(offers[1], seller, "", today)
    tenders[2].closing_date = today - timedelta(days=1)
    return {"tender": tenders[0].id, "offer": offers[0].id, "line": lines[0].id, "fresh_tender": tenders[1].id,
            "closed_tender": tenders[2].id, "closed_offer": offers[1].id}


def signed_in_client(app, who: str | None):
    client = app.test_client()
    if who is not None:
        assert login(client, who, PASSWORD).status_code == 302, who
    return client


@pytest.fixture
def fuzz_app(app):
    # A sign-in for every route, all from one address.
    app.config["LOGIN_RATE_LIMIT"] = app.config["LOGIN_IP_RATE_LIMIT"] = "10000 per minute"
    app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "10000 per minute"
    return app


def test_every_post_route_is_fuzzed(app, routes):
    posted = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posted - {route.endpoint for route in routes} == set()


def test_no_form_gives_a_server_error(fuzz_app, routes):
    for route in routes:
        client = signed_in_client(fuzz_app, route.who)
        fields = fields_for(client, route.page or route.url, route.url)
        token = session_token(client, [route.page or route.url, "/sign-in" if route.who is None else "/account/details"])

        @given(data=form_data(fields))
        @SETTINGS
        def post(data):
            # A route that signs out, or deletes the account, leaves the next example signed out: still no 500.
            content_type = "multipart/form-data" if sends_files(data) else "application/x-www-form-urlencoded"
            response = client.post(route.url, data={**data, "csrf_token": token}, content_type=content_type)
            no_server_error(response, f"POST {route.url} as {route.who} with {sorted(data)}")

        try:
            post()
        except Exception as error:
            error.add_note(f"{route.endpoint}: POST {route.url} as {route.who}, fields {sorted(fields)}")
            raise


# Pages that read a query string ------------------------------------------------------------

QUERY_PAGES = [
    (None, "/needs", ["q", "ward", "theme", "kind", "status", "sort", "open", "page"]),
    (None, "/needs/near", ["postcode"]),
    (None, "/postcode", ["postcode"]),
    (None, "/map", ["by"]),
    (None, "/rounds", ["ward", "page"]),
    (None, "/stories", ["page", "theme", "ward"]),
    (None, "/ledger", ["ward", "theme", "supplier", "kind", "year", "page"]),
    (None, "/ledger.csv", ["ward", "theme", "supplier", "kind", "year"]),
    (None, "/open-data/360giving.json", ["ward", "theme", "supplier", "kind", "year"]),
    (None, "/open-data/360giving.csv", ["ward", "theme", "supplier", "kind", "year"]),
    (None, "/wards", ["sort", "page"]),
    (None, "/sign-in", ["next"]),
    ("officer@example.org", "/officers/audit", ["action", "page"]),
    ("officer@example.org", "/officers/organisations", ["status", "page"]),
    ("officer@example.org", "/officers/outbox", ["status", "page"]),
    ("officer@example.org", "/officers/contracts", ["supplier", "tier", "kind", "page"]),
    ("officer@example.org", "/officers/impact", ["year", "ward", "theme"]),
    ("officer@example.org", "/officers/needs", ["page"]),
    ("admin@example.org", "/admin/users", ["q", "role", "page"]),
    ("admin@example.org", "/admin/measures/new", ["theme"]),
]


def test_no_query_string_gives_a_server_error(fuzz_app, routes):
    for who, path, names in QUERY_PAGES:
        client = signed_in_client(fuzz_app, who)
        query = st.lists(
            st.tuples(st.sampled_from(names), st.one_of(st.sampled_from(NASTY), text_values)), min_size=1, max_size=6
        )

        @given(pairs=query)
        @SETTINGS
        def get(pairs):
            response = client.get(f"{path}?{urlencode(pairs)}")
            no_server_error(response, f"GET {path}?{urlencode(pairs)}")

        try:
            get()
        except Exception as error:
            error.add_note(f"GET {path} as {who}")
            raise
