"""Migrations never lose rows: on SQLite, batch mode rebuilds a table by copying it, dropping
the old one and renaming, and with foreign keys on the drop runs the children's ON DELETE
CASCADE. The agreements migration (a91d5e3c7f48) rebuilds `contracts`, so before
migrations/env.py turned foreign keys off for the run, upgrading a database with contracts
deleted every commitment, and with them their returns' lines and allocations."""

from __future__ import annotations

from datetime import date

from alembic import command
from sqlalchemy import func, select

from models import Commitment, Contract, User, db
from models.returns.models import ReturnLine
from models.returns.rules import LineDetails, accept_return, save_line, start_return, submit_return
from tests import factories
from tests.factories import get


def counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (Contract, Commitment, ReturnLine))


def test_downgrading_past_the_agreements_and_upgrading_again_keeps_every_commitment(app, places):
    made = factories.returns_borough(app)
    with app.app_context():
        seller, officer = get(User, made.seller), get(User, made.officer)
        filed = start_return(get(Contract, made.contract), seller, date(2025, 4, 1), date(2025, 11, 1))
        save_line(filed, get(Commitment, made.apprenticeships), seller, LineDetails(26, "Apprentices"))
        submit_return(filed, seller)
        accept_return(filed.id, officer)
        db.session.commit()
        before = counts()
        assert before[1] > 0 and before[2] == 1
        db.session.remove()
        config = app.extensions["migrate"].migrate.get_config()
        command.downgrade(config, "5d2f8a61c3e9")  # the revision before the agreements rebuilt `contracts`
        command.upgrade(config, "head")
        assert counts() == before
        assert get(Commitment, made.apprenticeships).returned_quantity == 26
