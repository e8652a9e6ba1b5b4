"""Who took part: an optional question set after voting, and the ward's census population.

Answers are stored apart from ballots so that no answer can be tied to a choice: no ballot id
or voter, a random id (so the order of answers says nothing about the order of ballots), and
the day only. They are shown only as counts by group, and a count under ten is suppressed.
The census tables (ONS Census 2021, ward level, by age and by sex) are imported by an admin."""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from models import DomainError, db
from models.core.events import record_event
from models.voting.models import Round

if TYPE_CHECKING:
    from models.people.accounts import User

SUPPRESS_UNDER = 10
PREFER_NOT = "Prefer not to say"

# The ONS Census 2021 "Age (6 categories)" bands (TS007A aggregated), and the question's.
AGE_BANDS = ["Under 16", "16 to 24", "25 to 34", "35 to 49", "50 to 64", "65 and over"]
ONS_AGE_BANDS = {
    "aged 15 years and under": "Under 16",
    "aged 16 to 24 years": "16 to 24",
    "aged 25 to 34 years": "25 to 34",
    "aged 35 to 49 years": "35 to 49",
    "aged 50 to 64 years": "50 to 64",
    "aged 65 years and over": "65 and over",
}
SEXES = ["Female", "Male"]  # TS008, the census question
# ONS Census 2021 ethnic group, 19 categories under 5 headings (TS021).
ETHNIC_GROUPS = {
    "Asian, Asian British or Asian Welsh": ["Bangladeshi", "Chinese", "Indian", "Pakistani", "Other Asian"],
    "Black, Black British, Black Welsh, Caribbean or African": ["African", "Caribbean", "Other Black"],
    "Mixed or Multiple ethnic groups": [
        "White and Asian", "White and Black African", "White and Black Caribbean", "Other Mixed or Multiple ethnic groups",
    ],
    "White": [
        "English, Welsh, Scottish, Northern Irish or British", "Irish", "Gypsy or Irish Traveller", "Roma", "Other White",
    ],
    "Other ethnic group": ["Arab", "Any other ethnic group"],
}
ETHNIC_CHOICES = [f"{heading}: {group}" for heading, groups in ETHNIC_GROUPS.items() for group in groups]
DISABILITY = ["Yes, limited a lot", "Yes, limited a little", "No"]  # TS038's Equality Act question
FIRST_LANGUAGE = ["English", "Another language"]
QUESTIONS = {
    "age_band": ("Your age", AGE_BANDS),
    "sex": ("Your sex", SEXES),
    "ethnic_group": ("Your ethnic group", ETHNIC_CHOICES),
    "disability": (
        "Are your day-to-day activities limited because of a health problem or disability which has lasted, "
        "or is expected to last, at least 12 months?",
        DISABILITY,
    ),
    "first_language": ("Your first language", FIRST_LANGUAGE),
}


def _random_id() -> str:
    return secrets.token_hex(16)


class RepresentationAnswer(db.Model):
    __tablename__ = "representation_answers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_random_id)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    answered_on: Mapped[date] = mapped_column(Date)
    age_band: Mapped[str | None] = mapped_column(String(40))
    sex: Mapped[str | None] = mapped_column(String(40))
    ethnic_group: Mapped[str | None] = mapped_column(String(120))
    disability: Mapped[str | None] = mapped_column(String(40))
    first_language: Mapped[str | None] = mapped_column(String(40))


class CensusPopulation(db.Model):
    """A ward's usual residents in one census category (an age band, or a sex)."""

    __tablename__ = "census_populations"
    __table_args__ = (UniqueConstraint("ward_id", "dimension", "category", name="uq_census_populations_category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id", ondelete="CASCADE"), index=True)
    dimension: Mapped[str] = mapped_column(String(16))  # "age_band" or "sex"
    category: Mapped[str] = mapped_column(String(40))
    population: Mapped[int]


# ---------------------------------------------------------------- answering


def record_answers(round_: Round, answers: dict[str, str | None], today: date) -> RepresentationAnswer:
    """Keep one person's answers. Anything not among the choices counts as not answered."""
    clean = {field: (value if value in choices or value == PREFER_NOT else None)
             for field, (_, choices) in QUESTIONS.items() for value in [answers.get(field)]}
    answer = RepresentationAnswer(round_id=round_.id, answered_on=today, **clean)
    db.session.add(answer)
    return answer


# ---------------------------------------------------------------- in aggregate


@dataclass(frozen=True)
class Row:
    category: str
    count: int | None  # None: fewer than ten, suppressed
    share: float | None  # of those who answered
    population_share: float | None = None
    # Fewer than 80% of the group's share of the ward (said even when the count is not shown,
    # which it bounds no more than "fewer than ten" does).
    under_represented: bool = False


def _suppressed(counts: dict[str, int], categories: list[str], population: dict[str, int] | None = None) -> list[Row]:
    answered = sum(counts.get(category, 0) for category in categories)
    people = sum((population or {}).values())
    rows = []
    for category in categories:
        n = counts.get(category, 0)
        visible = n >= SUPPRESS_UNDER and answered >= SUPPRESS_UNDER
        population_share = (population or {}).get(category, 0) / people if people else None
        under = bool(answered and population_share and n / answered < population_share * 0.8)
        rows.append(Row(category, n if visible else None, n / answered if visible else None, population_share, under))
    return rows


