"""Emails in the recipient's language (users.locale; English when unknown), through a real
RQ worker to a real SMTP server: the digest and the reminder to vote, subject and both
bodies, with dates in the recipient's language."""

from __future__ import annotations

from datetime import timezone
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date

from brokerage.extensions import rq
from models import User, db, utcnow
from models.needs.models import NeedTranslation
from models.digests.content import DigestBuilder
from models.digests.periods import period_for
from models.digests.preferences import save_preferences, set_vote_reminders
from tests import factories
from tests.factories import plain
from workers.digests import SharedSections, need_titles, render_digest, send_digest_run
from workers.ideas import send_vote_reminders

LONDON = ZoneInfo("Europe/London")  # emails show the council's wall-clock time


@pytest.fixture
def world(app, places):
    made = factories.digest_borough(app)
    with app.app_context():
        rita, rory = db.session.get(User, made["rita"]), db.session.get(User, made["rory"])
        rita.locale = "cy"  # Rita reads Welsh; Rory never chose (English)
        db.session.add(NeedTranslation(need_id=made["pantry"], locale="cy", title="Gwirfoddolwyr i’r pantri dydd Sadwrn",
                                       summary="Pantri", description=""))
        save_preferences(rory, "monthly", [], [], newsletter=False)
        for resident in (rita, rory):
            set_vote_reminders(resident, True)
        db.session.commit()
    return made


def html_of(mime) -> str:
    return mime.get_body(("html",)).get_content()


def test_a_welsh_residents_digest_is_in_welsh_and_an_english_ones_in_english(app, world, smtp, work_jobs):
    with app.app_context():
        rq.enqueue(send_digest_run, "monthly")
    assert work_jobs() == 0

    received = smtp.received()
    month_cy = format_date(utcnow(), "LLLL y", locale="cy")
    month_en = format_date(utcnow(), "LLLL y", locale="en")
    rita, rory = received["rita@example.org"], received["rory@example.org"]
    assert rita["Subject"] == f"Brent Council: eich diweddariad misol ar gyfer {month_cy}"
    assert rory["Subject"] == f"Brent Council: your monthly update for {month_en}"
    welsh = plain(rita)
    assert welsh.startswith("Annwyl Rita Resident,")
    assert "Dyma eich diweddariad misol gan Brent Council" in welsh
    assert "Anghenion newydd" in welsh and "Pleidleisiau blaenoriaeth" in welsh
    assert "Rydych yn cael y diweddariad hwn bob mis." in welsh
    assert "Dad-danysgrifio (nid oes angen mewngofnodi):" in welsh
    assert "Here is your" not in welsh and "New needs" not in welsh
    assert "- Gwirfoddolwyr i’r pantri dydd Sadwrn\n" in welsh  # the need's Welsh title
    assert '<html lang="cy">' in html_of(rita)
    english = plain(rory)
    assert english.startswith("Dear Rory Resident,") and "Here is your monthly update from Brent Council" in english
    assert "Annwyl" not in english and '<html lang="en">' in html_of(rory)
    assert "- Volunteers for the Saturday pantry\n" in english and "Gwirfoddolwyr" not in english
    # The group's and the supplier's members chose no language: English.
    assert plain(received["grace@example.org"]).startswith("Dear Grace Group,")


