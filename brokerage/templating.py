"""Template globals and filters shared by every page."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from brokerage.markdown import render_markdown
from brokerage.rule_messages import translate_label, translate_line_problem, translate_rule_message
from models.core.money import format_pence

LONDON = ZoneInfo("Europe/London")


def council_name() -> str:
    from models.core.settings import get_setting

    return get_setting("council_name") or current_app.config["COUNCIL_NAME"]


def navigation() -> list[dict]:
    """The service navigation, by role."""
    from flask_babel import gettext as _

    items = [
        ("public.home", _("Home")),
        ("public.needs", _("Needs")),
        ("public.borough_map", _("Map")),
        ("public.rounds", _("Ward votes")),
        ("public.tenders", _("Tenders")),
        ("public.ledger", _("Delivered")),
        ("public.stories", _("Stories")),
    ]
    if current_user.is_authenticated:
        organisations = current_user.organisations()
        if organisations or not current_user.is_officer:
            items.append(("organisations.mine", _("Your organisations")))
        if any(organisation.kind == "supplier" for organisation in organisations):
            items.append(("suppliers.home", _("Your pledges")))
        if current_user.is_officer:
            items.append(("officers.dashboard", _("Officer dashboard")))
        if current_user.is_admin:
            items.append(("admin.index", _("Council settings")))
        items.append(("auth.account", _("Your account")))
    else:
        items.append(("public.postcode", _("Find your ward")))
    current = request.endpoint or ""
    result = []
    for endpoint, text in items:
        section = endpoint.split(".")[0]
        active = current == endpoint or (section not in ("public", "auth") and current.startswith(section + "."))
        result.append({"href": url_for(endpoint), "text": text, "active": active, "current": current == endpoint})
    return result


def _locale():
    """The page's (or the email's) language, for Babel's formats; English outside a request."""
    from brokerage.i18n import page_locale

    return page_locale() or "en"


def _number(value: int) -> str:
    return _formatted_number(value, str(_locale()))


# Babel formats remembered per language: a digest run or a page formats the same few
# thousand quantities and days over and over, and Babel parses its pattern on every call.
@lru_cache(maxsize=65_536)
def _formatted_number(value: int, locale: str) -> str:
    from babel.numbers import format_decimal

    if _groups_like_python(locale):
        return f"{value:,}"
    return format_decimal(value, format="#,##0", locale=locale)


@lru_cache(maxsize=64)
def _groups_like_python(locale: str) -> bool:
    """Whether the language writes numbers as Python's "," format does (thousands in threes
    with ",", pence after "."): English and Welsh do, so their figures need no Babel call
    (a ledger page shows a hundred of them); others keep Babel's own symbols."""
    from babel.numbers import format_decimal

    sample = Decimal("-1234567.89")
    return format_decimal(sample, format="#,##0.00", locale=locale) == f"{sample:,.2f}"


@lru_cache(maxsize=16_384)
def _formatted_day(day: date, locale: str) -> str:
    from babel.dates import format_date as babel_date

    return babel_date(day, "d MMMM yyyy", locale=locale)


def format_number(value: int | None) -> str:
    """A whole number with the reader's language's grouping: "1,250" in English and Welsh."""
    return "" if value is None else _number(value)


def format_money(pence: int | None, currency: str = "GBP") -> str:
    """Pounds as £1,250 (pence only when there are some); other currencies (imported
    elections) as their symbol or code. The rule (symbol first, pence only when there are
    some) is models/core/money.py's; the digits are grouped for the reader's language by
    Babel, so English and Welsh read £1,250.50 alike and a language that groups otherwise
    gets its own separators."""
    from babel.numbers import format_decimal

    if pence is None:
        return ""
    pounds, remainder = divmod(abs(int(pence)), 100)
    if remainder == 0:
        amount = _number(pounds)
    else:
        locale = str(_locale())
        amount = f"{pounds:,}.{remainder:02d}" if _groups_like_python(locale) else format_decimal(
            Decimal(abs(int(pence))) / 100, format="#,##0.00", locale=locale
        )
    return format_pence(pence, currency, amount=amount)


