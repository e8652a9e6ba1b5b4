"""Welsh for every page a resident or a community group sees signing in and managing their
account and organisation (templates/auth, groups, organisations): each page is rendered in
English and in Welsh, and no piece of text on the Welsh page is the English one, except what
people typed (names, titles, addresses) and numbers. Forms are sent empty or wrong too, so
their error messages (the forms' and the rules' in models/) are checked the same way."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from brokerage.notify import sign_in_token
from brokerage.tokens import make_token
from models import Membership, Need, Organisation, Theme, User, Ward, db
from models.core.settings import set_setting
from models.people.organisations import accept_invitation, invite_member
from models.stories.stories import StoryDetails, create_story, request_story_changes, submit_story
from tests import factories
from tests.factories import PASSWORD, csrf_token, get, signed_in
from workers.digests import unsubscribe_token

# Text the same in both languages that is not people's content.
SAME_IN_BOTH = {"Ward", "Markdown", "MB"}
# The photo fields the story form borrows from the need form (brokerage/forms/needs.py, marked
# with the need pages).
NEED_FORM_FIELDS = {"Photo (optional)", "JPEG, PNG or WebP, up to 5 MB.", "Describe the photo (optional)",
                    "For people who cannot see it."}


class _Text(HTMLParser):
    """The text of <title> and of <main> (the page's own content: its back link, banners,
    headings, forms and errors), one entry per text node, whitespace collapsed."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title, self.main, self._depth, self._skip, self._in_title = "", [], 0, 0, False

    def handle_starttag(self, tag, attrs):
        if tag == "main" or (self._depth and tag not in VOID):
            self._depth += 1
        self._skip += tag in ("script", "style")
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        if self._depth and tag not in VOID:
            self._depth -= 1
        self._skip -= tag in ("script", "style")
        self._in_title = False

    def handle_data(self, data):
        text = " ".join(data.split())
        if not text or self._skip:
            return
        if self._in_title:
            self.title += text
        elif self._depth:
            self.main.append(text)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def read(body: str) -> _Text:
    parser = _Text()
    parser.feed(body)
    return parser


def english_left(english: str, welsh: str, data: tuple[str, ...]) -> list[str]:
    """Text of the English page that the Welsh page repeats word for word, once people's
    content (`data`), numbers and punctuation are taken out."""
    ours, theirs = read(english), read(welsh)
    left = []
    shown = set(theirs.main) | {theirs.title}
    for text in [*ours.main, ours.title]:
        if text not in shown or text in SAME_IN_BOTH | NEED_FORM_FIELDS:
            continue
        rest = text
        for value in sorted(data, key=len, reverse=True):
            rest = rest.replace(value, " ")
        if re.search(r"[^\W\d_]{2,}", rest):
            left.append(text)
    return left


def set_language(app, email: str | None, client, code: str) -> None:
    """A signed-in person's saved choice (it wins over the cookie), or the cookie."""
    client.set_cookie("language", code)
    if email:
        with app.app_context():
            db.session.scalar(select(User).where(User.email == email)).locale = code
            db.session.commit()


def both(app, client, email: str | None, fetch) -> tuple[str, str]:
    """The same request in English, then in Welsh: the two pages."""
    pages = []
    for code in ("en", "cy"):
        set_language(app, email, client, code)
        response = fetch()
        assert response.status_code in (200, 400, 429), response.status_code
        pages.append(html.unescape(response.get_data(as_text=True)))
    english, welsh = pages
    assert '<html lang="en"' in english and '<html lang="cy"' in welsh
    return english, welsh


def places_and_names(app) -> tuple[str, ...]:
    """Ward and theme names (the council's data) and the service's and council's names."""
    with app.app_context():
        names = [*db.session.scalars(select(Ward.name)), *db.session.scalars(select(Theme.name))]
        return (*names, app.config["SERVICE_NAME"], app.config["COUNCIL_NAME"])


def check(app, client, email, fetch, data, what) -> str:
    data = (*data, *places_and_names(app))
    english, welsh = both(app, client, email, fetch)
    assert english != welsh, f"{what}: the Welsh page is the English one"
    assert english_left(english, welsh, data) == [], f"{what}: English left on the Welsh page"
    return welsh


