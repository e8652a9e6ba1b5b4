"""Public pages kept ready for signed-out readers (issue 15: throughput).

Most of a council's visitors read the public pages signed out, and every one of them sees the
same page for the same address and language. Rendering one costs 10 to 20 ms of templates;
serving it again from memory costs a fraction of a millisecond. So a public page a signed-out
reader asked for is kept, in each web process, under:

- the address (host, path and query string) and the page's language;
- the data's version: a token in Redis, drawn afresh after every transaction that wrote to
  the database, by any process (web or worker), so a change shows on the next request;
- a time bucket (PAGE_CACHE_SECONDS, default 60), so what depends on the clock alone (a
  round that has just closed, today's deadlines) is never older than that.

Only what is the same for every signed-out reader is kept: a GET of a public page with no
session or remember-me cookie, answered 200 as HTML without setting a cookie (a page with a
form sets one: its CSRF token is the reader's own; so does a flash message). The CSP nonce is
the one thing in a page that must differ on every response: it is taken out when a page is
kept and a fresh one is put in when it is served. When Redis cannot be reached, nothing is
served from memory (the version cannot be known) and the cache waits PAGE_CACHE_SECONDS before
asking again, so a Redis outage costs no time per request.

A signed-in reader of a page whose content is the same for everyone (the lists: needs, the
map, wards, the ledger, stories, the home page; `SAME_FOR_EVERYONE`) is served the kept page
too, with their own header (who is signed in, their navigation, a sign-out form with their
CSRF token) put in its place: base.html marks the header, and a page is kept without it. Such a
reader's own render is kept the same way, header taken out, for the next reader of either kind.
Their header is kept too, under the data's version, who they are (the session's user id, as
Flask-Login keeps it), their language cookie and Accept-Language, and the page's endpoint: the
header shows their name, roles and organisations and the council's name, all data, so until the
next write it is the same, and it is served without loading them (no query at all). The address
in its language links and their CSRF token are put in afresh for each response. A session that
Flask-Login would have to look at (a remember-me cookie alone, a session from another browser)
gets its header rendered. A need's page is the same for every signed-in reader who belongs to
no organisation (a resident, most officers) as for a signed-out one: such a reader is served it
as kept for signed-out readers (`SAME_WITHOUT_ORGANISATIONS`), a member of a group or a
supplier gets it rendered, and no signed-in reader's render of it is kept. A reader with a
message waiting to be shown (a flash) always gets a page rendered for them.

PAGE_CACHE=0 turns it off.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from typing import Callable
from urllib.parse import quote_plus

from flask import Flask, Response, g, render_template, request, session
from markupsafe import escape
from sqlalchemy import event

# Statements that never change data; anything else marks the connection as having written.
_READS = re.compile(r"\s*(SELECT|PRAGMA|EXPLAIN|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|SHOW|SET\s|VALUES)", re.IGNORECASE)
_WROTE = "page_cache_wrote"
# Headers that are the response's own, never a kept page's.
_FRESH_HEADERS = {"content-security-policy", "set-cookie", "content-length", "date", "retry-after"}
_NONCE_MARK = b"\x00page-cache-nonce\x00"
_KEPT_BLUEPRINTS = {"public"}
# Public pages that show a signed-in reader nothing of their own but the header: served kept
# to them too, with their header. A page that does (a need's, where its owner can edit it; a
# round's ballot) must not be listed: test_page_cache checks each listed page's content is
# the same for every kind of reader.
SAME_FOR_EVERYONE = frozenset({
    "public.home", "public.needs", "public.borough_map", "public.wards", "public.ward", "public.ledger", "public.stories",
})
# Public pages that show a signed-in reader who belongs to no organisation (a resident, most
# officers) nothing of their own but the header: a need's page shows its group's members how to
# manage it and a supplier's members how to pledge, and nothing else of the reader's. Served to
# such a reader as kept for signed-out readers (so only a page any signed-out reader may see),
# with their header; their own render is never kept. test_page_cache checks the content.
SAME_WITHOUT_ORGANISATIONS = frozenset({"public.need"})
# The header as base.html marks it; a kept page holds this mark in its place.
_HEADER = re.compile(rb"<!--page-header-->.*?<!--/page-header-->", re.DOTALL)
_HEADER_MARK = b"\x00page-cache-header\x00"
# In a kept header: the page's address (survives url_for's quoting as it is) and the reader's token.
_HERE_MARK = "pagecachehere0f3a9"
_CSRF_MARK = b"\x00page-cache-csrf\x00"
# As url_for quotes a query value (werkzeug.urls._urlencode); test_page_cache compares the two.
_URL_SAFE = "!$'()*,/:;?@"
_LARGEST = 1_000_000  # bytes: a page larger than this is not kept


class PageCache:
    def __init__(self, app: Flask):
        self.seconds = max(1.0, float(app.config.get("PAGE_CACHE_SECONDS", 60)))
        self.entries = max(1, int(app.config.get("PAGE_CACHE_ENTRIES", 500)))
        self.url = app.config["REDIS_URL"]
        self.key = "page-cache:version:" + _namespace(app.config["SQLALCHEMY_DATABASE_URI"])
        self.pages: OrderedDict[tuple, tuple[int, bytes, list[tuple[str, str]]]] = OrderedDict()
        # Signed-in readers' headers: (reader key) -> (their page's language, header with marks,
        # whether they belong to no organisation).
        self.headers: OrderedDict[tuple, tuple[str, bytes, bool]] = OrderedDict()
        self.lock = threading.Lock()
        self.clock: Callable[[], float] = time.time
        self.redis_down_until = 0.0
        self._client = None
        self.hits = self.misses = 0

    # ------------------------------------------------------------ the data's version

    def client(self):
        if self._client is None:
            from redis import Redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry

            self._client = Redis.from_url(
                self.url, socket_connect_timeout=0.5, socket_timeout=0.5, retry=Retry(NoBackoff(), 0)
            )
        return self._client

    def version(self) -> bytes | None:
        """The data's version, or None when Redis does not answer (then nothing is served kept).
        A version is a random token, never a count: after Redis restarts empty, a new token is
        drawn, so no page kept before can match it."""
        if self.clock() < self.redis_down_until:
            return None
        try:
            client = self.client()
            found = client.get(self.key)
            if found is None:
                client.set(self.key, secrets.token_hex(8), nx=True)
                found = client.get(self.key)
            return found
        except Exception:  # noqa: BLE001 - any Redis failure means "don't know"
            self.redis_down_until = self.clock() + self.seconds
            return None

    def data_changed(self) -> None:
        """After a transaction that wrote: every process's kept pages are out of date."""
        with self.lock:
            self.pages.clear()
            self.headers.clear()
        try:
            self.client().set(self.key, secrets.token_hex(8))
        except Exception:  # noqa: BLE001
            # The other processes cannot be told: their pages age out within PAGE_CACHE_SECONDS.
            self.redis_down_until = self.clock() + self.seconds

    # ------------------------------------------------------------ the pages

    def get(self, key: tuple):
        with self.lock:
            found = self.pages.get(key)
            if found is not None:
                self.pages.move_to_end(key)
            return found

    def put(self, key: tuple, page) -> None:
        with self.lock:
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > self.entries:
                self.pages.popitem(last=False)

    def header(self, reader: tuple) -> tuple[str, bytes, bool] | None:
        with self.lock:
            found = self.headers.get(reader)
            if found is not None:
                self.headers.move_to_end(reader)
            return found

    def put_header(self, reader: tuple, header: tuple[str, bytes, bool]) -> None:
        with self.lock:
            self.headers[reader] = header
            self.headers.move_to_end(reader)
            while len(self.headers) > 4 * self.entries:  # a few kilobytes each
                self.headers.popitem(last=False)


