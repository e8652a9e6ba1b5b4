"""Rendering email from templates/emails/ into the outbox table. Used by views
(through brokerage/notify.py) and by jobs, which run inside the app context."""

from __future__ import annotations

from typing import Callable

from flask import current_app, render_template
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from models.core.mail import EmailMessage, queue_email
from models.core.settings import get_setting


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email, built from BASE_URL (works outside requests)."""
    adapter = current_app.url_map.bind("localhost", url_scheme="http")
    return current_app.config["SERVER_NAME_FOR_EMAIL"] + adapter.build(endpoint, values)


def council_name() -> str:
    return get_setting("council_name") or current_app.config["COUNCIL_NAME"]


def recipient_language(to_address: str, user=None) -> str | None:
    """The language the recipient chose (users.locale), if they have an account."""
    from sqlalchemy import func, select

    from models import User, db

    if user is None or (user.email or "").lower() != to_address.lower():
        user = db.session.scalar(select(User).where(func.lower(User.email) == to_address.lower()))
    return user.locale if user is not None else None


def render_email(template: str, subject: str, **context) -> tuple[str, str]:
    """The plain text and HTML bodies of templates/emails/<template>.{txt,html}."""
    context.setdefault("council_name", council_name())
    context.setdefault("service_name", current_app.config["SERVICE_NAME"])
    text_body = render_template(f"emails/{template}.txt", subject=subject, **context)
    html_body = render_template(f"emails/{template}.html", subject=subject, **context)
    return text_body, html_body


def in_recipient_language(language: str | None):
    """Render in this language if the council offers it, else the default (English when unknown)."""
    from flask_babel import force_locale

    offered = current_app.config["LANGUAGES"]
    return force_locale(language if language in offered else offered[0])


def local_title(item) -> str:
    """A need's, an option's or an idea's title in the language being rendered, where it has one."""
    from models.core.translations import text_in

    return text_in(item, str(get_locale()), current_app.config["LANGUAGES"][0]).title


def month_year(value) -> str:
    """"November 2026", "Tachwedd 2026": for subjects, in the language being rendered."""
    return format_date(value, "LLLL y")


def send_templated(
    to_address: str, template: str, subject: "str | Callable[[], str]", kind: str, language: str | None = None,
    **context,
) -> EmailMessage:
    """Rendered in the recipient's language: `language` when given (an invitation to someone
    without an account), else their account's (users.locale), else the default. The subject
    is a lazy string or a function called under that language (for titles with translations)."""
    if language is None:
        language = recipient_language(to_address, context.get("user"))
    with in_recipient_language(language):
        subject = subject() if callable(subject) else str(subject)
        text_body, html_body = render_email(template, subject, **context)
    return queue_email(to_address, subject, text_body, html_body, kind=kind)


def send_need_decision(need) -> None:
    """Tell the group's members what happened to their need (moderation or expiry)."""
    subjects = {
        "published": lambda: _("Published: %(title)s", title=local_title(need)),
        "changes_requested": lambda: _("Changes requested: %(title)s", title=local_title(need)),
        "rejected": lambda: _("Not published: %(title)s", title=local_title(need)),
        "expired": lambda: _("Expired: %(title)s", title=local_title(need)),
    }
    for membership in need.organisation.members():
        send_templated(
            membership.user.email,
            "need_decision",
            subjects[need.status],
            kind=f"need_{need.status}",
            user=membership.user,
            need=need,
            link=external_url("public.need", need_id=need.id)
            if need.status in ("published", "expired")
            else external_url("groups.edit_need", need_id=need.id),
        )


def _send_to_members(organisation, template: str, subject: "str | Callable[[], str]", kind: str, **context) -> None:
    for membership in organisation.members():
        send_templated(membership.user.email, template, subject, kind=kind, user=membership.user, **context)


def send_pledge_offered(pledge) -> None:
    """A supplier pledged: tell the group's members, who accept or decline."""
    _send_to_members(
        pledge.need.organisation, "pledge_offered", lambda: _("New pledge: %(title)s", title=local_title(pledge.need)),
        "pledge_offered",
        pledge=pledge, need=pledge.need,
        link=external_url("groups.pledges", organisation_id=pledge.need.organisation_id),
    )


def send_pledge_withdrawn(pledge) -> None:
    _send_to_members(
        pledge.need.organisation, "pledge_withdrawn",
        lambda: _("Pledge withdrawn: %(title)s", title=local_title(pledge.need)), "pledge_withdrawn",
        pledge=pledge, need=pledge.need,
        link=external_url("groups.pledges", organisation_id=pledge.need.organisation_id),
    )


def send_pledge_decision(pledge) -> None:
    """The group accepted or declined: tell the supplier's members."""
    def subject() -> str:
        if pledge.status == "accepted":
            return _("Accepted: your pledge to %(title)s", title=local_title(pledge.need))
        return _("Declined: your pledge to %(title)s", title=local_title(pledge.need))

    _send_to_members(
        pledge.supplier, "pledge_decision", subject, f"pledge_{pledge.status}",
        pledge=pledge, need=pledge.need,
        link=external_url("suppliers.dashboard", organisation_id=pledge.supplier_id),
    )


