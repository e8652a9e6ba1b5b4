"""Rendering email from templates/emails/ into the outbox table. Used by views
(through brokerage/notify.py) and by jobs, which run inside the app context."""

from __future__ import annotations

from flask import current_app, render_template

from models.mail import EmailMessage, queue_email
from models.settings import get_setting


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email, built from BASE_URL (works outside requests)."""
    adapter = current_app.url_map.bind("localhost", url_scheme="http")
    return current_app.config["SERVER_NAME_FOR_EMAIL"] + adapter.build(endpoint, values)


def send_templated(to_address: str, template: str, subject: str, kind: str, **context) -> EmailMessage:
    context.setdefault("council_name", get_setting("council_name") or current_app.config["COUNCIL_NAME"])
    context.setdefault("service_name", current_app.config["SERVICE_NAME"])
    text_body = render_template(f"emails/{template}.txt", subject=subject, **context)
    html_body = render_template(f"emails/{template}.html", subject=subject, **context)
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