def _namespace(uri: str) -> str:
    import hashlib

    return hashlib.sha256(str(uri).encode()).hexdigest()[:16]


def _signed_out(app: Flask) -> bool:
    return (
        app.config["SESSION_COOKIE_NAME"] not in request.cookies
        and app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in request.cookies
    )


def _readers_header() -> bytes:
    """This reader's header, marked as base.html marks it, with the page's address and the
    reader's CSRF token marked for _filled to put in."""
    from flask_login import current_user
    from flask_wtf.csrf import generate_csrf

    text = render_template("components/_header.html", header_here=_HERE_MARK)
    header = b"<!--page-header-->" + text.encode() + b"<!--/page-header-->"
    if current_user.is_authenticated:  # a signed-out reader's header has no form
        header = header.replace(generate_csrf().encode(), _CSRF_MARK)
    return header


def _in_no_organisation() -> bool:
    from flask_login import current_user

    return not current_user.is_authenticated or not current_user.organisations()


def _filled(header: bytes) -> bytes:
    """A kept header for this response: this page's address and this reader's token."""
    here = escape(quote_plus(request.full_path.rstrip("?"), safe=_URL_SAFE))
    header = header.replace(_HERE_MARK.encode(), str(here).encode())
    if _CSRF_MARK in header:
        from flask_wtf.csrf import generate_csrf

        header = header.replace(_CSRF_MARK, generate_csrf().encode())
    return header


