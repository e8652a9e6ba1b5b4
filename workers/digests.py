"""Sending digests and the suppliers' quarterly newsletter.

Idempotent by construction: people are taken in batches, and each batch's
messages go into the outbox table in the same transaction as their dispatch
rows, which are unique per (person, kind, period). A job killed half way, run
twice or run on two workers at once sends each message once: a rerun only sees
the people still without a dispatch row, and a batch that collides with another
run's rows is rolled back and rebuilt for the people still due.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Callable

from flask import current_app, render_template
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import User, db, utcnow
from models.digests.content import Digest, DigestBuilder, Newsletter, build_newsletter
from models.needs.models import NeedTranslation
from models.digests.periods import FREQUENCIES, Period, period_for, send_window_open
from models.digests.preferences import (
    NEWSLETTER,
    DigestDispatch,
    digest_kind,
    due_recipients,
    newsletter_recipients,
    still_due,
)
from models.core.mail import queue_email
from models.core.mail_headers import list_id, list_unsubscribe
from workers.notify import council_name, external_url, in_recipient_language, month_year, render_email
from workers.registry import enqueue, job

DEFAULT_BATCH_SIZE = 200
DEFAULT_PART_SIZE = 5_000  # people per job when a run is shared out (DIGEST_PART_SIZE)
UNSUBSCRIBE_SALT = "digest-unsubscribe"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    headers: dict[str, str]


# ---------------------------------------------------------------- unsubscribe links


def _signer() -> URLSafeSerializer:
    return _signer_for(current_app.config["SECRET_KEY"])


@lru_cache(maxsize=8)
def _signer_for(secret_key: str) -> URLSafeSerializer:
    # No expiry: an unsubscribe link in an old email must still work. One a key: a run signs
    # a link for every digest.
    return URLSafeSerializer(secret_key, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, list_name: str) -> str:
    return _signer().dumps({"u": user_id, "l": list_name})


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, list) from a link, or None when it was not signed by us."""
    try:
        payload = _signer().loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int) or not isinstance(payload.get("l"), str):
        return None
    return payload["u"], payload["l"]


LIST_DESCRIPTIONS = {"digest": "email updates", NEWSLETTER: "social value newsletter", "reminders": "reminders to vote"}


def list_headers(user_id: int, list_name: str) -> tuple[dict[str, str], str]:
    """The list fields, and the confirm-page link for the body: List-Unsubscribe with
    one-click (RFC 2369, RFC 8058), List-Id (RFC 2919) and Auto-Submitted (RFC 3834:
    sent by a program, so auto-responders do not answer it)."""
    token = unsubscribe_token(user_id, list_name)
    targets = [external_url("auth.unsubscribe_one_click", token=token)]
    mailbox = current_app.config.get("MAIL_UNSUBSCRIBE_ADDRESS")
    if mailbox:
        # The token, not the id: whoever reads that mailbox can trust it (open the link).
        targets.append(f"mailto:{mailbox}?subject=unsubscribe%20{token}")
    headers = {
        "List-Unsubscribe": list_unsubscribe(targets),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": list_id(
            f"{council_name()} {LIST_DESCRIPTIONS[list_name]}", list_name, current_app.config["SERVER_NAME_FOR_EMAIL"]
        ),
        "Auto-Submitted": "auto-generated",
    }
    return headers, external_url("auth.unsubscribe", token=token)


# ---------------------------------------------------------------- rendering


def cached_links(size: int = 100_000) -> Callable[..., str]:
    """external_url, remembered for one run: thousands of digests link to the same
    needs, stories and pages, and building a URL costs more than rendering a line."""

    @lru_cache(maxsize=size)
    def build(endpoint: str, values: tuple) -> str:
        return external_url(endpoint, **dict(values))

    def url(endpoint: str, **values) -> str:
        return build(endpoint, tuple(sorted(values.items())))

    return url


