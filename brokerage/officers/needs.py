"""Officers moderate needs: the queue (oldest first) and publish / request changes / reject."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from brokerage.views import apply_rule
from brokerage.decorators import officer_required
from brokerage.forms.needs import ModerationForm
from brokerage.notify import send_need_decision
from brokerage.officers import bp
from brokerage.pagination import paginate
from models import Need, db
from models.core.events import events_for
from models.core.work_queue import waiting
from models.needs.rules import publish_need, reject_need, request_changes


@bp.route("/needs")
@officer_required
def needs_queue():
    query = waiting("needs").options(selectinload(Need.organisation), selectinload(Need.ward))
    return render_template("officers/needs_queue.html", page=paginate(query))


@bp.route("/needs/<int:need_id>", methods=["GET", "POST"])
@officer_required
def review_need(need_id: int):
    need = db.session.get(Need, need_id)
    if need is None:
        abort(404)
    form = ModerationForm()
    if form.validate_on_submit():
        def decide():
            if form.publish.data:
                publish_need(need, current_user, date.today())
            elif form.request_changes.data:
                request_changes(need, current_user, form.comment.data or "")
            elif form.reject.data:
                reject_need(need, current_user, form.comment.data or "")
            else:
                abort(400)
            send_need_decision(need)

        if apply_rule(decide, form):
            flash(_("“%(title)s”: %(status)s. We have emailed the group.", title=need.title, status=_(need.status_label).lower()), "success")
            return redirect(url_for("officers.needs_queue"))
    return render_template("officers/review_need.html", need=need, form=form, events=events_for(need))