@pytest.fixture
def world(app, places):
    """digest_borough's group (Grace, its owner) with needs in each state, pledges at each
    step, stories, a second member, a pending invitation; Rita, a resident."""
    world = factories.digest_borough(app)
    with app.app_context():
        group, owner = get_org(world), get(User, world["owner"])
        officer, seller = get(User, world["officer"]), get(User, world["seller"])
        rory = get(User, world["rory"])
        joined = invite_member(group, owner, rory.email)
        accept_invitation(joined, rory)
        pending = invite_member(group, owner, "rita@example.org")
        today = date.today()
        draft = factories.need(group, owner, "Paint for the hall", status="draft", theme_id=world["theme"],
                               officer=officer, deadline=today + timedelta(days=40))
        kilburn = db.session.get(Need, world["kilburn_need"])
        builders = db.session.get(Organisation, world["supplier"])
        for quantity, until, reason in ((5, "accepted", ""), (3, "delivered", ""), (2, "declined", "We have enough")):
            factories.pledge(kilburn, builders, seller, quantity, "Some of our staff", until=until, receiver=owner,
                             officer=officer, reason=reason, today=today)
        sent_back = create_story(owner, StoryDetails("Coaching the under-12s", "A season of Saturday coaching.", "",
                                                     world["delivered"]), group)
        submit_story(sent_back, owner)
        request_story_changes(sent_back, officer, "Say how many children came")
        db.session.commit()
        membership = db.session.scalar(select(Membership).where(Membership.user_id == rory.id))
        world.update(draft=draft.id, sent_back=sent_back.id, invitation=pending.id, rory_membership=membership.id,
                     owner_membership=group.membership_of(owner).id,
                     invitation_token=make_token("invitation", {"invitation": pending.id, "email": pending.email}))
    return world


def get_org(world):
    return db.session.get(Organisation, world["group"])


# People's content on these pages: names, addresses, titles, what they wrote, places.
DATA = (
    "Harlesden Food Hub", "Builders Ltd", "Grace Group", "Rory Resident", "Rita Resident", "Sam Supplier",
    "grace@example.org", "rory@example.org", "rita@example.org", "sam@example.org", "Oona Officer",
    "Volunteers for the Saturday pantry", "Help moving the new freezer", "Coaches for the Kilburn youth team",
    "Paint for the hall", "Breakfast for 120 families", "Coaching the under-12s", "Say how many children came",
    "Six volunteers, four Saturdays.", "Done", "Six of our staff", "Two strong people", "Some of our staff",
    "We have enough", "volunteer hours", "Harlesden", "Kilburn", "1190001", "£", "Gwen Jones", "gwen@example.org",
    "A season of Saturday coaching.", "Six volunteers from Builders Ltd kept the pantry open four Saturdays running.",
    "They came at 8am every week.",
)


def test_a_group_members_account_organisation_and_group_pages_in_welsh(app, world):
    grace = "grace@example.org"
    client = signed_in(app, grace)
    group, need = world["group"], world["pantry"]
    pages = [
        "/account", "/account/details", "/account/email", "/account/password", "/account/delete",
        "/account/email-updates", "/sign-in/confirm",
        "/organisations/", "/organisations/new", "/organisations/new?kind=vcse", "/organisations/new?kind=supplier",
        f"/organisations/{group}", f"/organisations/{group}/edit", f"/organisations/{group}/invite",
        f"/organisations/{group}/members/{world['rory_membership']}/remove",
        f"/organisations/{group}/members/{world['owner_membership']}/remove",
        f"/groups/{group}/needs", f"/groups/{group}/pledges", f"/groups/{group}/stories",
        f"/groups/{group}/stories/new", f"/stories/{world['sent_back']}/edit",
        f"/needs/{world['draft']}/withdraw", f"/needs/{need}/close", f"/groups/pledges/{world['offered']}/decline",
        f"/needs/{need}/photo/remove", f"/stories/{world['sent_back']}/photo/remove",
    ]
    for url in pages:
        check(app, client, grace, lambda: client.get(url), DATA, url)
    welsh = check(app, client, grace, lambda: client.get(f"/groups/{group}/needs"), DATA, "needs")
    assert "Anghenion eich grŵp" in welsh and "Drafft" in welsh and "Anfon i’w adolygu" in welsh
    welsh = check(app, client, grace, lambda: client.get(f"/groups/{group}/pledges"), DATA, "pledges")
    assert "Addewidion i’ch anghenion" in welsh and "Wedi’i gadarnhau" in welsh and "Fe wnaethoch wrthod" in welsh

    # At the cap: the page that says so.
    with app.app_context():
        set_setting("live_need_cap", "3")
        db.session.commit()
    check(app, client, grace, lambda: client.get(f"/groups/{group}/needs/new"), DATA, "need cap")


