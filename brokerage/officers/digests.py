"""Officers preview the digest or newsletter any person would get now, and see
how recent runs went (failed messages are on the email outbox page)."""

from __future__ import annotations

from flask import make_response, render_template, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from brokerage.decorators import officer_required
from brokerage.officers import bp
from models import DigestDispatch, EmailMessage, User, db, utcnow
from models.people.accounts import find_user_by_email
from models.digests.content import DigestBuilder, build_newsletter
from models.digests.periods import FREQUENCIES, period_for
from models.digests.preferences import NEWSLETTER
from workers.digests import RenderedEmail, render_digest, render_newsletter

PREVIEW_KINDS = (*FREQUENCIES, NEWSLETTER)


def _preview(user: User, kind: str) -> tuple[RenderedEmail, bool]:
    """(the message, whether it would be empty and so not sent)."""
    now = utcnow()
    if kind == NEWSLETTER:
        newsletter = build_newsletter(period_for("quarterly", now), now)
        return render_newsletter(newsletter, user.id, user.name), newsletter.is_empty
    [digest] = DigestBuilder(period_for(kind, now), now).build([user.id])
    return render_digest(digest), digest.is_empty


def _chosen() -> tuple[str, str, User | None, str | None]:
    email = (request.args.get("email") or "").strip()[:254]
    kind = request.args.get("kind") if request.args.get("kind") in PREVIEW_KINDS else "monthly"
    user = find_user_by_email(email) if email else None
    problem = _("There is no account for %(email)s", email=email) if email and user is None else None
    return email, kind, user, problem


def _recent_runs() -> list[dict]:
    rows = db.session.execute(
        select(DigestDispatch.kind, DigestDispatch.period_key, DigestDispatch.status, EmailMessage.status, func.count())
        .outerjoin(EmailMessage, EmailMessage.id == DigestDispatch.email_message_id)
        .group_by(DigestDispatch.kind, DigestDispatch.period_key, DigestDispatch.status, EmailMessage.status)
    ).all()
    runs: dict[tuple[str, str], dict] = {}
    for kind, key, status, email_status, count in rows:
        run = runs.setdefault((key, kind), {"kind": kind, "period": key, "queued": 0, "sent": 0, "failed": 0, "empty": 0})
        if status == "empty":
            run["empty"] += count
        else:
            run[email_status if email_status in ("sent", "failed") else "queued"] += count
    return [runs[key] for key in sorted(runs, reverse=True)[:20]]


@bp.route("/digests")
@officer_required
def digests():
    email, kind, user, problem = _chosen()
    preview, empty = _preview(user, kind) if user is not None else (None, False)
    return render_template(
        "officers/digests.html",
        email=email,
        kind=kind,
        kinds=PREVIEW_KINDS,
        person=user,
        problem=problem,
        preview=preview,
        empty=empty,
        runs=_recent_runs(),
    )


@bp.route("/digests/preview.html")
@officer_required
def digest_preview_html():
    """The HTML version on its own, as a mail program would show it."""
    _email, kind, user, _problem = _chosen()
    if user is None:
        return render_template("errors/error.html", code=404, title=_("Choose a person to preview"), message=None), 404
    preview, _empty = _preview(user, kind)
    response = make_response(preview.html)
    # Email HTML carries its styles inline; nothing else may load or run.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"
    return response
