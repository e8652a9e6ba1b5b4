"""One bad release never stops the file (issue 12): an amount of 1e308 used to stop the whole
import with a decimal error. Each bad release below sits in a file between two good ones
(real Contracts Finder releases of the council's); the good ones are imported, the bad one
is skipped with its reason and its ocid, and nothing else is refused."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from models import Contract, db
from models.contracts.ocds_import import (
    NO_AWARDS,
    NO_OCID,
    NO_SUPPLIERS,
    NO_VALUE,
    NOT_A_NUMBER,
    OCID_TOO_LONG,
    TOO_LARGE,
    UNREADABLE,
    import_ocds,
    load_releases,
    plan_import,
)
from tests.contracts.ocds_files import HUNDRED, council_is

MERTON = [
    "ocds-b5fd17-e3b5f385-5989-4cf1-8849-01c247fc9c30",
    "ocds-b5fd17-deddd0f5-7f54-41ae-9c16-bbd0e5933625",
    "ocds-b5fd17-d474bdd4-a0d8-4d20-b725-521e5199be07",
]


def merton_releases() -> list[dict]:
    releases = load_releases(HUNDRED.read_bytes())
    return [copy.deepcopy(next(r for r in releases if r["ocid"] == ocid)) for ocid in MERTON]


def with_bad_middle(change) -> tuple[bytes, str]:
    """The three Merton releases, the middle one changed; the file as text, so that a
    change can put in JSON that Python would not write (1e999, a 5,000-digit number)."""
    first, bad, last = merton_releases()
    ocid = bad["ocid"]
    text = change(bad)
    middle = text if isinstance(text, str) else json.dumps(bad)
    return ("[" + ",".join([json.dumps(first), middle, json.dumps(last)]) + "]").encode(), ocid


def amount_literal(literal: str):
    def change(release: dict) -> str:
        release["awards"][0]["value"]["amount"] = "__AMOUNT__"
        return json.dumps(release).replace('"__AMOUNT__"', literal)

    return change


def setting(path: list, value):
    def change(release: dict) -> None:
        target = release
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def remove(key: str):
    def change(release: dict) -> None:
        release.pop(key)

    return change


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (amount_literal("1e308"), TOO_LARGE),
        (amount_literal("1E+308"), TOO_LARGE),
        (amount_literal('"1e308"'), TOO_LARGE),
        (amount_literal("1e999"), NOT_A_NUMBER),  # Python reads it as infinity
        (amount_literal("-1e999"), NOT_A_NUMBER),
        (amount_literal("NaN"), NOT_A_NUMBER),
        (amount_literal("9" * 5000), TOO_LARGE),  # more digits than Python turns into an int
        (amount_literal('"about £40k"'), NOT_A_NUMBER),
        (amount_literal('{"pounds": 40000}'), NOT_A_NUMBER),
        (amount_literal("[40000]"), NOT_A_NUMBER),
        (amount_literal("true"), NOT_A_NUMBER),
        (amount_literal("null"), NO_VALUE),
        (setting(["awards", 0, "value"], "40000"), NO_VALUE),
        (remove("ocid"), NO_OCID),
        (setting(["ocid"], 12345), NO_OCID),
        (setting(["ocid"], "   "), NO_OCID),
        (setting(["ocid"], "ocds-" + "x" * 200), OCID_TOO_LONG),
        (setting(["awards"], 5), NO_AWARDS),
        (setting(["awards"], "the award"), NO_AWARDS),
        (setting(["awards", 0, "suppliers"], 7), NO_SUPPLIERS),
        (setting(["awards", 0, "suppliers"], [{"id": {"nested": True}}]), NO_SUPPLIERS),
        (setting(["parties"], "parties"), None),  # the buyer is still named in `buyer`: imported
        (setting(["buyer"], ["London Borough of Merton"]), None),  # the buyer party still names it
        (setting(["contracts"], 9), None),  # no contracts[] to read: the award's value is used
        (setting(["awards", 0, "contractPeriod"], ["2025-01-01"]), None),
        (setting(["awards", 0, "contractPeriod"], {"startDate": "2025-13-45", "endDate": 20250101}), None),
        (setting(["awards", 0, "id"], {"id": 1}), "award has no id"),
        (setting(["awards", 0, "value", "currency"], {"code": "GBP"}), "value is not in pounds (GBP)"),
        (setting(["tender"], "a tender"), "award has no title"),  # the title was the tender's
        (setting(["parties", 0, "roles"], 5), None),
        (setting(["date"], {"when": "today"}), None),
    ],
)
def test_one_bad_release_is_skipped_with_its_reason_and_the_rest_are_imported(ctx, change, reason):
    council_is(names=["London Borough of Merton"])
    data, bad_ocid = with_bad_middle(change)
    report = import_ocds(data)
    db.session.commit()
    imported = set(db.session.scalars(select(Contract.ocid)))
    assert {MERTON[0], MERTON[2]} <= imported
    if reason is None:  # oddities that do not stop this release either
        assert (report.created, report.skipped) == (3, 0), report.reasons
        return
    assert (report.created, report.skipped) == (2, 1)
    assert report.reasons == {reason: 1}
    assert bad_ocid not in imported
    if reason not in (NO_OCID, OCID_TOO_LONG):
        assert report.skipped_items[0]["ocid"] == bad_ocid


def test_the_preview_lists_a_bad_release_with_its_ocid(ctx):
    council_is(names=["London Borough of Merton"])
    data, bad_ocid = with_bad_middle(amount_literal("1e308"))
    preview = plan_import(data).as_dict()
    assert (preview["created"], preview["skipped"]) == (2, 1)
    assert preview["items"]["skip"] == [{"where": f"{bad_ocid}/{bad_ocid}-1", "ocid": bad_ocid, "reason": TOO_LARGE}]
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 0  # a preview writes nothing


def test_whatever_the_reader_did_not_foresee_stops_one_release_and_names_the_error():
    from models.contracts.ocds_import import award_rows
    from models.contracts.council_buyer import CouncilBuyer

    class Exploding(dict):
        """A release whose awards cannot be read at all."""

        def get(self, key, default=None):
            if key == "awards":
                raise RuntimeError("unreadable")
            return super().get(key, default)

    good, bad, _ = merton_releases()
    rows, skipped = award_rows([good, Exploding(bad)], CouncilBuyer(names=("Merton",)))
    assert [row.ocid for row in rows] == [good["ocid"]]
    assert [(item.ocid, item.reason) for item in skipped] == [(bad["ocid"], f"{UNREADABLE} (RuntimeError)")]
