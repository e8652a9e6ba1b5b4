"""The brokerage board: commitments at risk (or overdue) with their best matches,
where an officer introduces a supplier to a group; and the confirmed deliveries
that count towards no commitment."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from brokerage.decorators import officer_required
from brokerage.officers import bp
from brokerage.pagination import paginate
from brokerage.suppliers.recommendations import posted_match
from brokerage.views import apply_rule
from models import Need, Pledge, db
from models.matching.matches import best_matches, commitments_at_risk, introduce
from workers.notify import send_introduction


def unallocated_deliveries(limit: int = 20) -> list[Pledge]:
    """Confirmed deliveries the allocation job could not count towards any commitment."""
    return list(
        db.session.scalars(
            select(Pledge)
            .where(Pledge.status == "confirmed", Pledge.auto_allocated_at.is_not(None), ~Pledge.allocations.any())
            .options(joinedload(Pledge.need).joinedload(Need.organisation), joinedload(Pledge.supplier))
            .order_by(Pledge.confirmed_at.desc(), Pledge.id.desc())
            .limit(limit)
        )
    )


@bp.route("/brokerage")
@officer_required
def board():
    today = date.today()
    page = paginate(commitments_at_risk(today), per_page=20)
    return render_template(
        "officers/board.html",
        page=page,
        matches=best_matches([commitment.id for commitment in page.items], today),
        unallocated=unallocated_deliveries(),
        today=today,
    )


@bp.route("/matches/<int:match_id>/introduce", methods=["POST"])
@officer_required
def introduce_match(match_id: int):
    match = posted_match(match_id)

    def rule():
        introduce(match, current_user)
        send_introduction(match, current_user)

    if apply_rule(rule):
        flash(
            _("Introduced %(supplier)s to %(group)s about “%(need)s”: we have emailed both.",
              supplier=match.commitment.contract.supplier.name, group=match.need.organisation.name, need=match.need.title),
            "success",
        )
    return redirect(url_for("officers.board", _anchor=f"commitment-{match.commitment_id}"))
