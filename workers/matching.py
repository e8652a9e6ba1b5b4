"""Matching and allocation jobs. Each takes ids, reloads what it needs, commits,
and is safe to run twice (a rerun rewrites the same matches; an allocation runs
once per delivery).

When they run: a need is published (`match_for_need`), a commitment is added,
approved, settled or changes what it has left (`match_commitments`), a round's
results are published (`match_for_round`), and an officer confirms a delivery that
names no commitment (`allocate_delivery`): each registered by that rule to run after
its commit (models/matching/matches.py says which); and nightly
(`match_all_commitments`, workers/schedule.py)."""

from __future__ import annotations

from models import Need, db
from models.matching.matches import kinds_for_round, run_matching
from models.pledges.rules import allocate_automatically
from workers.registry import job


@job("low", timeout=3600)
def match_all_commitments() -> str:
    report = run_matching()
    db.session.commit()
    return report.summary()


@job("default", timeout=900)
def match_commitments(*commitment_ids: int) -> str:
    report = run_matching(commitment_ids=commitment_ids)
    db.session.commit()
    return report.summary()


@job("default", timeout=900)
def match_for_need(need_id: int) -> str:
    """A newly published need may beat what the commitments of its kind had."""
    need = db.session.get(Need, need_id)
    if need is None:
        return "missing"
    report = run_matching(kinds=[need.kind])
    db.session.commit()
    return report.summary()


@job("default", timeout=900)
def match_for_round(round_id: int) -> str:
    """A round's published results change the priority of the needs on its ballot."""
    kinds = kinds_for_round(round_id)
    if not kinds:
        return "no needs on the ballot"
    report = run_matching(kinds=kinds)
    db.session.commit()
    return report.summary()


@job("default", timeout=300)
def allocate_delivery(pledge_id: int) -> str:
    allocated = allocate_automatically(pledge_id)
    db.session.commit()
    if allocated is None:
        return "nothing to do"
    if allocated:
        # What the commitments have left changed: so do their best matches.
        run_matching(commitment_ids=[commitment_id for commitment_id, _ in allocated])
        db.session.commit()
    return f"allocated to {len(allocated)} commitment(s)"
