"""The full-text index over public needs (SQLite: kept by triggers) holds exactly the public
needs, with their current text, whatever happens to them, so a search's count can be read
from it alone; on either database a search's count query counts what its list shows."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from models import Need, db
from models.needs.models import PUBLIC_STATUSES
from models.needs.search import NeedFilters, public_needs_count_query, public_needs_query
from tests import factories

WORDS = ("laptops", "paint", "kit")
STATUSES = ("draft", "submitted", "changes_requested", "rejected", "published", "fully_pledged", "delivered",
            "closed", "expired", "withdrawn")
ACTIONS = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.one_of(
            st.tuples(st.just("status"), st.sampled_from(STATUSES)),
            st.tuples(st.just("published_at"), st.booleans()),
            st.tuples(st.just("title"), st.sampled_from(WORDS)),
            st.tuples(st.just("delete"), st.just(None)),
        ),
    ),
    max_size=15,
)


@pytest.fixture
def world(app, places):
    with app.app_context():
        factories.themes()
        db.session.commit()
        owner = factories.user("owner@example.org", "Olu Owner")
        officer = factories.officer()
        group = factories.organisation(owner, officer=officer)
        db.session.commit()
        return {"owner": owner.id, "officer": officer.id, "group": group.id, "theme_id": factories.first_theme_id()}


def indexed(word: str) -> set[int]:
    return set(db.session.scalars(text("SELECT rowid FROM needs_fts WHERE needs_fts MATCH :word"), {"word": word}))


def public_with(word: str) -> set[int]:
    return {
        need.id for need in db.session.scalars(select(Need))
        if need.status in PUBLIC_STATUSES and need.published_at is not None and word in need.title.lower()
    }


@given(actions=ACTIONS)
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_random_changes_keep_the_index_to_the_public_needs(app, world, actions):
    from models import Organisation, User

    with app.app_context():
        group, owner = db.session.get(Organisation, world["group"]), db.session.get(User, world["owner"])
        officer = db.session.get(User, world["officer"])
        needs = [factories.need(group, owner, f"{word.capitalize()} for the hall", theme_id=world["theme_id"],
                                status=status, officer=officer)
                 for word, status in (("laptops", "draft"), ("paint", "published"), ("kit", "published"),
                                      ("laptops", "published"))]
        db.session.commit()
        try:
            for position, (field, value) in actions:
                need = needs[position]
                if need is None:
                    continue
                if field == "delete":
                    db.session.delete(need)
                    needs[position] = None
                elif field == "published_at":
                    need.published_at = need.created_at if value else None
                elif field == "title":
                    need.title = f"{value.capitalize()} for the hall"
                else:
                    need.status = value
                db.session.commit()
                for word in WORDS:
                    if db.engine.dialect.name == "sqlite":
                        assert indexed(word) == public_with(word), (word, actions)
                    # and the list's count, read from the index alone, says the same
                    counted = db.session.scalar(
                        select(db.func.count()).select_from(public_needs_count_query(NeedFilters(q=word), None).subquery())
                    )
                    shown = db.session.scalars(public_needs_query(NeedFilters(q=word), None)).all()
                    assert counted == len(shown) == len(public_with(word))
        finally:
            for need in needs:
                if need is not None:
                    db.session.delete(need)
            db.session.commit()
