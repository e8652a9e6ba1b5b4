"""SQLAlchemy models and the domain rules that change them.

Nothing here imports brokerage/ or workers/. Views, workers, the CLI and the
tests all call the same rules.
"""

from __future__ import annotations

from datetime import datetime, timezone

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class DomainError(Exception):
    """A rule said no. The message is for the person who asked."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionDenied(DomainError):
    pass


class DomainErrors(DomainError):
    """Several problems found at once (every bad line of a batch), each its own message."""

    def __init__(self, messages: list[str], field: str | None = None):
        super().__init__(" ".join(messages), field)
        self.messages = list(messages)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # Foreign keys are off by default in SQLite; WAL lets the web and the
    # worker processes read while the other writes.
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        # The planner needs statistics to use the list indexes (SQLite's advice for
        # long-lived connections); the limit keeps this cheap on a large database.
        cursor.execute("PRAGMA analysis_limit=1000")
        cursor.execute("PRAGMA optimize=0x10002")
        cursor.close()


from models.people.accounts import Role, User  # noqa: E402
from models.core.events import Event, record_event  # noqa: E402
from models.core.mail import EmailMessage  # noqa: E402
from models.contracts.models import Commitment, Contract  # noqa: E402
from models.stories.case_studies import CaseStudy  # noqa: E402
from models.needs.models import Need, NeedStatus  # noqa: E402
from models.people.organisations import (  # noqa: E402
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
)
from models.places.wards import Postcode, Ward  # noqa: E402
from models.pledges.models import Allocation, Pledge, PledgeStatus  # noqa: E402
from models.matching.matches import Match  # noqa: E402
from models.voting.models import Ballot, BallotChoice, PaperBatch, Round, RoundOption  # noqa: E402
from models.ideas.ideas import Idea, IdeaComment, IdeaReport, IdeaSupport, IdeasPhase, RoundDispatch  # noqa: E402
import models.voting.letters  # noqa: E402,F401  (letter codes, channels, representation: their tables)
import models.voting.identity  # noqa: E402,F401
import models.voting.representation  # noqa: E402,F401
from models.core.settings import Setting  # noqa: E402
from models.digests.preferences import DigestDispatch, DigestPreference  # noqa: E402
from models.core.outbox import PendingJob  # noqa: E402
from models.stories.stories import Story  # noqa: E402
from models.core.tasks import Task  # noqa: E402
from models.core.uploads import PendingUpload  # noqa: E402
from models.places.themes import Measure, NeedKind, Theme  # noqa: E402
from models.tenders.models import Offer, OfferLine, PackCuration, Reservation, Tender  # noqa: E402
from models.returns.models import ReturnEvidence, ReturnLine, SupplierReturn  # noqa: E402
from models.returns.splits import ReturnLineSplit  # noqa: E402,F401
from models.planning.models import DeveloperAgreement, DeveloperContribution, DeveloperTransaction  # noqa: E402
from models.planning.links import ContributionLink  # noqa: E402,F401
from models.fund.ledger import FundBalance, FundEntry  # noqa: E402
from models.places.indicators import WardIndicator  # noqa: E402,F401

__all__ = [
    "PendingUpload",
    "CaseStudy",
    "Ballot",
    "BallotChoice",
    "PaperBatch",
    "Round",
    "RoundOption",
    "Allocation",
    "Commitment",
    "Contract",
    "Pledge",
    "PledgeStatus",
    "Base",
    "DigestDispatch",
    "DigestPreference",
    "DomainError",
    "EmailMessage",
    "Event",
    "Invitation",
    "Match",
    "Measure",
    "Membership",
    "Need",
    "NeedStatus",
    "NeedKind",
    "Organisation",
    "OrganisationKind",
    "OrganisationStatus",
    "PendingJob",
    "PermissionDenied",
    "Postcode",
    "Role",
    "Setting",
    "Story",
    "SupplierReturn",
    "ReturnLine",
    "ReturnEvidence",
    "Task",
    "Theme",
    "User",
    "Ward",
    "db",
    "record_event",
    "utcnow",
]
from models.reporting.delivery_totals import DeliveryTotal  # noqa: E402