def _reader(app: Flask, version: bytes, bucket: int) -> tuple | None:
    """Whom a signed-in reader's header is for, read from their session without loading them;
    None when Flask-Login would have more to do than load the session's user: a remember-me
    cookie without a session user, or a session whose browser does not match (session
    protection), which their header must be rendered for."""
    from brokerage.extensions import login_manager
    from brokerage.i18n import COOKIE

    user = session.get("_user_id")
    if user is None:
        if app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
            return None
    elif session.get("_id") != login_manager._session_identifier_generator():
        return None
    return (version, bucket, request.host, user, request.cookies.get(COOKIE),
            request.headers.get("Accept-Language"), request.endpoint)


def init_page_cache(app: Flask) -> None:
    if not app.config.get("PAGE_CACHE", True):
        return
    from flask_babel import get_locale

    from brokerage.security import csp_nonce
    from models import db

    cache = PageCache(app)
    app.extensions["page_cache"] = cache

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def note_writes(connection, cursor, statement, parameters, context, executemany):
        if not _READS.match(statement):
            connection.info[_WROTE] = True

    @event.listens_for(engine, "checkin")
    def after_writes(dbapi_connection, record):
        # A connection goes back to the pool after its transaction has committed (or rolled
        # back), so the version changes only once the change can be read.
        if record.info.pop(_WROTE, False):
            cache.data_changed()

    @app.before_request
    def serve_kept_page():
        if request.method != "GET" or request.blueprint not in _KEPT_BLUEPRINTS:
            return None
        signed_out = _signed_out(app)
        shared = request.endpoint in SAME_FOR_EVERYONE
        if not signed_out and (
            not (shared or request.endpoint in SAME_WITHOUT_ORGANISATIONS) or session.get("_flashes")
        ):
            return None
        version = cache.version()
        if version is None:
            return None
        bucket = int(cache.clock() // cache.seconds)
        reader = None if signed_out else _reader(app, version, bucket)
        known = cache.header(reader) if reader is not None else None
        locale = known[0] if known is not None else str(get_locale())
        key = (request.host, request.full_path, locale, version, bucket)
        kept = cache.get(key)
        if kept is None:
            cache.misses += 1
            if signed_out or shared:  # a page kept from a signed-in reader's render: see above
                g.page_cache_key = key
                g.page_cache_signed_out = signed_out
            return None
        status, body, headers, signed_out_header = kept
        if not signed_out:
            if known is None:
                known = (locale, _readers_header(), _in_no_organisation())
                if reader is not None:
                    cache.put_header(reader, known)
            if not shared and not known[2]:
                return None  # a member of an organisation: rendered for them
        cache.hits += 1
        if signed_out:
            if signed_out_header is None:  # kept from a signed-in reader's page: the same for every signed-out one
                signed_out_header = _readers_header()
                cache.put(key, (status, body, headers, signed_out_header))
            header = _filled(signed_out_header)
        else:
            header = _filled(known[1])
        page = body.replace(_HEADER_MARK, header, 1).replace(_NONCE_MARK, csp_nonce().encode())
        return Response(page, status=status, headers=headers)

    @app.after_request
    def keep_page(response: Response) -> Response:
        key = g.pop("page_cache_key", None)
        signed_out = g.pop("page_cache_signed_out", True)
        if (
            key is None
            or response.status_code != 200
            or response.mimetype != "text/html"
            or response.direct_passthrough
            or response.is_streamed
            # A signed-out page that sets a cookie is that reader's own (a form's CSRF token, a
            # flash); a signed-in reader's cookie is their session's, never kept (_FRESH_HEADERS).
            or (signed_out and ("Set-Cookie" in response.headers or session.modified))
        ):
            return response
        body = response.get_data()
        if len(body) > _LARGEST:
            return response
        header = _HEADER.search(body)
        if header is None:
            return response  # not a page of ours: nowhere to put another reader's header
        body = body[: header.start()] + _HEADER_MARK + body[header.end() :]
        nonce = g.get("csp_nonce")
        if nonce:
            body = body.replace(nonce.encode(), _NONCE_MARK)
        headers = [(name, value) for name, value in response.headers.items()
                   if name.lower() not in _FRESH_HEADERS and not name.lower().startswith("x-ratelimit")]
        cache.put(key, (response.status_code, body, headers, header.group() if signed_out else None))
        return response