def send_pledge_delivered(pledge) -> None:
    """The supplier recorded delivery: the group confirms it received it."""
    _send_to_members(
        pledge.need.organisation, "pledge_delivered", lambda: _("Delivered: %(title)s", title=local_title(pledge.need)),
        "pledge_delivered",
        pledge=pledge, need=pledge.need,
        link=external_url("groups.pledges", organisation_id=pledge.need.organisation_id),
    )


def send_need_funded(pledge) -> None:
    """The council funded a need from its Social Value Fund: tell the group's members."""
    _send_to_members(
        pledge.need.organisation, "need_funded", f"Funded by the Social Value Fund: {pledge.need.title}", "need_funded",
        pledge=pledge, need=pledge.need, link=external_url("groups.pledges", organisation_id=pledge.need.organisation_id),
    )


def send_pledge_outcome(pledge) -> None:
    """An officer confirmed or disputed the delivery: tell both sides."""
    def subject() -> str:
        if pledge.status == "confirmed":
            return _("Confirmed: delivery to %(title)s", title=local_title(pledge.need))
        return _("Disputed: delivery to %(title)s", title=local_title(pledge.need))

    _send_to_members(
        pledge.supplier, "pledge_outcome", subject, f"pledge_{pledge.status}", pledge=pledge, need=pledge.need,
        link=external_url("suppliers.dashboard", organisation_id=pledge.supplier_id),
    )
    _send_to_members(
        pledge.need.organisation, "pledge_outcome", subject, f"pledge_{pledge.status}", pledge=pledge, need=pledge.need,
        link=external_url("groups.pledges", organisation_id=pledge.need.organisation_id),
    )


def send_introduction(match, officer) -> None:
    """An officer introduces a supplier to a group about a need: one email to each side."""
    need, supplier = match.need, match.commitment.contract.supplier
    group = need.organisation
    def subject() -> str:
        return _("Introduction: %(supplier)s and %(group)s about %(title)s", supplier=supplier.name, group=group.name,
                 title=local_title(need))

    common = dict(match=match, need=need, supplier=supplier, group=group, officer=officer)
    _send_to_members(
        supplier, "introduction", subject, "match_introduced", audience="supplier", other=group, **common,
        link=external_url("suppliers.pledge", need_id=need.id, commitment=match.commitment_id),
    )
    _send_to_members(
        group, "introduction", subject, "match_introduced", audience="group", other=supplier, **common,
        link=external_url("public.need", need_id=need.id),
    )


def send_story_decision(story) -> None:
    """An officer published, sent back or withdrew a group's story: tell the group's members."""
    if story.organisation is None or story.status not in ("published", "changes_requested", "withdrawn"):
        return
    subject, link = {
        "published": (lambda: _("Published: %(title)s", title=story.title), external_url("public.story", story_id=story.id)),
        "changes_requested": (
            lambda: _("Changes requested: %(title)s", title=story.title), external_url("groups.edit_story", story_id=story.id)
        ),
        "withdrawn": (
            lambda: _("Withdrawn: %(title)s", title=story.title),
            external_url("groups.stories", organisation_id=story.organisation_id),
        ),
    }[story.status]
    _send_to_members(story.organisation, "story_decision", subject, f"story_{story.status}", story=story, link=link)


def send_return_decision(supplier_return) -> None:
    """An officer accepted, queried or rejected a supplier's return: tell its members."""
    contract = supplier_return.contract
    def subject() -> str:
        words = dict(reference=contract.reference, month=month_year(supplier_return.period_start))
        if supplier_return.state == "accepted":
            return _("Accepted your return for %(reference)s, %(month)s", **words)
        if supplier_return.state == "queried":
            return _("Question about your return for %(reference)s, %(month)s", **words)
        return _("Rejected your return for %(reference)s, %(month)s", **words)

    _send_to_members(
        contract.supplier, "return_decision", subject,
        f"return_{supplier_return.state}", supplier_return=supplier_return, contract=contract,
        link=external_url("suppliers.supplier_return", return_id=supplier_return.id),
    )


def send_escalation_step(commitment, escalation) -> None:
    """An unmet commitment was escalated to a governance board, or its escalation resolved:
    tell the supplier's members."""
    contract = commitment.contract
    def subject() -> str:
        if escalation.resolution:
            return _("Resolved: %(measure)s under %(reference)s", measure=commitment.measure.name, reference=contract.reference)
        return _("Escalated to %(board)s: %(measure)s under %(reference)s", board=escalation.board,
                 measure=commitment.measure.name, reference=contract.reference)

    _send_to_members(
        contract.supplier, "escalation", subject, f"commitment_{escalation.resolution or 'escalated'}",
        commitment=commitment, contract=contract, escalation=escalation,
        link=external_url("suppliers.dashboard", organisation_id=contract.supplier_id),
    )


def send_tender_outcome(tender) -> None:
    """The tender was awarded: tell each bidder's members whether their offer won."""
    for offer in tender.offers:
        if offer.state not in ("awarded", "unsuccessful"):
            continue

        def subject(offer=offer) -> str:
            if offer.state == "awarded":
                return _("Awarded: %(title)s", title=tender.title)
            return _("Not awarded: %(title)s", title=tender.title)

        _send_to_members(
            offer.supplier, "tender_outcome", subject, f"offer_{offer.state}", offer=offer, tender=tender,
            link=external_url("suppliers.offer", offer_id=offer.id),
        )