def test_the_group_pages_errors_and_messages_in_welsh(app, world):
    grace = "grace@example.org"
    client = signed_in(app, grace)
    group = world["group"]
    forms = [
        (f"/organisations/{group}/edit", {"name": "", "legal_form": "charity", "registration_number": "12"}),
        ("/organisations/new?kind=supplier", {"name": "Gwen Jones Ltd", "legal_form": "company", "website": "ftp://x"}),
        ("/organisations/new", {}),
        (f"/organisations/{group}/invite", {"email": ""}),
        (f"/organisations/{group}/invite", {"email": "rory@example.org"}),  # already a member: the rule says so
        (f"/groups/{group}/stories/new", {"title": "", "summary": "", "pledge_id": "0"}),
        ("/account/details", {"name": "", "postcode": "ZZ1 1ZZ"}),
        ("/account/email", {"email": "grace@example.org", "password": PASSWORD}),  # the rule: already yours
        ("/account/password", {"current_password": "wrong", "new_password": "short"}),
        ("/account/password", {"current_password": PASSWORD, "new_password": "password12"}),  # zxcvbn's advice
        ("/account/delete", {"password": ""}),
        ("/sign-in/confirm", {"password": "wrong"}),
    ]
    for url, data in forms:
        welsh = check(
            app, client, grace, lambda: client.post(url, data={"csrf_token": csrf_token(client, url), **data}), DATA, url
        )
        assert "Mae problem wedi codi" in welsh, url
    # Flash messages after a change, and a rule's refusal shown as a banner.
    def decline_twice():
        url = f"/groups/pledges/{world['offered']}/decline"
        token = csrf_token(client, f"/groups/{group}/pledges")
        client.post(url, data={"csrf_token": token, "reason": "Not needed now"})
        return client.get(f"/groups/{group}/pledges")

    set_language(app, grace, client, "cy")
    token = csrf_token(client, f"/groups/{group}/needs")
    response = client.post(f"/needs/{world['draft']}/submit", data={"csrf_token": token}, follow_redirects=True)
    assert "Mae “Paint for the hall” wedi’i anfon i’w adolygu." in html.unescape(response.get_data(as_text=True))
    response = client.post(f"/needs/{world['pantry']}/reopen", data={"csrf_token": token}, follow_redirects=True)
    assert "Dim ond angen sydd ar gau y gellir ei ailagor" in html.unescape(response.get_data(as_text=True))
    welsh = html.unescape(decline_twice().get_data(as_text=True))
    assert "Rydych wedi gwrthod yr addewid gan Builders Ltd. Rydym wedi dweud wrthynt pam." in welsh


