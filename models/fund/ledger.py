"""The Social Value Fund: a balance with a ledger. Money comes in as payments in lieu
(settling an unmet commitment of any kind of agreement) and as section 106 money received
for a social purpose (a developer contribution's "received" transaction); officers spend it
by adding to a ward vote's budget or by funding a need directly (`fund_need`: a pledge from
the council, confirmed at once). Every movement is one ledger entry naming its source, and
the balance is one row that every movement locks (SELECT ... FOR UPDATE) before it reads and
changes it, so two officers spending at once can never take the Fund below nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import DomainError, db, utcnow
from models.core.events import record_event
from models.people.permissions import require_officer

if TYPE_CHECKING:
    from models.contracts.models import Commitment
    from models.people.accounts import User
    from models.needs.models import Need
    from models.planning.models import DeveloperTransaction
    from models.pledges.models import Pledge
    from models.voting.models import Round

SOURCES = {
    "payment_in_lieu": "Payment in lieu of an unmet commitment",
    "section_106": "Section 106 money received for a social purpose",
    "ward_vote": "Added to a ward vote's budget",
    "need": "Funded a community need",
}
# Each entry's description, as stored, by its source (the pages show it in the reader's
# language: brokerage/officers/fund_words.py reads it back).
DESCRIPTIONS = {
    "payment_in_lieu": "%(supplier)s, %(kind)s %(reference)s",  # kind: the agreement kind's label, lower case
    "section_106": "%(purpose)s, agreement %(reference)s",
    "ward_vote": "Budget of \u201c%(title)s\u201d",
    "need": "\u201c%(title)s\u201d, %(organisation)s",
}
IN_SOURCES = ("payment_in_lieu", "section_106")
OUT_SOURCES = ("ward_vote", "need")
MAX_SPEND_PENCE = 100_000_000_00  # £100m


class FundBalance(db.Model):
    """One row: the Fund's balance, locked by every movement."""

    __tablename__ = "fund_balance"
    __table_args__ = (CheckConstraint("balance_pence >= 0", name="not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    balance_pence: Mapped[int] = mapped_column(BigInteger, default=0)


class FundEntry(db.Model):
    __tablename__ = "fund_entries"
    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint("direction IN ('in', 'out')", name="direction_known"),
        CheckConstraint("source IN ('payment_in_lieu', 'section_106', 'ward_vote', 'need')", name="source_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(String(24), index=True)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    # What it came from or went to: one of these.
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitments.id", ondelete="SET NULL"), unique=True)
    developer_transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("developer_transactions.id", ondelete="SET NULL"), unique=True
    )
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"), index=True)
    # The council's pledge that funds a need (source 'need').
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id", ondelete="SET NULL"), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # A random token from the officer's form: the same form sent twice (a double click) spends once.
    client_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    round: Mapped["Round | None"] = relationship()
    pledge: Mapped["Pledge | None"] = relationship()

    @property
    def source_label(self) -> str:
        return SOURCES[self.source]


def _locked_balance() -> FundBalance:
    balance = db.session.scalar(select(FundBalance).where(FundBalance.id == 1).with_for_update())
    if balance is None:
        balance = FundBalance(id=1, balance_pence=0)
        db.session.add(balance)
        db.session.flush()
    return balance


def entry_for_token(client_token: str | None) -> FundEntry | None:
    """The entry a form with this token already made: asked with the Fund's row locked, so a
    second submission waits for the first and then finds it."""
    if not client_token:
        return None
    return db.session.scalar(select(FundEntry).where(FundEntry.client_token == client_token))


def _move(direction: str, source: str, amount_pence: int, actor: "User | None", description: str, **links) -> FundEntry:
    balance = _locked_balance()
    if direction == "out" and amount_pence > balance.balance_pence:
        raise DomainError(
            f"The Fund holds \u00a3{balance.balance_pence / 100:,.2f}: you cannot spend more than that", field="amount"
        )
    balance.balance_pence += amount_pence if direction == "in" else -amount_pence
    entry = FundEntry(direction=direction, source=source, amount_pence=amount_pence, description=description,
                      created_by_id=actor.id if actor else None, **links)
    db.session.add(entry)
    db.session.flush()
    record_event(f"fund.{source}", entry, actor=actor, to_state=direction,
                 detail={"amount_pence": amount_pence, "balance_pence": balance.balance_pence})
    return entry


def pay_in_lieu(commitment: "Commitment", amount_pence: int, officer: "User | None") -> FundEntry:
    """A payment in lieu of an unmet commitment (settled by an officer or an escalation)."""
    agreement = commitment.contract
    return _move("in", "payment_in_lieu", amount_pence, officer,
                 DESCRIPTIONS["payment_in_lieu"] % {"supplier": agreement.supplier.name, "kind": agreement.kind_label.lower(),
                                                    "reference": agreement.reference},
                 commitment_id=commitment.id)


def receive_section_106(transaction: "DeveloperTransaction") -> FundEntry | None:
    """Section 106 money received for a social purpose comes into the Fund, once."""
    contribution = transaction.contribution
    if transaction.status != "received" or not contribution.is_social or not transaction.amount_pence:
        return None
    if db.session.scalar(select(FundEntry.id).where(FundEntry.developer_transaction_id == transaction.id)):
        return None
    return _move("in", "section_106", transaction.amount_pence, None,
                 DESCRIPTIONS["section_106"] % {"purpose": contribution.purpose_label,
                                                "reference": contribution.developer_agreement.reference},
                 developer_transaction_id=transaction.id)


def spend_on_round(round_: "Round", amount_pence: int, officer: "User", client_token: str | None = None) -> FundEntry:
    """Add Fund money to a ward vote's budget (a draft or open vote: not one already counted);
    the same form sent twice adds it once."""
    require_officer(officer)
    _check_amount(amount_pence)
    _locked_balance()
    if (done := entry_for_token(client_token)) is not None:
        return done
    if round_.state not in ("draft", "open"):
        raise DomainError("Money can only be added to a ward vote that has not closed", field="round_id")
    entry = _move("out", "ward_vote", amount_pence, officer, DESCRIPTIONS["ward_vote"] % {"title": round_.title},
                  round_id=round_.id, client_token=client_token or None)
    round_.budget_pence += amount_pence
    return entry


def _check_amount(amount_pence: int | None) -> None:
    if amount_pence is None or amount_pence <= 0:
        raise DomainError("Enter an amount more than \u00a30", field="amount")
    if amount_pence > MAX_SPEND_PENCE:
        raise DomainError("The amount is too large", field="amount")


def need_funding_problem(need: "Need", today: date) -> str | None:
    """Why the Fund cannot fund this need now, in words; None when it can."""
    from models.pledges.rules import need_pledge_problem

    if problem := need_pledge_problem(need, today):
        return problem.replace("taking pledges", "open to funding")
    if need.value_pence <= 0:
        return "This need has no value in pounds, so the Fund cannot pay for it"
    return None


def still_lacks_pence(need: "Need") -> int:
    """What the need still lacks, in pounds: the value of what nobody has pledged yet."""
    return need.value_pence * need.remaining_quantity // need.quantity if need.quantity else 0


def funded_from_fund_pence(need_id: int) -> int:
    """What the Fund has paid towards a need (the need's page says so)."""
    from models.pledges.models import FUND_SOURCE, Pledge

    return int(db.session.scalar(
        select(func.coalesce(func.sum(Pledge.confirmed_value_pence), 0))
        .where(Pledge.need_id == need_id, Pledge.source == FUND_SOURCE)
    ))


def needs_lacking_most(today: date, limit: int = 10) -> list["Need"]:
    """Open needs (published, before their deadline) that lack the most in pounds: where the
    Fund could go (walks ix_needs_status_remaining)."""
    from sqlalchemy.orm import selectinload

    from models.needs.models import Need

    return list(db.session.scalars(
        select(Need)
        .options(selectinload(Need.organisation))
        .where(Need.status == "published", Need.deadline >= today, Need.remaining_value_pence > 0)
        .order_by(Need.remaining_value_pence.desc(), Need.id)
        .limit(limit)
    ))


def fund_need(
    need: "Need", amount_pence: int, officer: "User", today: date | None = None, client_token: str | None = None,
) -> "Pledge":
    """The council funds a published need from the Fund: a pledge from the council (its own
    organisation, the one that holds its employment commitments), confirmed at once because
    the Fund's payment is the delivery, for the whole units of the need the amount pays for
    (all that is left when it pays all the need lacks; at least one, so a few pounds never
    mark a laptop delivered); and a Fund out-entry linked to it. The Fund's row is locked
    first, then the need's counters move by a conditional UPDATE (as a supplier's pledge
    does), so neither the balance nor the need can be overspent, whoever spends at once; the
    same form sent twice (its client token) funds once."""
    from models.contracts.rules import council_employer
    from models.core.money import format_pence
    from models.pledges.models import FUND_SOURCE, Pledge, PledgeStatus
    from models.pledges.rules import _change_need, _refresh_need_status
    from models.reporting.delivery_totals import count_pledge
    from models.reporting.opendata import quantity_text

    require_officer(officer)
    today = today or date.today()
    _check_amount(amount_pence)
    _locked_balance()  # the Fund first, then the need: every spender takes locks in this order
    if (done := entry_for_token(client_token)) is not None and done.pledge is not None:
        return done.pledge  # the same form sent twice: funded once
    db.session.refresh(need)
    if problem := need_funding_problem(need, today):
        raise DomainError(problem, field="amount")
    lacks = still_lacks_pence(need)
    if amount_pence > lacks:
        raise DomainError(f"This need still lacks \u00a3{lacks / 100:,.2f}: fund that or less", field="amount")
    if amount_pence == lacks:
        quantity = need.remaining_quantity  # the rest of the need, however its value divides
    else:
        quantity = amount_pence * need.quantity // need.value_pence  # the whole units it pays for
        if quantity < 1:
            raise DomainError(
                f"{format_pence(amount_pence)} does not pay for one whole {quantity_text(1, need.unit).removeprefix('1 ')} "
                f"(each is worth {format_pence(-(-need.value_pence // need.quantity))}): fund more, or all it lacks",
                field="amount",
            )
    if not _change_need(need.id, pledged=quantity, accepted=quantity, delivered=quantity, require_open=True):
        raise DomainError("Someone pledged to this need meanwhile: look again at what it still lacks", field="amount")
    now = utcnow()
    pledge = Pledge(
        need_id=need.id, supplier_id=council_employer().id, source=FUND_SOURCE, created_by_id=officer.id,
        quantity=quantity, message="", status=PledgeStatus.CONFIRMED.value, confirmed_at=now,
        confirmed_by_id=officer.id, confirmed_value_pence=amount_pence, created_at=now,
    )
    db.session.add(pledge)
    db.session.flush()
    count_pledge(pledge, 1)
    _move("out", "need", amount_pence, officer, DESCRIPTIONS["need"] % {"title": need.title, "organisation": need.organisation.name},
          pledge_id=pledge.id,
          client_token=client_token or None)
    detail = {"quantity": quantity, "value_pence": amount_pence, "pledge_id": pledge.id}
    record_event("pledge.funded", pledge, actor=officer, to_state=PledgeStatus.CONFIRMED.value, detail=detail)
    record_event("need.funded", need, actor=officer, detail=detail)
    db.session.refresh(need)
    _refresh_need_status(need)
    return pledge


@dataclass(frozen=True)
class FundSummary:
    balance_pence: int
    in_pence: int
    out_pence: int
    by_source: dict[str, int]


def fund_summary() -> FundSummary:
    rows = db.session.execute(
        select(FundEntry.direction, FundEntry.source, func.sum(FundEntry.amount_pence)).group_by(
            FundEntry.direction, FundEntry.source)
    ).all()
    by_source = {source: int(total) for _, source, total in rows}
    money_in = sum(int(total) for direction, _, total in rows if direction == "in")
    money_out = sum(int(total) for direction, _, total in rows if direction == "out")
    balance = db.session.scalar(select(FundBalance.balance_pence).where(FundBalance.id == 1)) or 0
    return FundSummary(int(balance), money_in, money_out, by_source)


@dataclass(frozen=True)
class FundYear:
    """The Fund in one financial year (April to March, named by the year it starts)."""

    start: int
    in_pence: int
    out_pence: int
    by_source: dict[str, int]
    balance_pence: int  # at the year's end (31 March)

    @property
    def label(self) -> str:
        from models.reporting.ledger import financial_year_label

        return financial_year_label(self.start)


def fund_years() -> list[FundYear]:
    """The Fund year by year, oldest first: what came in and went out by source (one SQL
    aggregate over the entries) and the balance at each year's end (the running total)."""
    from models.reporting.delivery_totals import financial_year_sql

    entries = select(
        financial_year_sql(FundEntry.created_at).label("year"), FundEntry.direction, FundEntry.source,
        FundEntry.amount_pence,
    ).subquery()
    rows = db.session.execute(
        select(entries.c.year, entries.c.direction, entries.c.source, func.sum(entries.c.amount_pence))
        .group_by(entries.c.year, entries.c.direction, entries.c.source)
        .order_by(entries.c.year)
    ).all()
    years: dict[int, dict[str, int]] = {}
    for year, _, source, total in rows:
        years.setdefault(int(year), {})[source] = int(total)
    found, balance = [], 0
    for start, by_source in sorted(years.items()):
        money_in = sum(by_source.get(source, 0) for source in IN_SOURCES)
        money_out = sum(by_source.get(source, 0) for source in OUT_SOURCES)
        balance += money_in - money_out
        found.append(FundYear(start, money_in, money_out, by_source, balance))
    return found


def fund_year(start: int) -> FundYear:
    """One financial year's figures (nothing moved: zeros, and the balance carried into it)."""
    before = FundYear(start, 0, 0, {}, 0)
    for year in fund_years():
        if year.start == start:
            return year
        if year.start < start:
            before = FundYear(start, 0, 0, {}, year.balance_pence)
    return before