def format_quantity(quantity: int | None, unit: str) -> str:
    """"40 volunteer hours", and money as money: "£4,976" (units "£", "£ value")."""
    if quantity is None:
        return ""
    if unit.strip().startswith("£"):
        return f"£{_number(quantity)}"
    return f"{_number(quantity)} {unit}"


def format_date(value: date | datetime | None) -> str:
    """"5 March 2026", "5 Mawrth 2026": the month in the reader's language (Babel)."""
    if value is None:
        return ""
    return _formatted_day(value.date() if isinstance(value, datetime) else value, str(_locale()))


def format_month(value: date | datetime | None) -> str:
    """"March 2026", "Mawrth 2026": a month and year in the reader's language."""
    from babel.dates import format_date as babel_date

    if value is None:
        return ""
    return babel_date(value, "LLLL yyyy", locale=_locale())


def format_datetime(value: datetime | None) -> str:
    """A stored (naive UTC) time as the council's wall-clock time: "5 March 2026 at 2:30pm"."""
    from babel.dates import format_time
    from flask_babel import gettext

    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(LONDON)
    time = format_time(value, "h:mma", locale=_locale()).replace("AM", "am").replace("PM", "pm")
    return gettext("%(date)s at %(time)s", date=format_date(value), time=time)


def substitute_label(kind: str, **values) -> str:
    """What can earn an escalation's credit, in the page's language (models/returns/escalation.py
    substitutes): an accepted return ("return": reference, start, end, version) or a confirmed
    pledge ("pledge": title, quantity, unit)."""
    from flask_babel import gettext

    if kind == "return":
        return gettext("Return for %(reference)s, %(start)s to %(end)s (version %(version)s)", reference=values["reference"],
                       start=format_date(values["start"]), end=format_date(values["end"]), version=values["version"])
    return gettext("Delivery to “%(title)s”: %(quantity)s", title=values["title"],
                   quantity=format_quantity(values["quantity"], values["unit"]))


def credit_text(commitment) -> str:
    """How a commitment was settled by a credit, in the page's language: the substitute an
    escalation's credit names (worded from the return or pledge, not the English stored with
    it), or the officer's own description of a credit given without an escalation."""
    from flask_babel import gettext

    from models.returns.escalation import credit_substitute

    found = credit_substitute(commitment)
    if found is None:
        return commitment.credit_description or ""
    kind, values = found
    return gettext("Substitute: %(substitute)s", substitute=substitute_label(kind, **values))


def pair_chart(rows):
    """Committed above delivered for each row, in pounds (brokerage/charts.py)."""
    from brokerage.charts import paired_chart

    return paired_chart(rows, format_money)


def init_template_helpers(app: Flask) -> None:
    from brokerage.officers.audit_words import audit_sentences, state_word
    from brokerage.officers.agreement_words import agreement_sentence
    from brokerage.officers.fund_words import fund_entry_description
    from brokerage.match_reasons import match_reasons, match_reasons_text
    from brokerage.officers.job_names import job_name, task_title

    app.jinja_env.globals.update(
        council_name=council_name, navigation=navigation, pair_chart=pair_chart, describe_events=audit_sentences,
        job_name=job_name, task_title=task_title, match_reasons=match_reasons,
        match_reasons_text=match_reasons_text, agreement_sentence=agreement_sentence,
        fund_entry_description=fund_entry_description,
        credit_text=credit_text, state_word=state_word,
    )
    app.jinja_env.filters.update(
        markdown=render_markdown,
        pence=format_money,
        money=format_money,
        quantity=format_quantity,
        number=format_number,
        govuk_month=format_month,
        label=translate_label,
        rule_message=translate_rule_message,
        line_problem=translate_line_problem,
        govuk_date=format_date,
        govuk_datetime=format_datetime,
    )
