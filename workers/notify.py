"""Rendering email from templates/emails/ into the outbox table. Used by views
(through brokerage/notify.py) and by jobs, which run inside the app context."""

from __future__ import annotations

from flask import current_app, render_template

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


def send_templated(to_address: str, template: str, subject: str, kind: str, **context) -> EmailMessage:
    """Rendered in the recipient's language (a lazy subject is translated here too)."""
    from flask_babel import force_locale

    offered = current_app.config["LANGUAGES"]
    language = recipient_language(to_address, context.get("user"))
    with force_locale(language if language in offered else offered[0]):
        subject = str(subject)
        text_body, html_body = render_email(template, subject, **context)
    return queue_email(to_address, subject, text_body, html_body, kind=kind)


def send_need_decision(need) -> None:
    """Tell the group's members what happened to their need (moderation or expiry)."""
    subjects = {
        "published": f"Published: {need.title}",
        "changes_requested": f"Changes requested: {need.title}",
        "rejected": f"Not published: {need.title}",
        "expired": f"Expired: {need.title}",
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


def _send_to_members(organisation, template: str, subject: str, kind: str, **context) -> None:
    for membership in organisation.members():
        send_templated(membership.user.email, template, subject, kind=kind, user=membership.user, **context)


def send_pledge_offered(pledge) -> None:
    """A supplier pledged: tell the group's members, who accept or decline."""
    _send_to_members(
        pledge.need.organisation, "pledge_offered", f"New pledge: {pledge.need.title}", "pledge_offered",
        pledge=pledge, need=pledge.need,
        link=external_url("groups.pledges", organisation_id=pledge.need.organisation_id),
    )


def send_pledge_withdrawn(pledge) -> None:
    _send_to_members(
        pledge.need.organisation, "pledge_withdrawn", f"Pledge withdrawn: {pledge.need.title}", "pledge_withdrawn",
        pledge=pledge, need=pledge.need,
        link=external_url("groups.pledges", organisation_id=pledge.need.organisation_id),
    )


def send_pledge_decision(pledge) -> None:
    """The group accepted or declined: tell the supplier's members."""
    verb = "Accepted" if pledge.status == "accepted" else "Declined"
    _send_to_members(
        pledge.supplier, "pledge_decision", f"{verb}: your pledge to {pledge.need.title}", f"pledge_{pledge.status}",
        pledge=pledge, need=pledge.need,
        link=external_url("suppliers.dashboard", organisation_id=pledge.supplier_id),
    )


def send_pledge_delivered(pledge) -> None:
    """The supplier recorded delivery: the group confirms it received it."""
    _send_to_members(
        pledge.need.organisation, "pledge_delivered", f"Delivered: {pledge.need.title}", "pledge_delivered",
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
    verb = "Confirmed" if pledge.status == "confirmed" else "Disputed"
    subject = f"{verb}: delivery to {pledge.need.title}"
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
    subject = f"Introduction: {supplier.name} and {group.name} about {need.title}"
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
        "published": (f"Published: {story.title}", external_url("public.story", story_id=story.id)),
        "changes_requested": (f"Changes requested: {story.title}", external_url("groups.edit_story", story_id=story.id)),
        "withdrawn": (
            f"Withdrawn: {story.title}", external_url("groups.stories", organisation_id=story.organisation_id)
        ),
    }[story.status]
    _send_to_members(story.organisation, "story_decision", subject, f"story_{story.status}", story=story, link=link)


def send_return_decision(supplier_return) -> None:
    """An officer accepted, queried or rejected a supplier's return: tell its members."""
    contract = supplier_return.contract
    verb = {"accepted": "Accepted", "queried": "Question about", "rejected": "Rejected"}[supplier_return.state]
    _send_to_members(
        contract.supplier, "return_decision",
        f"{verb} your return for {contract.reference}, {supplier_return.period_start:%B %Y}",
        f"return_{supplier_return.state}", supplier_return=supplier_return, contract=contract,
        link=external_url("suppliers.supplier_return", return_id=supplier_return.id),
    )


def send_escalation_step(commitment, escalation) -> None:
    """An unmet commitment was escalated to a governance board, or its escalation resolved:
    tell the supplier's members."""
    contract = commitment.contract
    subject = (f"Resolved: {commitment.measure.name} under {contract.reference}" if escalation.resolution
               else f"Escalated to {escalation.board}: {commitment.measure.name} under {contract.reference}")
    _send_to_members(
        contract.supplier, "escalation", subject, f"commitment_{escalation.resolution or 'escalated'}",
        commitment=commitment, contract=contract, escalation=escalation,
        link=external_url("suppliers.dashboard", organisation_id=contract.supplier_id),
    )
