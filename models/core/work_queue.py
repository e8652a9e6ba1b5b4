"""The officers' work queue: what is waiting for an officer, one definition per queue.

Each queue is defined once, as the query of the rows waiting in the order an officer
takes them; its count on the dashboard and its list on its own page both come from that
query, so a queue cannot be counted one way and listed another (or be forgotten on the
dashboard: `work_waiting` counts every queue defined here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import Select, func, select

from models import db


def _organisations() -> Select:
    """New organisations, and verified ones whose owners changed their name, legal form or number."""
    from models.people.organisations import organisations_to_verify

    return organisations_to_verify()


def _needs() -> Select:
    from models.needs.models import Need, NeedStatus

    return select(Need).where(Need.status == NeedStatus.SUBMITTED.value).order_by(Need.submitted_at, Need.id)


def _deliveries() -> Select:
    """Delivered, and the group says it received it: the officer's turn."""
    from models.pledges.models import Pledge

    return (
        select(Pledge)
        .where(Pledge.status == "delivered", Pledge.group_confirmed_at.is_not(None))
        .order_by(Pledge.group_confirmed_at, Pledge.id)
    )


def _commitments() -> Select:
    """Proposed by a supplier, waiting for approval."""
    from models.contracts.models import Commitment

    return select(Commitment).where(Commitment.state == "proposed").order_by(Commitment.id)


def _failed_emails() -> Select:
    from models.core.mail import EmailMessage

    return select(EmailMessage).where(EmailMessage.status == "failed").order_by(EmailMessage.id.desc())


def _stories() -> Select:
    from models.stories.stories import Story

    return select(Story).where(Story.status == "submitted").order_by(Story.submitted_at, Story.id)


def _rounds_to_publish() -> Select:
    """Closed: the results wait to be published."""
    from models.voting.models import Round

    return select(Round).where(Round.state == "closed").order_by(Round.closes_at, Round.id)


def _idea_reports() -> Select:
    """Ideas and comments someone reported, oldest first."""
    from models.ideas.ideas import open_reports

    return open_reports()


def _idea_comments() -> Select:
    """Comments on ideas held until an officer publishes them (rounds that moderate first)."""
    from models.ideas.ideas import pending_comments

    return pending_comments()


def _returns() -> Select:
    """Supplier returns submitted (or answered), waiting for an officer's decision."""
    from models.returns.models import SupplierReturn

    return select(SupplierReturn).where(SupplierReturn.state == "submitted").order_by(
        SupplierReturn.submitted_at, SupplierReturn.id
    )


def _overdue_returns() -> Select:
    """Supplier returns past their due date and not submitted (a draft, or a question unanswered)."""
    from datetime import date

    from models.returns.models import SupplierReturn

    return select(SupplierReturn).where(
        SupplierReturn.state.in_(("draft", "queried")), SupplierReturn.due_date < date.today()
    ).order_by(SupplierReturn.due_date, SupplierReturn.id)


QUEUES: dict[str, Callable[[], Select]] = {
    "organisations": _organisations,
    "needs": _needs,
    "deliveries": _deliveries,
    "commitments": _commitments,
    "failed_emails": _failed_emails,
    "stories": _stories,
    "rounds_to_publish": _rounds_to_publish,
    "idea_reports": _idea_reports,
    "idea_comments": _idea_comments,
    "returns": _returns,
    "overdue_returns": _overdue_returns,
}


@dataclass(frozen=True)
class WorkQueue:
    name: str
    count: int
    query: Select  # the rows waiting, in order: a page adds its loader options and paginates it


def waiting(name: str) -> Select:
    """One queue's rows, in the order an officer takes them."""
    return QUEUES[name]()


def _count(query: Select):
    return select(func.count()).select_from(query.order_by(None).subquery()).scalar_subquery()


def work_queue(*names: str) -> dict[str, WorkQueue]:
    """These queues (every queue when none is named): each one's count, all counted in one
    query, and the query that lists its rows."""
    names = names or tuple(QUEUES)
    queries = {name: waiting(name) for name in names}
    counts = db.session.execute(select(*(_count(query).label(name) for name, query in queries.items()))).one()
    return {name: WorkQueue(name, getattr(counts, name), query) for name, query in queries.items()}


def work_waiting() -> dict[str, int]:
    """How many rows wait in each queue (the dashboard's numbers)."""
    return {name: queue.count for name, queue in work_queue().items()}
