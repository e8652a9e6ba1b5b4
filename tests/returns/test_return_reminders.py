"""Returns falling due: the daily job opens a draft for each ended period, reminds the
supplier once before the due date and once when overdue (a unique row per return and kind:
running it again sends nothing), and the supplier's digest carries a line for each."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from models import Contract, EmailMessage, User, db, utcnow
from models.digests.content import DigestBuilder
from models.digests.periods import period_for
from models.returns.models import ReturnReminder, SupplierReturn
from models.returns.reminders import due_reminders, open_ended_periods
from tests import factories
from tests.factories import get
from workers.digests import render_digest
from workers.returns import remind_returns


@pytest.fixture
def world(app, places):
    return factories.returns_borough(app)


def test_ended_periods_get_a_draft_and_each_reminder_is_sent_once(app, world):
    with app.app_context():
        # 1 August 2025: the first quarter (to 30 June) ended; due 30 July: overdue.
        assert open_ended_periods(date(2025, 8, 1)) == 2  # both suppliers' contracts
        assert open_ended_periods(date(2025, 8, 1)) == 0
        first = [(r.kind) for r in due_reminders(date(2025, 8, 1))]
        assert first == ["overdue", "overdue"]
        assert due_reminders(date(2025, 8, 1)) == []
        # 20 October: the second quarter (to 30 September) is due on 30 October: due soon.
        assert open_ended_periods(date(2025, 10, 20)) == 2
        assert [r.kind for r in due_reminders(date(2025, 10, 20))] == ["due_soon", "due_soon"]  # the overdue ones were sent
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(ReturnReminder)) == 4


def test_the_job_emails_the_supplier_once_and_the_digest_lists_the_return(app, world):
    with app.app_context():
        first = remind_returns()
        again = remind_returns()
        assert first["reminders"] > 0 and again == {"opened": 0, "reminders": 0}
        subjects = db.session.scalars(select(EmailMessage.subject).where(EmailMessage.to_address == "supplier@example.org")).all()
        assert "Your return for BRENT-RET-001, April 2025, is overdue" in subjects
        assert len(subjects) == len(set(subjects))
        drafts = db.session.scalars(select(SupplierReturn).where(SupplierReturn.contract_id == world.contract)).all()
        assert drafts and all(draft.state == "draft" and draft.created_by_id is None for draft in drafts)
        now = utcnow()
        [digest] = DigestBuilder(period_for("monthly", now), now).build([world.seller])
        text = render_digest(digest, url=lambda endpoint, **values: "https://example.org/x").text
        assert "file your return for Housing repairs (BRENT-RET-001, the period from 1 April 2025; it is overdue)" in text
        assert get(Contract, world.contract).supplier.is_member(get(User, world.seller))
