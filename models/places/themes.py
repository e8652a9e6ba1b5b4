"""Social value priority themes and the measures (units) under them."""

from __future__ import annotations

import enum
import re
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, false, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import DomainError, db, utcnow
from models.core.events import record_event


class NeedKind(str, enum.Enum):
    CASH = "cash"
    GOODS = "goods"
    VOLUNTEERING = "volunteering"
    SKILLS = "skills"
    SPACE = "space"

    @property
    def label(self) -> str:
        return {
            "cash": "Cash",
            "goods": "Goods",
            "volunteering": "Volunteer time",
            "skills": "Professional skills",
            "space": "Space",
        }[self.value]


def slugify(text: str, limit: int = 80) -> str:
    """Lower-case words joined by hyphens, at most `limit` characters, cut between two
    words, never inside one (unless a single word is longer than the limit)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) <= limit:
        return slug
    cut = slug[: limit + 1].rfind("-")
    return slug[:cut] if cut > 0 else slug[:limit]


class DeliveredThrough(str, enum.Enum):
    """How a measure's delivery is evidenced: through community needs (confirmed pledges),
    through the supplier's periodic returns, or both."""

    NEEDS = "needs"
    RETURNS = "returns"
    BOTH = "both"

    @property
    def label(self) -> str:
        return {
            "needs": "Through community needs (pledges)",
            "returns": "Through supplier returns",
            "both": "Both: pledges and supplier returns",
        }[self.value]

    @property
    def takes_returns(self) -> bool:
        return self != DeliveredThrough.NEEDS


class Theme(db.Model):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    measures: Mapped[list["Measure"]] = relationship(
        back_populates="theme", order_by="Measure.name", cascade="all, delete-orphan"
    )


