"""A need's, a round option's and an idea's text in a second language
(models/core/translations.py): saved from the forms, one per language, validated; pages
show the reader's language where it exists, with `lang` on the fragment, and say when the
text is only in another language; only the people who may change the parent may translate it."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import DomainError, EmailMessage, Event, Need, PermissionDenied, Round, RoundOption, User, db, utcnow
from models.core.translations import SecondText, text_in
from models.ideas.ideas import Idea, IdeaTranslation, set_ideas_phase
from models.needs.models import NeedTranslation
from models.needs.rules import translate_need
from models.voting.models import RoundOptionTranslation
from models.voting.setup import add_need_options, create_round
from tests import factories
from tests.factories import count, login, post_form
from tests.needs.test_needs import FUTURE, make_need, need_form, world  # noqa: F401  (the fixture)

WELSH = {
    "language": "en",
    "second_language": "cy",
    "second_title": "Gliniaduron i’n clwb gwaith cartref",
    "second_summary": "Deg gliniadur i blant heb un gartref.",
    "second_description": "Rydym yn cwrdd **bob dydd** ar ôl ysgol.",
}


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def in_welsh(client, url: str) -> str:
    return page(client.get(url, headers={"Accept-Language": "cy"}))


def in_english(client, url: str) -> str:
    return page(client.get(url, headers={"Accept-Language": "en"}))


def published(app, need_id: int) -> None:
    with app.app_context():
        need = db.session.get(Need, need_id)
        need.status, need.published_at = "published", utcnow()
        db.session.commit()


def test_a_group_gives_its_need_a_welsh_title_and_readers_see_their_language(app, client, world):
    login(client, "owner@example.org")
    response = post_form(client, f"/groups/{world['group']}/needs/new", need_form(world, **WELSH))
    assert response.status_code == 302
    with app.app_context():
        need = db.session.scalar(select(Need))
        assert need.language == "en"
        [row] = need.translations
        assert (row.locale, row.title, row.summary) == ("cy", WELSH["second_title"], WELSH["second_summary"])
        assert count(app, Event, Event.action == "need.translation_saved", Event.subject_id == str(need.id)) == 1
        need_id = need.id
    published(app, need_id)

    reader = app.test_client()
    welsh = in_welsh(reader, f"/needs/{need_id}")
    assert f'<h1 class="govuk-heading-l" lang="cy">{WELSH["second_title"]}</h1>' in welsh
    assert 'lang="cy">Deg gliniadur i blant heb un gartref.</p>' in welsh
    assert "<strong>bob dydd</strong>" in welsh  # the Markdown, rendered and cleaned
    assert "Ar gael yn" not in welsh
    english = in_english(reader, f"/needs/{need_id}")
    assert '<h1 class="govuk-heading-l" lang="en">Laptops for our homework club</h1>' in english
    assert WELSH["second_title"] not in english
    # The list's card too.
    assert f'lang="cy">{WELSH["second_title"]}</a>' in in_welsh(reader, "/needs")


def test_text_only_in_english_says_so_in_welsh_with_lang_on_the_original(app, client, world):
    need_id = make_need(app, world, title="Paint for the hall")
    welsh = in_welsh(client, f"/needs/{need_id}")
    assert '<h1 class="govuk-heading-l" lang="en">Paint for the hall</h1>' in welsh
    assert "Ar gael yn Saesneg yn unig." in welsh
    card = in_welsh(client, "/needs")
    assert 'lang="en">Paint for the hall</a>' in card and "Ar gael yn Saesneg yn unig." in card
    assert "Only available in" not in in_english(client, f"/needs/{need_id}")


def test_a_welsh_original_with_an_english_translation(app, client, world):
    login(client, "owner@example.org")
    form = need_form(world, title="Paent i’r neuadd", language="cy", second_language="en",
                     second_title="Paint for the hall", second_summary="Paint for the village hall.")
    assert post_form(client, f"/groups/{world['group']}/needs/new", form).status_code == 302
    with app.app_context():
        need_id = db.session.scalar(select(Need.id))
    published(app, need_id)
    reader = app.test_client()
    assert '<h1 class="govuk-heading-l" lang="cy">Paent i’r neuadd</h1>' in in_welsh(reader, f"/needs/{need_id}")
    assert '<h1 class="govuk-heading-l" lang="en">Paint for the hall</h1>' in in_english(reader, f"/needs/{need_id}")


def test_mistakes_are_shown_beside_the_fields_and_what_was_typed_is_kept(app, client, world):
    login(client, "owner@example.org")
    url = f"/groups/{world['group']}/needs/new"
    text = page(post_form(client, url, need_form(world, **{**WELSH, "second_language": "en"})))
    assert "Choose a second language other than the language of the text above" in text
    assert WELSH["second_title"] in text  # kept
    no_title = post_form(client, url, need_form(world, **{**WELSH, "second_title": ""}))
    assert "Enter the title in the second language" in page(no_title)
    too_long = post_form(client, url, need_form(world, **{**WELSH, "second_title": "x" * 121}))
    assert "Title must be 120 characters or fewer" in page(too_long)
    no_language = post_form(client, url, need_form(world, **{**WELSH, "second_language": ""}))
    assert "Choose the second language" in page(no_language)
    unknown = post_form(client, url, need_form(world, **{**WELSH, "second_language": "fr"}))
    assert "Choose the second language from the list" in page(unknown)
    assert count(app, Need) == 0 and count(app, NeedTranslation) == 0


def test_editing_changes_the_translation_and_emptying_it_removes_it(app, client, world):
    login(client, "owner@example.org")
    post_form(client, f"/groups/{world['group']}/needs/new", need_form(world, **WELSH))
    with app.app_context():
        need_id = db.session.scalar(select(Need.id))
    form_page = page(client.get(f"/needs/{need_id}/edit"))
    assert WELSH["second_title"] in form_page  # filled in from the saved translation
    post_form(client, f"/needs/{need_id}/edit", need_form(world, **{**WELSH, "second_title": "Gliniaduron newydd"}))
    with app.app_context():
        assert db.session.scalars(select(NeedTranslation.title)).all() == ["Gliniaduron newydd"]
    empty = {**WELSH, "second_title": "", "second_summary": "", "second_description": ""}
    assert post_form(client, f"/needs/{need_id}/edit", need_form(world, **empty)).status_code == 302
    assert count(app, NeedTranslation) == 0
    assert count(app, Event, Event.action == "need.translation_removed") == 1


def test_only_the_groups_members_may_translate_and_one_row_per_language(app, world):
    need_id = make_need(app, world, status="draft")
    text = SecondText("cy", "Teitl", "Crynodeb", "")
    with app.app_context():
        need = db.session.get(Need, need_id)
        with pytest.raises(PermissionDenied):
            translate_need(need, db.session.get(User, world["other"]), text, ["en", "cy"])
        owner = db.session.get(User, world["owner"])
        assert translate_need(need, owner, text, ["en", "cy"])
        assert not translate_need(need, owner, text, ["en", "cy"])  # unchanged: no event
        translate_need(need, owner, SecondText("cy", "Teitl arall", "Crynodeb", ""), ["en", "cy"])
        with pytest.raises(DomainError):
            translate_need(need, owner, SecondText("pl", "Tytuł", "Opis", ""), ["en", "cy"])  # not offered
        db.session.commit()
        assert [row.title for row in db.session.get(Need, need_id).translations] == ["Teitl arall"]
        assert text_in(need, "cy", "en").title == "Teitl arall" and text_in(need, "en", "en").title == need.title
    # Another group's member cannot reach the form either.
    other = app.test_client()
    login(other, "other@example.org")
    assert other.get(f"/needs/{need_id}/edit").status_code in (403, 404)


def test_an_officers_option_in_welsh_and_a_need_keeps_its_translation_on_the_ballot(app, world):
    with app.app_context():
        officer = db.session.get(User, world["officer"])
        now = utcnow()
        fields = factories.round_fields(world["ward_id"], opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=8))
        round_ = create_round(officer, fields)
        db.session.commit()
        round_id = round_.id
    need_id = make_need(app, world, title="Paint for the hall")
    with app.app_context():
        need = db.session.get(Need, need_id)
        translate_need(need, db.session.get(User, world["owner"]), SecondText("cy", "Paent i’r neuadd", "Paent", ""),
                       ["en", "cy"]) if need.is_editable else need.translations.append(
            NeedTranslation(locale="cy", title="Paent i’r neuadd", summary="Paent", description=""))
        add_need_options(db.session.get(Round, round_id), db.session.get(User, world["officer"]), [need])
        db.session.commit()
        assert db.session.scalars(select(RoundOptionTranslation.title)).all() == ["Paent i’r neuadd"]

    officer_client = app.test_client()
    login(officer_client, "officer@example.org")
    form = {"title": "Benches", "description": "", "cost": "1,000", "language": "en", "second_language": "cy",
            "second_title": "Meinciau", "second_description": "Meinciau yn y parc."}
    response = post_form(officer_client, f"/officers/rounds/{round_id}/items", form, form_url=f"/officers/rounds/{round_id}")
    assert response.status_code == 302
    with app.app_context():
        option = db.session.scalar(select(RoundOption).where(RoundOption.title == "Benches"))
        assert [(row.locale, row.title) for row in option.translations] == [("cy", "Meinciau")]
        round_ = db.session.get(Round, round_id)
        round_.state = "open"
        round_.opens_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    # A group member cannot add options (or their translations).
    group_client = app.test_client()
    login(group_client, "owner@example.org")
    refused = post_form(group_client, f"/officers/rounds/{round_id}/items", form, form_url="/")
    assert refused.status_code in (302, 403) and "/sign-in" not in refused.headers.get("Location", "")
    assert count(app, RoundOptionTranslation) == 2

    welsh = in_welsh(app.test_client(), f"/rounds/{round_id}")
    assert '<span lang="cy">Meinciau</span>' in welsh and '<span lang="cy">Paent i’r neuadd</span>' in welsh
    english = in_english(app.test_client(), f"/rounds/{round_id}")
    assert '<span lang="en">Benches</span>' in english


def test_a_resident_proposes_an_idea_in_welsh_with_an_english_title(app, world):
    with app.app_context():
        officer = db.session.get(User, world["officer"])
        now = utcnow()
        fields = factories.round_fields(world["ward_id"], opens_at=now + timedelta(days=10), closes_at=now + timedelta(days=20))
        round_ = create_round(officer, fields)
        set_ideas_phase(round_, officer, now - timedelta(days=1), now + timedelta(days=5), False)
        factories.living_in(db.session.get(User, world["resident"]), world["ward_id"])
        db.session.commit()
        round_id = round_.id
    client = app.test_client()
    login(client, "resident@example.org")
    theme_id = world["theme_id"]
    form = {"title": "Meinciau yn y parc", "description": "Lle i eistedd.", "cost": "5,000", "theme_id": str(theme_id),
            "place": "", "latitude": "", "longitude": "", "photo_alt": "", "language": "cy",
            "second_language": "en", "second_title": "Benches in the park", "second_description": "Somewhere to sit."}
    response = post_form(client, f"/rounds/{round_id}/ideas/new", form)
    assert response.status_code == 302, page(response)
    with app.app_context():
        idea = db.session.scalar(select(Idea))
        assert idea.language == "cy" and [(r.locale, r.title) for r in idea.translations] == [("en", "Benches in the park")]
        idea_id = idea.id
    assert '<h1 class="govuk-heading-l" lang="en">Benches in the park</h1>' in in_english(app.test_client(), f"/ideas/{idea_id}")
    welsh = in_welsh(app.test_client(), f"/ideas/{idea_id}")
    assert '<h1 class="govuk-heading-l" lang="cy">Meinciau yn y parc</h1>' in welsh
    assert 'lang="cy">Meinciau yn y parc</a>' in in_welsh(app.test_client(), f"/rounds/{round_id}/ideas")
    # Someone else cannot change it.
    other = app.test_client()
    login(other, "other@example.org")
    assert other.get(f"/ideas/{idea_id}/edit").status_code == 403
    assert count(app, IdeaTranslation) == 1


def test_the_groups_email_names_the_need_in_the_members_language(app, world):
    from workers.notify import send_need_decision

    need_id = make_need(app, world, status="draft", title="Paint for the hall")
    with app.app_context():
        need = db.session.get(Need, need_id)
        owner = db.session.get(User, world["owner"])
        translate_need(need, owner, SecondText("cy", "Paent i’r neuadd", "Paent", ""), ["en", "cy"])
        need.status = "published"
        owner.locale = "cy"
        db.session.commit()
        send_need_decision(db.session.get(Need, need_id))
        db.session.commit()
        message = db.session.scalar(select(EmailMessage).where(EmailMessage.to_address == "owner@example.org"))
        assert message.subject == "Wedi’i gyhoeddi: Paent i’r neuadd"
        assert message.text_body.startswith("Annwyl Olu Owner,")
        assert "wedi cyhoeddi eich angen “Paent i’r neuadd”. Gall cyflenwyr a thrigolion" in message.text_body
        assert '“<span lang="cy">Paent i’r neuadd</span>”' in message.html_body
        # A member who reads English gets the English title, marked as English.
        owner.locale = "en"
        db.session.commit()
        send_need_decision(db.session.get(Need, need_id))
        db.session.commit()
        english = db.session.scalars(select(EmailMessage).order_by(EmailMessage.id.desc())).first()
        assert english.subject == "Published: Paint for the hall"
        assert '“<span lang="en">Paint for the hall</span>”' in english.html_body
