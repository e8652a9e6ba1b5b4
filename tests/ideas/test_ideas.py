"""Residents shape the ballot: a round's ideas phase through the real views and rules.
Officers give a round an ideas phase; residents of the ward and members of its community
groups propose, support and comment; anyone reports; officers moderate, assess, merge and
put feasible ideas on the ballot; the proposer and supporters are emailed once per step.
The unhappy paths of issue 19: outsiders, supporting twice (two tabs at once on
PostgreSQL) or your own idea, script, links and 50,000 characters, editing after
assessment, merging into itself or across rounds, a comment on a hidden idea."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import DomainError, EmailMessage, Round, User, Ward, db, utcnow
from models.core.work_queue import work_waiting
from models.places.themes import Theme
from models.ideas.ideas import (
    Idea,
    IdeaComment,
    IdeaDetails,
    IdeaSupport,
    IdeasPhase,
    RoundDispatch,
    assess_idea,
    merge_ideas,
    propose_idea,
    put_on_ballot,
    set_ideas_phase,
    support_idea,
)
from models.voting.setup import create_round
from tests import factories
from tests.factories import login, png_bytes, post_form, round_fields

HARLESDEN = "NW10 8AB"


@dataclass
class World:
    officer: int
    residents: list[int]
    outsider: int
    member: int  # lives elsewhere, member of a Harlesden community group
    ward_id: int
    round: int
    other_round: int
    theme: int


def _ideas_round(officer, ward_id: int, title: str, premoderate: bool = False) -> Round:
    now = utcnow()
    round_ = create_round(officer, round_fields(ward_id, title=title, opens_at=now + timedelta(days=2), closes_at=now + timedelta(days=9)))
    set_ideas_phase(round_, officer, now - timedelta(hours=1), now + timedelta(days=1), premoderate)
    return round_


@pytest.fixture
def world(app, places) -> World:
    with app.app_context():
        officer = factories.officer()
        residents = [factories.user(f"resident{i}@example.org", f"Resident {i}") for i in range(3)]
        outsider = factories.user("outsider@example.org", "Otto Outsider")
        member = factories.user("member@example.org", "Mo Member")
        factories.themes()
        harlesden = factories.ward_of(HARLESDEN)
        other_ward = db.session.scalar(select(Ward.id).where(Ward.id != harlesden.id).order_by(Ward.id))
        factories.organisation(member, officer=officer, ward_id=harlesden.id)
        for resident in residents:
            factories.living_in(resident, harlesden.id, HARLESDEN)
        factories.living_in(outsider, other_ward)
        factories.living_in(member, other_ward)
        round_ = _ideas_round(officer, harlesden.id, "Harlesden priorities 2027")
        other = _ideas_round(officer, harlesden.id, "Harlesden priorities 2028")
        theme = factories.first_theme_id(order_by=Theme.id)
        db.session.commit()
        return World(officer.id, [r.id for r in residents], outsider.id, member.id, harlesden.id, round_.id, other.id, theme)


def idea_form(world: World, **overrides) -> dict:
    form = {
        "title": "Benches on Craven Park Road",
        "description": "Four benches so older residents can rest on the way to the shops.",
        "cost": "4,000",
        "theme_id": str(world.theme),
        "place": "Outside the library",
        "latitude": "",
        "longitude": "",
        "photo_alt": "",
    }
    form.update(overrides)
    return form


def propose(client, world: World, **overrides):
    return post_form(client, f"/rounds/{world.round}/ideas/new", idea_form(world, **overrides), content_type="multipart/form-data")


def make_idea(app, world: World, proposer: int, title: str = "Benches", round_id: int | None = None) -> int:
    with app.app_context():
        idea = propose_idea(
            db.session.get(Round, round_id or world.round), db.session.get(User, proposer),
            IdeaDetails(title, "A description.", 400_000, world.theme), utcnow(),
        )
        db.session.commit()
        return idea.id


def support(app, idea_id: int, user_id: int) -> bool:
    with app.app_context():
        added = support_idea(db.session.get(Idea, idea_id), db.session.get(User, user_id), utcnow())
        db.session.commit()
        return added


def idea_count(app) -> int:
    return factories.count(app, Idea)


# ---------------------------------------------------------------- the phase


def test_the_ideas_phase_must_end_before_voting_opens(app, client, world):
    login(client, "officer@example.org")
    today = date.today()

    def day(offset: int) -> list[str]:
        when = today + timedelta(days=offset)
        return [str(when.day), str(when.month), str(when.year)]

    form = {
        "title": "Kensal Green 2027", "description": "", "ward_id": str(world.ward_id), "budget": "20,000",
        "opens_on": day(10), "opens_time": "9am", "closes_on": day(20), "closes_time": "5pm",
        "method": "approval", "max_choices": "3", "rule": "greedy", "comment_moderation": "pre",
        "ideas_opens_on": day(0), "ideas_closes_on": day(12),
    }
    before = factories.count(app, Round)
    response = post_form(client, "/officers/rounds/new", form)
    assert response.status_code == 400
    assert "The ideas phase must end before voting opens" in response.get_data(as_text=True)
    assert factories.count(app, Round) == before  # one transaction: no round without its phase
    form["ideas_closes_on"] = day(5)
    assert post_form(client, "/officers/rounds/new", form).status_code == 302
    with app.app_context():
        made = db.session.scalar(select(Round).where(Round.title == "Kensal Green 2027"))
        phase = db.session.get(IdeasPhase, made.id)
        assert phase.premoderate_comments and phase.closes_at <= made.opens_at
    edit = client.get(f"/officers/rounds/{made.id}/edit").get_data(as_text=True)
    assert "Hold each comment until an officer publishes it" in edit


def test_the_ward_page_shows_the_ideas_phase(app, client, world):
    with app.app_context():
        code = db.session.get(Ward, world.ward_id).code
    page = client.get(f"/wards/{code}").get_data(as_text=True)
    assert "Ideas for the ward vote" in page and f"/rounds/{world.round}/ideas" in page


# ---------------------------------------------------------------- proposing


def test_a_resident_and_a_member_of_the_wards_group_propose_but_an_outsider_cannot(app, client, world):
    login(client, "resident0@example.org")
    response = propose(client, world)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Benches on Craven Park Road" in page and "£4,000" in page
    client.post("/sign-out", data={"csrf_token": factories.csrf_token(client, "/account")})
    other = app.test_client()
    login(other, "member@example.org")
    assert propose(other, world, title="A community fridge").status_code == 302
    outsider = app.test_client()
    login(outsider, "outsider@example.org")
    refused = propose(outsider, world, title="Not my ward")
    assert refused.status_code == 403
    assert "Only residents of" in refused.get_data(as_text=True)
    assert idea_count(app) == 2


def test_an_idea_full_of_script_and_links_is_sanitised_and_50000_characters_are_refused(app, client, world):
    login(client, "resident0@example.org")
    evil = '<script>alert("x")</script> [click](javascript:alert(1)) <img src=x onerror=alert(2)> [ok](https://example.org)'
    response = propose(client, world, description=evil)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert" not in page and "javascript:" not in page and "onerror" not in page
    assert 'href="https://example.org"' in page and 'rel="nofollow noopener noreferrer"' in page
    long = propose(client, world, title="Too long", description="x" * 50_000)
    assert long.status_code == 400
    text = long.get_data(as_text=True)
    assert "Description must be 10,000 characters or fewer" in text and 'value="Too long"' in text
    assert idea_count(app) == 1


def test_a_photo_is_checked_like_need_photos_and_a_point_must_be_inside_the_ward(app, client, world):
    login(client, "resident0@example.org")
    bad = propose(client, world, photo=(io.BytesIO(b"<script>alert(1)</script>" * 10), "evil.png"))
    assert bad.status_code == 400 and "The file is not an image we can read" in bad.get_data(as_text=True)
    wrong_kind = propose(client, world, photo=(io.BytesIO(png_bytes()), "photo.exe"))
    assert "The photo must be a JPEG, PNG or WebP image" in wrong_kind.get_data(as_text=True)
    outside = propose(client, world, latitude="51.60", longitude="-0.30")
    assert outside.status_code == 400 and "Choose a point inside" in outside.get_data(as_text=True)
    nonsense = propose(client, world, latitude="nan", longitude="-0.24")
    assert nonsense.status_code == 400 and "Enter a latitude between -90 and 90" in nonsense.get_data(as_text=True)
    assert idea_count(app) == 0
    with app.app_context():
        ward = db.session.get(Ward, world.ward_id)
        inside = (ward.latitude, ward.longitude)
    good = propose(client, world, photo=(io.BytesIO(png_bytes()), "bench.png"), photo_alt="A bench",
                   latitude=str(inside[0]), longitude=str(inside[1]))
    assert good.status_code == 302, good.get_data(as_text=True)
    idea_id = int(good.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/ideas/{idea_id}").get_data(as_text=True)
    assert "<circle" in page and "1 idea marked where it would happen" in page  # on the ward's map
    assert "<circle" in client.get(f"/rounds/{world.round}/ideas").get_data(as_text=True)
    photo = client.get(f"/ideas/{idea_id}/photo")
    assert photo.status_code == 200 and photo.headers["Content-Security-Policy"] == "default-src 'none'"


def test_the_proposer_changes_an_idea_before_assessment_and_nobody_else_can(app, client, world):
    idea_id = make_idea(app, world, world.residents[0])
    other = app.test_client()
    login(other, "resident1@example.org")
    assert other.get(f"/ideas/{idea_id}/edit").status_code == 403
    login(client, "resident0@example.org")
    response = post_form(client, f"/ideas/{idea_id}/edit", idea_form(world, title="Benches, four of them"),
                         content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Idea, idea_id).title == "Benches, four of them"


def test_commenting_is_rate_limited(app, client, world):
    idea_id = make_idea(app, world, world.residents[0])
    login(client, "resident1@example.org")
    statuses = [comment(client, idea_id, f"Comment {n}").status_code for n in range(11)]
    assert statuses == [302] * 10 + [429]


def test_proposing_is_rate_limited(app, client, world):
    login(client, "resident0@example.org")
    statuses = [propose(client, world, title=f"Idea {n}").status_code for n in range(6)]
    assert statuses == [302] * 5 + [429]


# ---------------------------------------------------------------- supports


def test_one_support_per_person_and_not_your_own_idea(app, client, world):
    idea_id = make_idea(app, world, world.residents[0])
    login(client, "resident1@example.org")
    for _ in range(2):
        assert post_form(client, f"/ideas/{idea_id}/support", {}, form_url=f"/ideas/{idea_id}").status_code == 302
    assert factories.count(app, IdeaSupport) == 1
    with app.app_context():
        assert db.session.get(Idea, idea_id).supporter_count == 1
    own = app.test_client()
    login(own, "resident0@example.org")
    own.get(f"/ideas/{idea_id}")
    response = post_form(own, f"/ideas/{idea_id}/support", {}, form_url=f"/ideas/{idea_id}", follow_redirects=True)
    assert "You cannot support your own idea" in response.get_data(as_text=True)
    with pytest.raises(DomainError):
        with app.app_context():
            support_idea(db.session.get(Idea, idea_id), db.session.get(User, world.residents[0]), utcnow())
    outsider = app.test_client()
    login(outsider, "outsider@example.org")
    assert post_form(outsider, f"/ideas/{idea_id}/support", {}, form_url=f"/ideas/{idea_id}").status_code == 403
    assert factories.count(app, IdeaSupport) == 1


@pytest.mark.postgres
def test_two_tabs_supporting_at_once_make_one_support(app, world):
    idea_id = make_idea(app, world, world.residents[0])
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    results: list[bool] = []

    def tab():
        with app.app_context():
            try:
                idea = db.session.get(Idea, idea_id)
                user = db.session.get(User, world.residents[1])
                _ = idea.round.ward
                db.session.commit()
                barrier.wait()
                results.append(support_idea(idea, user, utcnow()))
                db.session.commit()
            except BaseException as error:  # noqa: BLE001: reported below
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tab) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [False, True]
    assert factories.count(app, IdeaSupport) == 1
    with app.app_context():
        assert db.session.get(Idea, idea_id).supporter_count == 1


# ---------------------------------------------------------------- comments and reports


def comment(client, idea_id: int, body: str, parent_id: int | None = None):
    data = {"body": body}
    if parent_id is not None:
        data["parent_id"] = str(parent_id)
    return post_form(client, f"/ideas/{idea_id}/comments", data, form_url=f"/ideas/{idea_id}")


def test_comments_thread_one_level_and_a_reported_comment_is_hidden_by_an_officer(app, client, world):
    idea_id = make_idea(app, world, world.residents[0])
    login(client, "resident1@example.org")
    assert comment(client, idea_id, "Yes please, near the bus stop.").status_code == 302
    with app.app_context():
        first = db.session.scalar(select(IdeaComment.id))
    assert comment(client, idea_id, "Agreed", parent_id=first).status_code == 302
    with app.app_context():
        reply = db.session.scalar(select(IdeaComment.id).where(IdeaComment.parent_id == first))
    assert comment(client, idea_id, "A reply to the reply", parent_id=reply).status_code == 302
    with app.app_context():
        parents = set(db.session.scalars(select(IdeaComment.parent_id).where(IdeaComment.parent_id.is_not(None))))
        assert parents == {first}  # threaded one level
        reply = db.session.scalar(select(func.max(IdeaComment.id)))
    page = app.test_client().get(f"/ideas/{idea_id}").get_data(as_text=True)
    assert "Yes please, near the bus stop." in page and "A reply to the reply" in page
    # anyone, signed in or not, can report
    anonymous = app.test_client()
    assert post_form(anonymous, f"/ideas/{idea_id}/report", {"reason": "Rude", "comment_id": str(reply)},
                     form_url=f"/ideas/{idea_id}").status_code == 302
    with app.app_context():
        assert work_waiting()["idea_reports"] == 1
    officer = app.test_client()
    login(officer, "officer@example.org")
    queue = officer.get("/officers/ideas/moderation").get_data(as_text=True)
    assert "A reply to the reply" in queue and "Rude" in queue
    assert "1 report" in officer.get("/officers/").get_data(as_text=True)
    with app.app_context():
        from models.ideas.ideas import IdeaReport

        report_id = db.session.scalar(select(IdeaReport.id))
    assert post_form(officer, f"/officers/ideas/reports/{report_id}/uphold", {}, form_url="/officers/ideas/moderation").status_code == 302
    assert "A reply to the reply" not in app.test_client().get(f"/ideas/{idea_id}").get_data(as_text=True)
    with app.app_context():
        assert work_waiting()["idea_reports"] == 0
    # a resident cannot decide reports
    assert post_form(client, f"/officers/ideas/reports/{report_id}/dismiss", {}, form_url=f"/ideas/{idea_id}").status_code in (302, 403)
    with app.app_context():
        assert db.session.get(IdeaReport, report_id).state == "upheld"


def test_premoderated_comments_wait_for_an_officer(app, client, world):
    with app.app_context():
        phase = db.session.get(IdeasPhase, world.round)
        phase.premoderate_comments = True
        db.session.commit()
    idea_id = make_idea(app, world, world.residents[0])
    login(client, "resident1@example.org")
    assert comment(client, idea_id, "Held until checked").status_code == 302
    assert "Held until checked" in client.get(f"/ideas/{idea_id}").get_data(as_text=True)  # the author sees it, waiting
    assert "Held until checked" not in app.test_client().get(f"/ideas/{idea_id}").get_data(as_text=True)
    with app.app_context():
        assert work_waiting()["idea_comments"] == 1
        comment_id = db.session.scalar(select(IdeaComment.id))
    officer = app.test_client()
    login(officer, "officer@example.org")
    assert post_form(officer, f"/officers/ideas/comments/{comment_id}/publish", {}, form_url="/officers/ideas/moderation").status_code == 302
    assert "Held until checked" in app.test_client().get(f"/ideas/{idea_id}").get_data(as_text=True)


def test_a_reported_idea_is_hidden_and_takes_no_comments(app, client, world):
    idea_id = make_idea(app, world, world.residents[0])
    assert post_form(app.test_client(), f"/ideas/{idea_id}/report", {"reason": "Spam"}, form_url=f"/ideas/{idea_id}").status_code == 302
    officer = app.test_client()
    login(officer, "officer@example.org")
    with app.app_context():
        from models.ideas.ideas import IdeaReport

        report_id = db.session.scalar(select(IdeaReport.id))
    post_form(officer, f"/officers/ideas/reports/{report_id}/uphold", {}, form_url="/officers/ideas/moderation")
    assert app.test_client().get(f"/ideas/{idea_id}").status_code == 404
    login(client, "resident1@example.org")
    assert comment(client, idea_id, "Still here?").status_code == 404
    with app.app_context():
        with pytest.raises(DomainError, match="not open for comments"):
            from models.ideas.ideas import add_comment

            add_comment(db.session.get(Idea, idea_id), db.session.get(User, world.residents[1]), "Hi", None, utcnow())
    assert factories.count(app, IdeaComment) == 0


def test_an_outsider_cannot_comment(app, client, world):
    idea_id = make_idea(app, world, world.residents[0])
    login(client, "outsider@example.org")
    assert comment(client, idea_id, "From elsewhere").status_code == 403
    assert factories.count(app, IdeaComment) == 0


# ---------------------------------------------------------------- officers


def assess(client, idea_id: int, **form):
    return post_form(client, f"/officers/ideas/{idea_id}", form)


def test_assessment_notifications_editing_after_assessment_and_the_ballot(app, client, world, outbox):
    feasible = make_idea(app, world, world.residents[0], "Benches")
    unfeasible = make_idea(app, world, world.residents[1], "A new swimming pool")
    support(app, feasible, world.residents[1])
    support(app, feasible, world.residents[2])
    login(client, "officer@example.org")
    missing = assess(client, feasible, outcome="feasible", estimate="", explanation="Four benches at £900 each")
    assert missing.status_code == 400 and "Enter a cost estimate" in missing.get_data(as_text=True)
    assert assess(client, feasible, outcome="feasible", estimate="3,600", explanation="Four benches at £900 each").status_code == 302
    assert assess(client, unfeasible, outcome="not_feasible", explanation="A pool costs far more than the budget").status_code == 302
    again = assess(client, feasible, outcome="not_feasible", explanation="Changed my mind")
    assert again.status_code == 400 and "already been assessed" in again.get_data(as_text=True)
    # the reason is public
    assert "A pool costs far more than the budget" in app.test_client().get(f"/ideas/{unfeasible}").get_data(as_text=True)
    # the proposer can no longer edit
    proposer = app.test_client()
    login(proposer, "resident0@example.org")
    edit = post_form(proposer, f"/ideas/{feasible}/edit", idea_form(world, title="Changed"), form_url=f"/ideas/{feasible}",
                     content_type="multipart/form-data")
    assert edit.status_code == 302
    with app.app_context():
        assert db.session.get(Idea, feasible).title == "Benches"
        with pytest.raises(DomainError, match="can no longer be changed"):
            from models.ideas.ideas import update_idea

            update_idea(db.session.get(Idea, feasible), db.session.get(User, world.residents[0]),
                        IdeaDetails("Changed", "x", 100, None), utcnow())
    # on the ballot, linked to its idea
    assert post_form(client, f"/officers/ideas/{feasible}/ballot", {}, form_url=f"/officers/ideas/{feasible}").status_code == 302
    with app.app_context():
        idea = db.session.get(Idea, feasible)
        assert idea.option is not None and idea.option.cost_pence == 360_000 and idea.option.title == "Benches"
        with pytest.raises(DomainError, match="Only an idea assessed as feasible"):
            put_on_ballot(db.session.get(Idea, unfeasible), db.session.get(User, world.officer))
    messages = outbox()
    # feasible: proposer and two supporters; not feasible: its proposer; on the ballot: the three again
    subjects = sorted((m.to_address, m.subject) for m in messages if m.kind.startswith("idea_"))
    assert subjects == sorted([
        ("resident0@example.org", "Your idea is feasible: Benches"),
        ("resident1@example.org", "Your idea is feasible: Benches"),
        ("resident2@example.org", "Your idea is feasible: Benches"),
        ("resident1@example.org", "Not feasible: A new swimming pool"),
        ("resident0@example.org", "On the ballot: Benches"),
        ("resident1@example.org", "On the ballot: Benches"),
        ("resident2@example.org", "On the ballot: Benches"),
    ])
    # the job run again (a retry) tells nobody twice
    from workers.ideas import notify_idea_step

    with app.app_context():
        assert notify_idea_step(feasible, "feasible") == 0
    assert factories.count(app, EmailMessage) == len(messages)
    assert factories.count(app, RoundDispatch) == 7


def test_a_resident_cannot_assess(app, client, world):
    idea_id = make_idea(app, world, world.residents[0])
    login(client, "resident1@example.org")
    response = post_form(client, f"/officers/ideas/{idea_id}", {"outcome": "feasible", "estimate": "10", "explanation": "x"},
                         form_url=f"/ideas/{idea_id}")
    assert response.status_code in (302, 403)
    with app.app_context():
        assert db.session.get(Idea, idea_id).state == "proposed"


def test_merging_moves_supports_without_double_counting(app, client, world, outbox):
    kept = make_idea(app, world, world.residents[0], "Benches")
    duplicate = make_idea(app, world, world.residents[1], "Seats on the high street")
    support(app, kept, world.residents[2])
    support(app, duplicate, world.residents[2])  # supports both: counted once
    support(app, duplicate, world.residents[0])  # the kept idea's own proposer
    login(client, "officer@example.org")
    itself = post_form(client, f"/officers/ideas/{duplicate}/merge", {"into": str(duplicate)}, form_url=f"/officers/ideas/{duplicate}")
    assert itself.status_code == 400 and "Choose the idea to keep" in itself.get_data(as_text=True) or "merged into itself" in itself.get_data(as_text=True)
    with app.app_context():
        with pytest.raises(DomainError, match="cannot be merged into itself"):
            merge_ideas(db.session.get(Idea, duplicate), db.session.get(Idea, duplicate), db.session.get(User, world.officer))
    elsewhere = make_idea(app, world, world.residents[2], "Benches too", round_id=world.other_round)
    with app.app_context():
        with pytest.raises(DomainError, match="same round"):
            merge_ideas(db.session.get(Idea, elsewhere), db.session.get(Idea, kept), db.session.get(User, world.officer))
    response = post_form(client, f"/officers/ideas/{duplicate}/merge", {"into": str(kept)}, form_url=f"/officers/ideas/{duplicate}")
    assert response.status_code == 302
    with app.app_context():
        kept_idea = db.session.get(Idea, kept)
        people = set(db.session.scalars(select(IdeaSupport.user_id).where(IdeaSupport.idea_id == kept)))
        assert people == {world.residents[1], world.residents[2]}  # the duplicate's proposer joins; nobody twice
        assert kept_idea.supporter_count == 2
        assert db.session.get(Idea, duplicate).state == "merged"
    public = app.test_client().get(f"/rounds/{world.round}/ideas").get_data(as_text=True)
    assert "Seats on the high street" not in public and "Benches" in public
    merged = [m for m in outbox() if m.kind == "idea_merged"]
    assert sorted(m.to_address for m in merged) == ["resident0@example.org", "resident1@example.org", "resident2@example.org"]


def test_results_show_which_options_came_from_residents_ideas(app, client, world):
    idea_id = make_idea(app, world, world.residents[0], "Benches")
    with app.app_context():
        officer = db.session.get(User, world.officer)
        assess_idea(db.session.get(Idea, idea_id), officer, True, 360_000, "Four benches")
        put_on_ballot(db.session.get(Idea, idea_id), officer)
        round_ = db.session.get(Round, world.round)
        from models.voting.setup import add_item_option

        add_item_option(round_, officer, "Street trees", "", 500_000)
        round_.state, round_.published_at, round_.counted_at = "published", utcnow(), utcnow()
        db.session.commit()
    page = client.get(f"/rounds/{world.round}/results").get_data(as_text=True)
    assert "From a resident’s idea" in page and "1 of the 2 options came from residents’ ideas" in page
    assert page.count("From a resident’s idea") == 1


def test_no_ideas_outside_the_phase(app, client, world):
    with app.app_context():
        phase = db.session.get(IdeasPhase, world.round)
        phase.closes_at = utcnow() - timedelta(minutes=1)
        phase.opens_at = utcnow() - timedelta(days=1)
        db.session.commit()
    login(client, "resident0@example.org")
    response = propose(client, world)
    assert response.status_code == 403 and "The ideas phase has closed" in response.get_data(as_text=True)
    assert idea_count(app) == 0


def test_withdrawing_a_support_and_rounds_without_an_ideas_phase(app, client, world):
    idea_id = make_idea(app, world, world.residents[0])
    login(client, "resident1@example.org")
    post_form(client, f"/ideas/{idea_id}/support", {}, form_url=f"/ideas/{idea_id}")
    assert "Stop supporting this idea" in client.get(f"/ideas/{idea_id}").get_data(as_text=True)
    post_form(client, f"/ideas/{idea_id}/support", {"action": "withdraw"}, form_url=f"/ideas/{idea_id}")
    assert factories.count(app, IdeaSupport) == 0
    with app.app_context():
        assert db.session.get(Idea, idea_id).supporter_count == 0
        plain = create_round(db.session.get(User, world.officer), round_fields(world.ward_id, title="No ideas"))
        db.session.commit()
        plain_id = plain.id
    assert client.get(f"/rounds/{plain_id}/ideas").status_code == 404
    assert client.get(f"/rounds/{plain_id}/ideas/new").status_code == 404
