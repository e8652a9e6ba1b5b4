"""Pagination for every list: SQL LIMIT/OFFSET with a count, GOV.UK pagination params."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from flask import request, url_for
from sqlalchemy import Select, func

from models import db

MAX_PAGE = 100_000


@dataclass
class Page:
    items: Sequence[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def govuk_params(self, endpoint: str, **values: Any) -> dict[str, Any] | None:
        if self.pages <= 1:
            return None
        args = {**request.args.to_dict(), **values}

        def link(number: int) -> str:
            return url_for(endpoint, **{**args, "page": number})

        params: dict[str, Any] = {"items": []}
        if self.page > 1:
            params["previous"] = {"href": link(self.page - 1)}
        if self.page < self.pages:
            params["next"] = {"href": link(self.page + 1)}
        for number in range(1, self.pages + 1):
            if number in (1, self.pages) or abs(number - self.page) <= 2:
                params["items"].append({"number": number, "href": link(number), "current": number == self.page})
            elif params["items"] and not params["items"][-1].get("ellipsis"):
                params["items"].append({"ellipsis": True})
        return params


def paginate(query: Select, per_page: int = 50) -> Page:
    try:
        page = max(1, min(int(request.args.get("page", 1)), MAX_PAGE))
    except ValueError:
        page = 1
    return page_of(query, page, per_page)


def page_of(query: Select, page: int, per_page: int) -> Page:
    """One page of a query and the count of all its rows."""
    # COUNT(*) over the same FROM and WHERE, without selecting every column, so the
    # database can answer from an index.
    total = db.session.scalar(query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=items, page=page, per_page=per_page, total=total or 0)
