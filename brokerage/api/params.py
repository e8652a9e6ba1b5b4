"""Strict query strings for the API: a parameter the endpoint does not take, or a
value that makes no sense, is a 400 whose message names the parameter and says what
it should be. Nothing is silently ignored (unlike the HTML pages, which forgive)."""

from __future__ import annotations

import re
from typing import Iterable

from werkzeug.datastructures import MultiDict

from brokerage.pagination import MAX_PAGE
from models import DomainError
from models.places.themes import NeedKind

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
WARD_CODE = re.compile(r"[EWSN]05\d{6}", re.ASCII)
AREA = re.compile(r"[EWSN]05\d{6}|borough", re.ASCII)
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.ASCII)
DIGITS = re.compile(r"\d{1,12}", re.ASCII)
KINDS = tuple(kind.value for kind in NeedKind)
PAGING = ("page", "per_page")


class Query:
    def __init__(self, args: MultiDict, allowed: Iterable[str]):
        allowed = tuple(allowed)
        for name in args:
            if name not in allowed:
                takes = ", ".join(allowed) if allowed else "no query parameters"
                raise DomainError(f"Unknown query parameter '{name[:40]}': this endpoint takes {takes}", field=name)
            if len(args.getlist(name)) > 1:
                raise DomainError(f"Give '{name}' once", field=name)
        self.args = args

    def integer(self, name: str, low: int, high: int, default: int | None = None) -> int | None:
        raw = self.args.get(name)
        if raw is None:
            return default
        if not DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
            raise DomainError(f"'{name}' must be a whole number from {low:,} to {high:,}", field=name)
        return int(raw)

    def matching(self, name: str, pattern: re.Pattern, what: str) -> str | None:
        raw = self.args.get(name)
        if raw is None:
            return None
        if not pattern.fullmatch(raw) or len(raw) > 80:
            raise DomainError(f"'{name}' must be {what}", field=name)
        return raw

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        raw = self.args.get(name)
        if raw is not None and raw not in choices:
            raise DomainError(f"'{name}' must be one of: {', '.join(choices)}", field=name)
        return raw

    def paging(self) -> tuple[int, int]:
        page = self.integer("page", 1, MAX_PAGE, default=1)
        per_page = self.integer("per_page", 1, MAX_PER_PAGE, default=DEFAULT_PER_PAGE)
        return page, per_page

    def cursor(self, keyset) -> str | None:
        """The `after` cursor of a Next link (brokerage.pagination.Keyset), checked."""
        raw = self.args.get("after")
        if raw is not None and keyset.parse(raw[:80]) is None:
            raise DomainError("'after' must be the cursor from a 'next' link", field="after")
        return raw

    def ward(self, name: str = "ward") -> str | None:
        return self.matching(name, AREA, "a ward's GSS code (like E05013494) or 'borough' for borough-wide needs")

    def theme(self) -> str | None:
        return self.matching("theme", SLUG, "a theme's slug, in lower case with hyphens (see /api/v1/themes)")

    def kind(self) -> str | None:
        return self.choice("kind", KINDS)
