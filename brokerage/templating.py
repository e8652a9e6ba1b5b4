"""Template globals and filters shared by every page."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from brokerage.markdown import render_markdown
from models.core.money import format_pence

LONDON = ZoneInfo("Europe/London")


def council_name() -> str:
    from models.core.settings import get_setting

    return get_setting("council_name") or current_app.config["COUNCIL_NAME"]


def navigation() -> list[dict]:
    """The service navigation, by role."""
    items = [
        ("public.home", "Home"),
        ("public.needs", "Needs"),
        ("public.borough_map", "Map"),
        ("public.rounds", "Ward votes"),
        ("public.tenders", "Tenders"),
        ("public.ledger", "Delivered"),
        ("public.stories", "Stories"),
    ]
    if current_user.is_authenticated:
        organisations = current_user.organisations()
        if organisations or not current_user.is_officer:
            items.append(("organisations.mine", "Your organisations"))
        if any(organisation.kind == "supplier" for organisation in organisations):
            items.append(("suppliers.home", "Your pledges"))
        if current_user.is_officer:
            items.append(("officers.dashboard", "Officer dashboard"))
        if current_user.is_admin:
            items.append(("admin.index", "Council settings"))
        items.append(("auth.account", "Your account"))
    else:
        items.append(("public.postcode", "Find your ward"))
    current = request.endpoint or ""
    result = []
    for endpoint, text in items:
        section = endpoint.split(".")[0]
        active = current == endpoint or (section not in ("public", "auth") and current.startswith(section + "."))
        result.append({"href": url_for(endpoint), "text": text, "active": active, "current": current == endpoint})
    return result


def format_money(pence: int | None, currency: str = "GBP") -> str:
    """Pounds as £1,250 (pence only when there are some); other currencies (imported
    elections) as their symbol or code. The one rule: models/core/money.py."""
    return format_pence(pence, currency)


def format_quantity(quantity: int | None, unit: str) -> str:
    """"40 volunteer hours", and money as money: "£4,976" (units "£", "£ value")."""
    if quantity is None:
        return ""
    if unit.strip().startswith("£"):
        return f"£{quantity:,}"
    return f"{quantity:,} {unit}"


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def format_datetime(value: datetime | None) -> str:
    """A stored (naive UTC) time as the council's wall-clock time."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(LONDON)
    hour = value.strftime("%I").lstrip("0")
    return f"{value.day} {value:%B %Y} at {hour}:{value:%M}{value:%p}".replace("AM", "am").replace("PM", "pm")


def pair_chart(rows):
    """Committed above delivered for each row, in pounds (brokerage/charts.py)."""
    from brokerage.charts import paired_chart

    return paired_chart(rows, format_pence)


def init_template_helpers(app: Flask) -> None:
    from models.core.audit_sentences import describe_events

    app.jinja_env.globals.update(
        council_name=council_name, navigation=navigation, pair_chart=pair_chart, describe_events=describe_events
    )
    app.jinja_env.filters.update(
        markdown=render_markdown,
        pence=format_money,
        money=format_money,
        quantity=format_quantity,
        govuk_date=format_date,
        govuk_datetime=format_datetime,
    )