class SharedSections:
    """A run's rendered digest sections, kept for everyone they are the same for: a group's or
    a supplier's section for each of its members, an area's news and the stories for everyone
    with the same wards and themes (DigestBuilder hands them the same objects). Each is rendered
    once in each language, not once a person, which was most of a digest's cost. Kept by the
    section object itself (held here, so its id cannot be reused while kept), newest `size`."""

    def __init__(self, size: int = 4_096):
        self.size = size
        self._kept: OrderedDict[tuple[str, str, int], tuple[Any, str]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    def render(self, template: str, language: str, context: dict[str, Any], **section: Any) -> str:
        [value] = section.values()

        def make() -> str:
            text = render_template(template, **context, **section)
            # Rendered with autoescaping: safe to place as it is.
            return Markup(text) if template.endswith(".html") else text

        return self.keep((template, language, id(value)), value, make)

    def keep(self, key: tuple, value: Any, make: Callable[[], str]) -> str:
        """What `make` gives for `value` under `key`, made the first time only."""
        kept = self._kept.get(key)
        if kept is not None and kept[0] is value:
            self._kept.move_to_end(key)
            return kept[1]
        text = make()
        self._kept[key] = (value, text)
        if len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return text


def period_name(period: Period) -> str:
    """The issue in words, in the language being rendered: "week of 23 November 2026", "December 2026"."""
    if period.frequency == "weekly":
        return _("week of %(date)s", date=format_date(period.starts, "d MMMM y"))
    return month_year(period.starts)


def digest_subject(council: str, period: Period) -> str:
    name = period_name(period)
    if period.frequency == "weekly":
        return _("%(council)s: your weekly update for %(period)s", council=council, period=name)
    if period.frequency == "monthly":
        return _("%(council)s: your monthly update for %(period)s", council=council, period=name)
    return _("%(council)s: your quarterly update for %(period)s", council=council, period=name)


def need_titles(digests: list[Digest]) -> dict[tuple[int, str], str]:
    """(need id, language) to the need's title in that language, for every need these digests
    name that has one: one query for a batch."""
    ids: set[int] = set()
    for digest in digests:
        for supplier in digest.suppliers:
            ids |= {line.need_id for line in supplier.due_soon if line.need_id} | {line.id for line in supplier.recommendations}
        for group in digest.groups:
            ids |= {line.need_id for line in group.new_pledges} | {line.need_id for line in group.closing_soon if line.need_id}
        if digest.area is not None:
            ids |= {line.id for line in digest.area.new_needs}
    if not ids:
        return {}
    rows = db.session.execute(
        select(NeedTranslation.need_id, NeedTranslation.locale, NeedTranslation.title).where(NeedTranslation.need_id.in_(ids))
    )
    return {(need_id, locale): title for need_id, locale, title in rows}


def render_digest(
    digest: Digest,
    url: Callable[..., str] = external_url,
    titles: dict[tuple[int, str], str] | None = None,
    sections: SharedSections | None = None,
) -> RenderedEmail:
    """In the recipient's language (users.locale; the council's default when unknown), with
    need titles in it where `titles` (need_titles) has them; the sections others share come
    from `sections`, the run's."""
    council = council_name()
    period = digest.period
    headers, unsubscribe_url = list_headers(digest.recipient.id, "digest")
    titles = need_titles([digest]) if titles is None else titles
    kept = SharedSections() if sections is None else sections
    with in_recipient_language(digest.recipient.locale):
        language = str(get_locale())

        def need_title(need_id: int | None, title: str) -> str:
            return titles.get((need_id, language), title) if need_id else title

        def shared(template: str, **section: Any) -> str:
            return kept.render(template, language, {"url": url, "need_title": need_title}, **section)

        subject = kept.keep(("subject", language), period, lambda: digest_subject(council, period))
        text, html = render_email(
            "digest",
            subject,
            council_name=council,
            digest=digest,
            period=period,
            need_title=need_title,
            shared=shared,
            url=url,
            unsubscribe_url=unsubscribe_url,
            preferences_url=url("auth.email_updates"),
        )
    return RenderedEmail(subject, text, html, headers)


def render_newsletter(
    newsletter: Newsletter, user_id: int, name: str, url: Callable[..., str] = external_url, language: str | None = None
) -> RenderedEmail:
    council = council_name()
    headers, unsubscribe_url = list_headers(user_id, NEWSLETTER)
    with in_recipient_language(language):
        when = period_name(newsletter.period)
        subject = _("%(council)s social value newsletter: %(period)s", council=council, period=when)
        text, html = render_email(
            "newsletter",
            subject,
            council_name=council,
            newsletter=newsletter,
            name=name,
            period_name=when,
            url=url,
            unsubscribe_url=unsubscribe_url,
            preferences_url=url("auth.email_updates"),
        )
    return RenderedEmail(subject, text, html, headers)


# ---------------------------------------------------------------- sending


def _batch_size() -> int:
    return int(current_app.config.get("DIGEST_BATCH_SIZE") or DEFAULT_BATCH_SIZE)  # people per transaction


def _send_in_batches(
    kind: str,
    period: Period,
    next_ids: Callable[[int, int], list[int]],
    build: Callable[[list[int]], list[tuple[int, str, RenderedEmail | None]]],
) -> dict[str, int]:
    """For each batch of people still due: build their messages, then write the
    messages and the dispatch rows in one transaction."""
    counts = {"queued": 0, "empty": 0}
    after = 0
    while True:
        ids = next_ids(after, _batch_size())
        if not ids:
            return counts
        after = ids[-1]
        for _attempt in range(5):
            made = build(ids)
            for user_id, address, email in made:
                dispatch = DigestDispatch(user_id=user_id, kind=kind, period_key=period.key, status="empty")
                if email is not None:
                    dispatch.status = "queued"
                    dispatch.email_message = queue_email(
                        address, email.subject, email.text, email.html, kind=kind, headers=email.headers
                    )
                db.session.add(dispatch)
            try:
                db.session.commit()
            except IntegrityError:
                # Another run sent some of these in the meantime: keep the rest.
                db.session.rollback()
                ids = still_due(ids, kind, period.key)
                if not ids:
                    break
                continue
            for _user_id, _address, email in made:
                counts["queued" if email is not None else "empty"] += 1
            break
        else:
            raise RuntimeError(f"Could not record the {kind} dispatches for {period.key}")


def send_digests(frequency: str, as_of: datetime | None = None, after: int = 0, upto: int | None = None) -> dict[str, int]:
    """This period's digest to everyone due it who has not had it (with ids after `after`
    and up to `upto`, for a part of a run: digest_parts)."""
    as_of = as_of or utcnow()
    period = period_for(frequency, as_of)
    kind = digest_kind(frequency)
    builder = DigestBuilder(period, as_of)
    links = cached_links()
    sections = SharedSections()

    def build(ids: list[int]) -> list[tuple[int, str, RenderedEmail | None]]:
        digests = builder.build(ids)
        titles = need_titles(digests)
        return [
            (
                digest.recipient.id,
                digest.recipient.email,
                None if digest.is_empty else render_digest(digest, links, titles, sections),
            )
            for digest in digests
        ]

    def next_ids(done: int, limit: int) -> list[int]:
        ids = due_recipients(frequency, period.key, max(done, after), limit)
        return ids if upto is None else [user_id for user_id in ids if user_id <= upto]

    return _send_in_batches(kind, period, next_ids, build)


def digest_parts(frequency: str, period: Period, size: int) -> list[tuple[int, int]]:
    """The people still due this period's digest as parts of `size` people: (after, upto)
    ranges of their ids, in order, each a job that any worker can take (send_digest_part)."""
    parts: list[tuple[int, int]] = []
    after = 0
    while ids := due_recipients(frequency, period.key, after, size):
        parts.append((after, ids[-1]))
        after = ids[-1]
    return parts


def _part_size() -> int:
    return int(current_app.config.get("DIGEST_PART_SIZE") or DEFAULT_PART_SIZE)


def send_or_share_digests(frequency: str, as_of: datetime) -> dict[str, int]:
    """A run's digests: sent here when they fit one part (or outside a job), else shared out
    as one job a part, so that every worker renders some at once (rendering is the run's
    cost: a few milliseconds a digest). Parts never overlap, and a part run twice, or beside
    a later run, sends each digest once (the dispatch rows, as in _send_in_batches)."""
    from rq import get_current_job

    current = get_current_job()
    if current is None:
        return send_digests(frequency, as_of)
    parts = digest_parts(frequency, period_for(frequency, as_of), _part_size())
    if len(parts) <= 1:
        return send_digests(frequency, as_of)
    for after, upto in parts:
        enqueue(current.connection, send_digest_part, frequency, as_of.isoformat(), after, upto)
    return {"parts": len(parts)}


def send_newsletters(as_of: datetime | None = None) -> dict[str, int]:
    """This quarter's newsletter to every supplier member who has not had it."""
    as_of = as_of or utcnow()
    period = period_for("quarterly", as_of)
    newsletter = build_newsletter(period, as_of)
    links = cached_links()

    def build(ids: list[int]) -> list[tuple[int, str, RenderedEmail | None]]:
        people = db.session.execute(
            select(User.id, User.name, User.email, User.locale).where(User.id.in_(ids))
        ).all()
        return [
            (user_id, email, None if newsletter.is_empty else render_newsletter(newsletter, user_id, name, links, locale))
            for user_id, name, email, locale in people
        ]

    return _send_in_batches(
        NEWSLETTER, period, lambda after, limit: newsletter_recipients(period.key, after, limit), build
    )


def _parse(as_of: str | None) -> datetime | None:
    return datetime.fromisoformat(as_of) if as_of else None


@job("low", timeout=4 * 3600)
def send_digest_run(frequency: str, as_of: str | None = None) -> dict[str, int]:
    """One frequency's digests now, whatever the schedule (`flask digests send`)."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"not a digest frequency: {frequency!r}")
    return send_or_share_digests(frequency, _parse(as_of) or utcnow())


@job("low", timeout=3600)
def send_digest_part(frequency: str, as_of: str, after: int, upto: int) -> dict[str, int]:
    """One part of a run's digests: the people due it with ids after `after`, up to `upto`."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"not a digest frequency: {frequency!r}")
    return send_digests(frequency, _parse(as_of), after, upto)


@job("low", timeout=4 * 3600)
def send_newsletter_run(as_of: str | None = None) -> dict[str, int]:
    return send_newsletters(_parse(as_of))


@job("low", timeout=4 * 3600)
def send_due_digests() -> dict[str, dict[str, int]]:
    """Run hourly: in each period's sending window, send to everyone still due.
    A run that was killed, or missed while the workers were down, is made good
    by the next one; nobody gets two in a period."""
    now = utcnow()
    results = {}
    for frequency in FREQUENCIES:
        if send_window_open(frequency, now):
            results[frequency] = send_or_share_digests(frequency, now)
    if send_window_open("quarterly", now):
        results[NEWSLETTER] = send_newsletters(now)
    return results