class Measure(db.Model):
    __tablename__ = "measures"
    __table_args__ = (
        UniqueConstraint("theme_id", "name", name="uq_measures_theme_name"),
        CheckConstraint("proxy_value_pence IS NULL OR proxy_value_pence >= 0", name="proxy_not_negative"),
        CheckConstraint(
            "need_kind IS NULL OR need_kind IN ('cash', 'goods', 'volunteering', 'skills', 'space')",
            name="need_kind_known",
        ),
        CheckConstraint("delivered_through IN ('needs', 'returns', 'both')", name="delivered_through_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    unit: Mapped[str] = mapped_column(String(40))
    # TOMs-style proxy: what one unit is worth, so delivered quantities sum in pounds.
    proxy_value_pence: Mapped[int | None]
    # Which kind of community need this measure is met by (for matching).
    need_kind: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    # How its delivery is evidenced (DeliveredThrough): needs, returns or both.
    delivered_through: Mapped[str] = mapped_column(String(8), default="needs", server_default="needs")
    # Money spent with suppliers: a return splits it by supplier type (size, VCSE, in the borough).
    is_spend: Mapped[bool] = mapped_column(default=False, server_default=false())

    theme: Mapped[Theme] = relationship(back_populates="measures")

    @property
    def delivered_through_label(self) -> str:
        return DeliveredThrough(self.delivered_through).label

    @property
    def takes_returns(self) -> bool:
        return DeliveredThrough(self.delivered_through).takes_returns

    @property
    def need_kind_label(self) -> str | None:
        return NeedKind(self.need_kind).label if self.need_kind else None


# Brent's five priority themes (draft Social Value Policy, section 7), with
# example measures in the TOMs style. Proxy values are the council's to set;
# only money measures carry one by default (£1 is worth £1).
BRENT_THEMES: list[tuple[str, str, list[tuple[str, str, int | None, str | None]]]] = [
    (
        "Good jobs and fair work",
        "Jobs, apprenticeships, work placements and fair pay for local people.",
        [
            ("Apprenticeship weeks for local people", "weeks", None, "skills"),
            ("Work placement hours", "hours", None, "skills"),
            ("Local people hired", "people", None, None),
        ],
    ),
    (
        "Inclusive economic growth and thriving local businesses",
        "Spending with and supporting Brent's small businesses, social enterprises and VCSEs.",
        [
            ("Business mentoring hours for local SMEs and VCSEs", "hours", None, "skills"),
            ("Spend with local SMEs and VCSEs", "£", 100, "cash"),
        ],
    ),
    (
        "Reducing inequalities and strengthening community wellbeing, resilience, and participation",
        "Support for residents facing disadvantage and for community life.",
        [
            ("Community investment", "£", 100, "cash"),
            ("Donated goods and equipment", "£ value", 100, "goods"),
        ],
    ),
    (
        "Environmental sustainability and climate action",
        "Greener neighbourhoods, lower carbon, cleaner air.",
        [
            ("Volunteer hours on environmental projects", "hours", None, "volunteering"),
            ("Investment in green community projects", "£", 100, "cash"),
        ],
    ),
    (
        "Building community and voluntary sector capacity",
        "Volunteering, pro bono expertise and space for the voluntary and community sector.",
        [
            ("Employee volunteering hours", "hours", None, "volunteering"),
            ("Pro bono professional hours", "hours", None, "skills"),
            ("Community use of space", "hours", None, "space"),
        ],
    ),
]


# How the seeded measures' delivery is evidenced (issue 16): jobs, apprenticeships and
# spend happen inside the supplier's business, so they come through returns; volunteering
# through needs or returns. Every other measure: through community needs. Spend measures
# split their returns by supplier type.
BRENT_DELIVERY: dict[str, str] = {
    "Apprenticeship weeks for local people": "returns",
    "Local people hired": "returns",
    "Work placement hours": "returns",
    "Spend with local SMEs and VCSEs": "returns",
    "Employee volunteering hours": "both",
    "Volunteer hours on environmental projects": "both",
}
BRENT_SPEND = ("Spend with local SMEs and VCSEs",)


def seed_themes() -> int:
    """Add Brent's five themes and example measures where missing. Returns how many themes were added."""
    added = 0
    for position, (name, description, measures) in enumerate(BRENT_THEMES, start=1):
        theme = db.session.scalar(select(Theme).where(Theme.name == name))
        if theme is None:
            theme = Theme(name=name, slug=slugify(name), description=description, position=position)
            db.session.add(theme)
            db.session.flush()
            added += 1
            for measure_name, unit, proxy, kind in measures:
                db.session.add(
                    Measure(
                        theme_id=theme.id, name=measure_name, unit=unit, proxy_value_pence=proxy, need_kind=kind,
                        delivered_through=BRENT_DELIVERY.get(measure_name, "needs"),
                        is_spend=measure_name in BRENT_SPEND,
                    )
                )
    db.session.flush()
    return added


def save_theme(theme: Theme | None, name: str, description: str, active: bool, actor) -> Theme:
    name = name.strip()
    query = select(func.count()).select_from(Theme).where(func.lower(Theme.name) == name.lower())
    if theme is not None and theme.id is not None:
        query = query.where(Theme.id != theme.id)
    if db.session.scalar(query):
        raise DomainError("A theme with this name already exists", field="name")
    creating = theme is None
    if creating:
        position = (db.session.scalar(select(func.max(Theme.position))) or 0) + 1
        theme = Theme(position=position)
        db.session.add(theme)
    theme.name, theme.description, theme.active = name, description.strip(), active
    theme.slug = slugify(name)
    db.session.flush()
    record_event("theme.created" if creating else "theme.updated", theme, actor=actor)
    return theme


def save_measure(
    measure: Measure | None,
    theme: Theme,
    name: str,
    unit: str,
    proxy_value_pence: int | None,
    need_kind: str | None,
    active: bool,
    actor,
    delivered_through: str = "needs",
    is_spend: bool = False,
) -> Measure:
    name = name.strip()
    query = (
        select(func.count())
        .select_from(Measure)
        .where(Measure.theme_id == theme.id, func.lower(Measure.name) == name.lower())
    )
    if measure is not None:
        query = query.where(Measure.id != measure.id)
    if db.session.scalar(query):
        raise DomainError("This theme already has a measure with this name", field="name")
    if proxy_value_pence is not None and proxy_value_pence < 0:
        raise DomainError("The proxy value cannot be negative", field="proxy_value")
    if delivered_through not in {choice.value for choice in DeliveredThrough}:
        raise DomainError("Choose how its delivery is evidenced", field="delivered_through")
    creating = measure is None
    # Accepted returns' totals are valued through the measure's proxy value, by its theme.
    revalue = not creating and (measure.proxy_value_pence != proxy_value_pence or measure.theme_id != theme.id)
    if creating:
        measure = Measure()
        db.session.add(measure)
    measure.theme_id, measure.name, measure.unit = theme.id, name, unit.strip()
    measure.proxy_value_pence, measure.need_kind, measure.active = proxy_value_pence, need_kind or None, active
    measure.delivered_through, measure.is_spend = delivered_through, is_spend
    db.session.flush()
    if revalue:
        from models.returns.totals import rebuild_return_totals

        rebuild_return_totals()
    record_event("measure.created" if creating else "measure.updated", measure, actor=actor)
    return measure
