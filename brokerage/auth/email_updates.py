"""Email updates: a person's digest preferences (signed in), and unsubscribing
from a link in the email (no sign-in: the signed token says who)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from brokerage.auth import bp
from brokerage.forms.digests import EmailUpdatesForm, UnsubscribeForm
from brokerage.extensions import csrf, limiter
from brokerage.views import apply_rule
from models import User, db
from models.digests.preferences import (
    LISTS,
    belongs_to_verified_organisation,
    preferences_for,
    save_preferences,
    set_vote_reminders,
    unsubscribe,
    wants_vote_reminders,
)
from workers.digests import read_unsubscribe_token


@bp.route("/account/email-updates", methods=["GET", "POST"])
@login_required
def email_updates():
    preferences = preferences_for(current_user)
    is_supplier = belongs_to_verified_organisation(current_user, "supplier")
    form = EmailUpdatesForm()
    if request.method == "GET":
        form.frequency.data = preferences.frequency
        form.ward_ids.data = list(preferences.ward_ids)
        form.theme_ids.data = list(preferences.theme_ids)
        form.newsletter.data = preferences.newsletter
        form.vote_reminders.data = wants_vote_reminders(current_user)
    if form.validate_on_submit():

        def save():
            newsletter = form.newsletter.data if is_supplier else preferences.newsletter
            save_preferences(current_user, form.frequency.data, form.ward_ids.data, form.theme_ids.data, newsletter)
            set_vote_reminders(current_user, bool(form.vote_reminders.data))

        if apply_rule(save, form):
            flash(_("Your email updates have been saved."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/email_updates.html", form=form, preferences=preferences, is_supplier=is_supplier)


def _subscriber(token: str) -> tuple[User | None, str] | None:
    """Who a link is for and what it stops; None for a link we did not sign."""
    found = read_unsubscribe_token(token)
    if found is None or found[1] not in LISTS:
        return None
    user_id, list_name = found
    return db.session.get(User, user_id), list_name


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"], endpoint="unsubscribe")
@limiter.limit("30 per minute", methods=["POST"])
def unsubscribe_page(token: str):
    """The link in the email: a page to confirm, then a POST (with CSRF) to unsubscribe."""
    found = _subscriber(token)
    if found is None:
        return render_template("auth/unsubscribe.html", problem=True), 400
    user, list_name = found
    form = UnsubscribeForm()
    if user is not None and form.validate_on_submit():
        unsubscribe(user, list_name)
        db.session.commit()
        return render_template("auth/unsubscribe.html", done=True, list_name=list_name, user=user)
    return render_template("auth/unsubscribe.html", form=form, list_name=list_name, user=user)


@bp.route("/unsubscribe/<token>/one-click", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail provider POSTs with no session; the signed token is the proof
def unsubscribe_one_click(token: str):
    if request.method == "GET":
        # Mail programs without one-click open the link: show the confirm page.
        return redirect(url_for("auth.unsubscribe", token=token))
    found = _subscriber(token)
    if found is None or request.form.get("List-Unsubscribe") != "One-Click":
        abort(400)
    user, list_name = found
    if user is not None:
        unsubscribe(user, list_name)
        db.session.commit()
    # No rate limit here: providers post many people's one-clicks from the same few addresses.
    return _("You have been unsubscribed.") + "\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