def answer_counts(round_id: int, field: str) -> dict[str, int]:
    column = getattr(RepresentationAnswer, field)
    return dict(
        db.session.execute(
            select(column, func.count()).where(RepresentationAnswer.round_id == round_id, column.is_not(None)).group_by(column)
        ).all()
    )


def answered(round_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(RepresentationAnswer).where(RepresentationAnswer.round_id == round_id)) or 0


def population(ward_id: int | None, dimension: str) -> dict[str, int]:
    query = select(CensusPopulation.category, func.sum(CensusPopulation.population)).where(CensusPopulation.dimension == dimension)
    if ward_id is not None:
        query = query.where(CensusPopulation.ward_id == ward_id)
    return {category: int(total) for category, total in db.session.execute(query.group_by(CensusPopulation.category)).all()}


def representation(round_: Round) -> dict:
    """Every question's answers in aggregate (under ten suppressed); age and sex beside the
    ward's census population (for age, residents 16 and over, as voters are)."""
    ages = population(round_.ward_id, "age_band")
    voting_ages = {band: n for band, n in ages.items() if band != "Under 16"}
    return {
        "answered": answered(round_.id),
        "suppress_under": SUPPRESS_UNDER,
        "has_census": bool(ages or population(round_.ward_id, "sex")),
        "tables": [
            ("age_band", QUESTIONS["age_band"][0], _suppressed(answer_counts(round_.id, "age_band"), AGE_BANDS[1:], voting_ages)),
            ("sex", QUESTIONS["sex"][0], _suppressed(answer_counts(round_.id, "sex"), SEXES, population(round_.ward_id, "sex"))),
            ("ethnic_group", "Ethnic group", _suppressed(answer_counts(round_.id, "ethnic_group"), ETHNIC_CHOICES)),
            ("disability", "Disability", _suppressed(answer_counts(round_.id, "disability"), DISABILITY)),
            ("first_language", "First language", _suppressed(answer_counts(round_.id, "first_language"), FIRST_LANGUAGE)),
        ],
    }


# ---------------------------------------------------------------- census import


def _column(headers: list[str], *words: str, avoid: str | None = None) -> int | None:
    for index, header in enumerate(headers):
        text = header.lower()
        if all(word in text for word in words) and (avoid is None or avoid not in text):
            return index
    return None


def import_census(text: str, actor: "User | None" = None) -> dict:
    """An ONS Census 2021 ward-level table, by age (6 categories) or by sex, as the ONS
    downloads it: columns chosen by header (the ward code, the category, the observation).
    Rows for wards we do not have are skipped; importing again replaces the figures."""
    from models.places.wards import Ward

    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise DomainError("The file is empty", "file")
    headers = rows[0]
    ward_col = _column(headers, "ward", "code")
    value_col = _column(headers, "observation") if _column(headers, "observation") is not None else _column(headers, "count")
    age_col = _column(headers, "age", avoid="code")
    sex_col = _column(headers, "sex", avoid="code")
    if ward_col is None or value_col is None or (age_col is None and sex_col is None):
        raise DomainError(
            "The file needs a ward code column, an age or a sex column and an Observation column (as the ONS downloads it)",
            "file",
        )
    dimension, category_col = ("age_band", age_col) if age_col is not None else ("sex", sex_col)
    wards = dict(db.session.execute(select(Ward.code, Ward.id)).all())
    figures: dict[tuple[int, str], int] = {}
    skipped = 0
    for number, row in enumerate(rows[1:], start=2):
        if len(row) <= max(ward_col, value_col, category_col):
            continue
        ward_id = wards.get(row[ward_col].strip())
        raw = row[category_col].strip()
        category = ONS_AGE_BANDS.get(raw.lower()) if dimension == "age_band" else next((s for s in SEXES if s.lower() == raw.lower()), None)
        if ward_id is None or category is None:
            skipped += 1
            continue
        value = row[value_col].strip().replace(",", "")
        if not value.isdigit():
            raise DomainError(f"Row {number}: “{value[:20]}” is not a number of people", "file")
        figures[(ward_id, category)] = figures.get((ward_id, category), 0) + int(value)
    if not figures:
        raise DomainError("No row of the file is for a ward of this council", "file")
    ward_ids = {ward_id for ward_id, _ in figures}
    db.session.execute(delete(CensusPopulation).where(CensusPopulation.dimension == dimension, CensusPopulation.ward_id.in_(ward_ids)))
    db.session.add_all(
        CensusPopulation(ward_id=ward_id, dimension=dimension, category=category, population=n) for (ward_id, category), n in figures.items()
    )
    result = {"dimension": dimension, "wards": len(ward_ids), "rows": len(figures), "skipped": skipped}
    if actor is not None:
        record_event("census.imported", actor, actor=actor, detail=result)
    return result