def test_a_section_many_people_share_is_rendered_once_a_language_and_reads_as_if_rendered_alone(app, world):
    with app.app_context():
        rhys = factories.user("rhys@example.org", "Rhys Resident")
        factories.living_in(rhys, world["harlesden"])
        save_preferences(rhys, "monthly", [], [], newsletter=False)
        db.session.commit()
        now = utcnow()
        people = [world["rita"], world["rory"], rhys.id]  # one ward, no themes; Rita reads Welsh

        digests = DigestBuilder(period_for("monthly", now), now).build(people)
        assert digests[0].area is digests[1].area is digests[2].area
        assert digests[0].stories is digests[1].stories is digests[2].stories
        sections = SharedSections()
        together = [render_digest(digest, titles=need_titles(digests), sections=sections) for digest in digests]
        # Each read as if rendered alone, from a builder and a renderer of its own.
        alone = [
            render_digest(digest) for person in people for digest in DigestBuilder(period_for("monthly", now), now).build([person])
        ]
        assert together == alone
        assert len(sections) == 10  # a subject in each language, and the area's news and the stories, as HTML and as text, in Welsh and in English

    welsh, english, also_english = (email.text for email in together)
    assert "Anghenion newydd" in welsh and "New needs" not in welsh
    assert "- Gwirfoddolwyr i’r pantri dydd Sadwrn\n" in welsh
    assert "New needs" in english and "Anghenion newydd" not in english
    assert "- Volunteers for the Saturday pantry\n" in english and "Gwirfoddolwyr" not in english
    assert also_english.startswith("Dear Rhys Resident,") and "Rory" not in also_english
    assert together[1].headers["List-Unsubscribe"] != together[2].headers["List-Unsubscribe"]


def test_a_welsh_residents_reminder_to_vote_is_in_welsh_and_an_english_ones_in_english(app, world, smtp, work_jobs):
    with app.app_context():
        rq.enqueue(send_vote_reminders)
    assert work_jobs() == 0

    received = smtp.received()
    assert sorted(received) == ["rita@example.org", "rory@example.org"]
    rita, rory = received["rita@example.org"], received["rory@example.org"]
    assert rita["Subject"] == "Mae’r pleidleisio ar agor: Harlesden priorities 2026"
    assert rory["Subject"] == "Voting is open: Harlesden priorities 2026"
    welsh = plain(rita)
    assert welsh.startswith("Annwyl Rita Resident,")
    assert "Mae’r pleidleisio ar agor yn “Harlesden priorities 2026” ar gyfer Harlesden & Kensal Green, tan" in welsh
    assert "Y gyllideb yw £50,000." in welsh and "Pleidleisio nawr: http://localhost/rounds/" in welsh
    # The closing date in Welsh: its month is Babel's Welsh month name.
    with app.app_context():
        from models import Round

        closes = db.session.get(Round, world["round"]).closes_at.replace(tzinfo=timezone.utc).astimezone(LONDON)
    assert format_date(closes, "d MMMM yyyy", locale="cy") in welsh
    assert '<html lang="cy">' in html_of(rita) and "Atal y nodiadau atgoffa hyn" in html_of(rita)
    english = plain(rory)
    assert english.startswith("Dear Rory Resident,")
    assert "Voting is open in “Harlesden priorities 2026” for Harlesden & Kensal Green, until" in english
    assert format_date(closes, "d MMMM yyyy", locale="en") in english and "Annwyl" not in english


def test_an_invitation_is_in_the_invitees_language_else_the_inviters(app, places):
    from brokerage.notify import send_invitation
    from models import EmailMessage, Invitation

    with app.app_context(), app.test_request_context("/"):
        owner = factories.user("owner@example.org", "Olu Owner")
        owner.locale = "cy"
        group = factories.organisation(owner)
        english_reader = factories.user("pat@example.org", "Pat Person")
        english_reader.locale = "en"
        for address in ("new@example.org", "pat@example.org"):
            invitation = Invitation(organisation_id=group.id, email=address, invited_by_id=owner.id)
            db.session.add(invitation)
            db.session.flush()
            send_invitation(invitation, owner)
        db.session.commit()
        sent = {m.to_address: m for m in db.session.scalars(db.select(EmailMessage).where(EmailMessage.kind == "invitation"))}
    # No account: the inviter's language. An account: its own.
    assert sent["new@example.org"].subject.startswith("Ymuno â Harlesden Food Hub ar ")
    assert sent["new@example.org"].text_body.startswith("Helo,")
    assert sent["pat@example.org"].subject.startswith("Join Harlesden Food Hub on ")
    assert sent["pat@example.org"].text_body.startswith("Hello,")