def test_a_residents_sign_in_and_account_pages_in_welsh(app, world):
    anonymous = app.test_client()
    with app.app_context():
        rita = db.session.scalar(select(User).where(User.email == "rita@example.org"))
        sign_in = sign_in_token(rita)
        reset = make_token("reset-password", {"user": rita.id, "h": rita.password_hash[-16:], "email": rita.email})
        lists = {name: unsubscribe_token(rita.id, name) for name in ("digest", "newsletter", "reminders")}
    for url in ["/sign-in", "/register", "/password/forgot", "/sign-in/link", "/verify-email/not-a-token",
                "/sign-in/link/not-a-token", "/password/reset/not-a-token", f"/password/reset/{reset}",
                f"/sign-in/link/{sign_in}", "/unsubscribe/not-a-token",
                *(f"/unsubscribe/{token}" for token in lists.values())]:
        check(app, anonymous, None, lambda: anonymous.get(url), DATA, url)
    # What the forms answer, and their errors.
    answers = [
        ("/register", {"name": "Gwen Jones", "email": "gwen@example.org", "password": PASSWORD, "postcode": ""}),
        ("/register", {"name": "", "email": "not-an-address", "password": "gwen jones", "postcode": "ZZ1 1ZZ"}),
        ("/sign-in", {"email": "rita@example.org", "password": "not the password"}),
        ("/password/forgot", {"email": "rita@example.org"}),
        ("/sign-in/link", {"email": "rita@example.org"}),
        (f"/unsubscribe/{lists['newsletter']}", {}),
    ]
    for url, data in answers:
        check(app, anonymous, None, lambda: anonymous.post(url, data={"csrf_token": csrf_token(anonymous, url), **data}),
              DATA, url)
    # Signed in, Rita has an invitation to the group, and her account pages.
    rita_client = signed_in(app, "rita@example.org")
    for url in ["/account", f"/organisations/invitations/{world['invitation_token']}", "/organisations/invitations/bad",
                "/organisations/", "/account/email-updates"]:
        check(app, rita_client, "rita@example.org", lambda: rita_client.get(url), DATA, url)
    set_language(app, "rita@example.org", rita_client, "cy")
    url = f"/organisations/invitations/{world['invitation_token']}"
    response = rita_client.post(url, data={"csrf_token": csrf_token(rita_client, url)}, follow_redirects=True)
    assert "Rydych nawr yn aelod o Harlesden Food Hub." in html.unescape(response.get_data(as_text=True))

    # A supplier's email updates (the newsletter too), and an account not yet confirmed.
    sam = signed_in(app, "sam@example.org")
    welsh = check(app, sam, "sam@example.org", lambda: sam.get("/account/email-updates"), DATA, "supplier's updates")
    assert "Cylchlythyr" in welsh
    with app.app_context():
        factories.user("gwyn@example.org", "Gwyn Jones", verified=False)
        db.session.commit()
    gwyn = signed_in(app, "gwyn@example.org")
    for url in ["/account", "/account/email-updates"]:
        welsh = check(app, gwyn, "gwyn@example.org", lambda: gwyn.get(url), (*DATA, "Gwyn Jones", "gwyn@example.org"),
                      f"unconfirmed {url}")
        assert "agorwch y ddolen a anfonwyd gennym i gwyn@example.org" in welsh

    # Too many attempts: the page offering a link instead.
    app.config["LOGIN_RATE_LIMIT"] = "1 per minute"
    for code in ("en", "cy"):
        anonymous.set_cookie("language", code)
        anonymous.post("/sign-in", data={"csrf_token": csrf_token(anonymous, "/sign-in"), "email": "rita@example.org",
                                         "password": "a guess"})
    welsh = check(
        app, anonymous, None,
        lambda: anonymous.post("/sign-in", data={"csrf_token": csrf_token(anonymous, "/sign-in"),
                                                 "email": "rita@example.org", "password": "a guess"}),
        DATA, "throttled",
    )
    assert "Gormod o ymdrechion i fewngofnodi" in welsh


def test_a_rules_messages_are_translated_where_they_are_shown(app):
    from flask_babel import force_locale

    from brokerage.rule_messages import translate_rule_message

    with app.test_request_context("/"):
        with force_locale("cy"):
            assert translate_rule_message("This invitation has already been used") == "Mae’r gwahoddiad hwn wedi’i ddefnyddio’n barod"
            assert translate_rule_message("This pledge is declined, so it cannot be accepted") == (
                "Statws yr addewid hwn yw “wedi’i wrthod”, felly ni ellir ei dderbyn"
            )
            assert translate_rule_message("Password must be 10 characters or more") == "Rhaid i’r cyfrinair fod yn 10 o nodau neu fwy"
            assert translate_rule_message("This is a top-10 common password. Add another word or two. Uncommon words are better.") == (
                "Mae hwn yn un o’r 10 cyfrinair mwyaf cyffredin. Ychwanegwch air neu ddau arall. Mae geiriau anghyffredin yn well."
            )
            # A message no rule raises is shown as it is.
            assert translate_rule_message("Something else") == "Something else"
        assert translate_rule_message("This invitation has already been used") == "This invitation has already been used"
