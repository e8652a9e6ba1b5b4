"""Ward priority rounds: participatory budgeting on costed priorities.

A round moves draft → open → closed → published. Officers move it, and the
clock closes an open round at its closing time. Residents of the round's ward
cast one ballot each (a unique constraint, not only a check), changeable until
the round closes; officers add paper ballots in batches. Results come from the
pure rules in `models.voting.pb_rules` and are stored on the options when counted.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db, utcnow
from models.core.translations import TranslationColumns

if TYPE_CHECKING:
    from models.people.accounts import User
    from models.needs.models import Need
    from models.places.wards import Ward


class RoundState(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


class RoundMethod(str, enum.Enum):
    APPROVAL = "approval"  # choose up to max_choices options
    KNAPSACK = "knapsack"  # choose options whose costs fit the budget


# The official rule decides the winners; the results page compares it with the other one.
OFFICIAL_RULES = {
    "greedy": "Most votes first (greedy)",
    "equal-shares-add1": "Method of Equal Shares (with add-one completion)",
}
RULE_LABELS = {**OFFICIAL_RULES, "equal-shares": "Method of Equal Shares (without completion)"}
METHOD_LABELS = {
    "approval": "Approval: choose up to a number of options",
    "knapsack": "Knapsack: choose options that fit within the budget",
}
STATE_LABELS = {"draft": "Draft", "open": "Open", "closed": "Closed", "published": "Results published"}
STATE_TAGS = {
    "draft": "govuk-tag--grey",
    "open": "govuk-tag--green",
    "closed": "govuk-tag--yellow",
    "published": "govuk-tag--blue",
}
# "code": cast at /vote with a letter code; "in_person": recorded at a polling station
# (models/voting/letters.py and identity.py).
BALLOT_KINDS = ("digital", "paper", "imported", "code", "in_person")

MAX_BUDGET_PENCE = 10_000_000_000_00  # £10bn: larger than any council's budget
MAX_OPTIONS = 500
MAX_PAPER_BATCH = 5_000  # ballots in one batch
# Money is whole pence; add-one completion raises every voter's share by £1.
ADD_ONE_INCREMENT_PENCE = 100


class Round(db.Model):
    __tablename__ = "rounds"
    __table_args__ = (
        CheckConstraint("budget_pence > 0", name="budget_positive"),
        CheckConstraint("closes_at > opens_at", name="window_ordered"),
        CheckConstraint("state IN ('draft', 'open', 'closed', 'published')", name="state_known"),
        CheckConstraint("method IN ('approval', 'knapsack')", name="method_known"),
        Index("ix_rounds_state_closes_at", "state", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    # No ward: a borough-wide round, open to anyone with a postcode in the borough.
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id", ondelete="RESTRICT"), index=True)
    budget_pence: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    method: Mapped[str] = mapped_column(String(16), default=RoundMethod.APPROVAL.value)
    max_choices: Mapped[int | None]  # approval
    min_spend_percent: Mapped[int | None]  # knapsack: a ballot must spend at least this share
    rule: Mapped[str] = mapped_column(String(32), default="equal-shares-add1")
    state: Mapped[str] = mapped_column(String(16), default=RoundState.DRAFT.value)
    # Where the round came from: made here, or imported from a Pabulib file (with its META).
    source: Mapped[str] = mapped_column(String(16), default="platform")
    source_meta: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    counted_at: Mapped[datetime | None]  # when results were last computed
    published_at: Mapped[datetime | None]

    ward: Mapped["Ward | None"] = relationship()
    options: Mapped[list["RoundOption"]] = relationship(
        back_populates="round", order_by="RoundOption.position", cascade="all, delete-orphan"
    )

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def state_tag(self) -> str:
        return STATE_TAGS[self.state]

    @property
    def area_name(self) -> str:
        if self.ward is not None:
            return self.ward.name
        if self.source == "pabulib":
            meta = self.source_meta or {}
            return ", ".join(part for part in (meta.get("district"), meta.get("unit"), meta.get("country")) if part) or "an imported election"
        return "the whole borough"

    @property
    def rule_label(self) -> str:
        return RULE_LABELS[self.rule]

    @property
    def other_rule(self) -> str:
        return "greedy" if self.rule != "greedy" else "equal-shares-add1"

    @property
    def is_knapsack(self) -> bool:
        return self.method == RoundMethod.KNAPSACK.value

    @property
    def min_spend_pence(self) -> int:
        return self.budget_pence * (self.min_spend_percent or 0) // 100

    def accepting_votes(self, now: datetime) -> bool:
        return self.state == RoundState.OPEN.value and self.opens_at <= now < self.closes_at

    def phase(self, now: datetime) -> str:
        """What a resident sees: scheduled, voting, counting, or results."""
        if self.state == RoundState.OPEN.value:
            if now < self.opens_at:
                return "scheduled"
            return "voting" if now < self.closes_at else "counting"
        return {"draft": "draft", "closed": "counting", "published": "results"}[self.state]


class RoundOption(db.Model):
    __tablename__ = "round_options"
    __table_args__ = (
        UniqueConstraint("round_id", "position", name="uq_round_options_position"),
        UniqueConstraint("round_id", "need_id", name="uq_round_options_need"),
        CheckConstraint("cost_pence > 0", name="cost_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    position: Mapped[int]  # the number printed on the ballot paper
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(16), default="", server_default="")  # empty: the default
    group_name: Mapped[str] = mapped_column(String(200), default="")
    cost_pence: Mapped[int] = mapped_column(BigInteger)
    external_id: Mapped[str | None] = mapped_column(String(64))  # project_id in an imported file
    # An imported project's other columns as the file published them (name, category, selected,
    # description...), written back unchanged when the round is exported.
    source_fields: Mapped[dict | None] = mapped_column(JSON)
    # Results, written when the round is counted.
    votes: Mapped[int] = mapped_column(default=0)
    digital_votes: Mapped[int] = mapped_column(default=0)
    paper_votes: Mapped[int] = mapped_column(default=0)
    vote_rank: Mapped[int | None]  # 1 = most votes
    selected_greedy: Mapped[bool] = mapped_column(default=False)
    selected_equal_shares: Mapped[bool] = mapped_column(default=False)
    selected_add1: Mapped[bool] = mapped_column(default=False)

    round: Mapped[Round] = relationship(back_populates="options")
    need: Mapped["Need | None"] = relationship()
    translations: Mapped[list["RoundOptionTranslation"]] = relationship(
        back_populates="option", cascade="all, delete-orphan", lazy="selectin",
        order_by="RoundOptionTranslation.locale",
    )

    @property
    def translation_class(self) -> type["RoundOptionTranslation"]:
        return RoundOptionTranslation

    def selected_under(self, rule: str) -> bool:
        return {
            "greedy": self.selected_greedy,
            "equal-shares": self.selected_equal_shares,
            "equal-shares-add1": self.selected_add1,
        }[rule]

    @property
    def won(self) -> bool:
        return self.selected_under(self.round.rule)

    @property
    def key(self) -> str:
        return self.external_id or str(self.position)


class RoundOptionTranslation(TranslationColumns, db.Model):
    """An option's title and description in another of the council's languages."""

    __tablename__ = "round_option_translations"
    __table_args__ = (UniqueConstraint("option_id", "locale", name="uq_round_option_translations_locale"),)

    option_id: Mapped[int] = mapped_column(ForeignKey("round_options.id", ondelete="CASCADE"))
    option: Mapped[RoundOption] = relationship(back_populates="translations")


class PaperBatch(db.Model):
    __tablename__ = "paper_batches"
    __table_args__ = (UniqueConstraint("round_id", "reference", name="uq_paper_batches_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(60))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ballot_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entered_by: Mapped["User | None"] = relationship()


class Ballot(db.Model):
    __tablename__ = "ballots"
    __table_args__ = (
        # One ballot per resident per round. Paper and imported ballots have no voter
        # (NULLs are distinct in both SQLite and PostgreSQL).
        UniqueConstraint("round_id", "voter_id", name="uq_ballots_one_per_voter"),
        CheckConstraint("kind IN ('digital', 'paper', 'imported', 'code', 'in_person')", name="kind_known"),
        CheckConstraint("(kind = 'digital') = (voter_id IS NOT NULL)", name="digital_has_voter"),
        # One ballot per letter code per round, and one counted ballot per person across
        # channels (the keyed identity hash; NULLs are distinct, so ballots without one pass).
        UniqueConstraint("round_id", "letter_code_id", name="uq_ballots_one_per_code"),
        UniqueConstraint("round_id", "identity_hash", name="uq_ballots_one_per_identity"),
        CheckConstraint("(kind = 'code') = (letter_code_id IS NOT NULL)", name="code_has_letter"),
        Index("ix_ballots_round_kind", "round_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    voter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10), default="digital")
    paper_batch_id: Mapped[int | None] = mapped_column(ForeignKey("paper_batches.id", ondelete="CASCADE"), index=True)
    letter_code_id: Mapped[int | None] = mapped_column(ForeignKey("letter_codes.id", ondelete="CASCADE"))
    # HMAC of the voter's normalised name, date of birth and postcode (models/voting/identity.py).
    identity_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    choices: Mapped[list["BallotChoice"]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class BallotChoice(db.Model):
    __tablename__ = "ballot_choices"
    __table_args__ = (Index("ix_ballot_choices_option", "option_id"),)

    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("round_options.id", ondelete="CASCADE"), primary_key=True)
    # Imported cumulative ballots keep their points, ordinal ones their rank (1 = first).
    points: Mapped[int | None]
    rank: Mapped[int | None]


