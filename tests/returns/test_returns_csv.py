"""All a supplier's returns for a period as one CSV (models/returns/csv_upload.py): line-level
errors, nothing saved unless every line is right, another supplier's contract refused, wrong
columns refused; the template lists what waits for a return."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from models import db
from models.returns.models import ReturnLine, SupplierReturn
from tests import factories
from tests.factories import post_form, signed_in

HEADER = "contract_reference,period_start,commitment_id,quantity,description,beneficiaries,beneficiaries_in_borough,wards,spend_micro,spend_small,spend_medium,spend_large,spend_vcse,spend_in_borough"


@pytest.fixture
def world(app, places):
    return factories.returns_borough(app)


def upload(client, world, text: str):
    return post_form(client, f"/suppliers/{world.supplier}/returns/upload",
                     {"file": (io.BytesIO(text.encode("utf-8")), "returns.csv")}, content_type="multipart/form-data")


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(SupplierReturn)),
                db.session.scalar(select(func.count()).select_from(ReturnLine)))


def current_quarter() -> date:
    """The start of the quarter running today (the contract reports quarterly from 1 April)."""
    today = date.today()
    return date(today.year, (today.month - 1) // 3 * 3 + 1, 1)


def good_lines(world) -> list[str]:
    return [
        f"BRENT-RET-001,2025-04-01,{world.apprenticeships},26,Two apprentices,2,2,Harlesden & Kensal Green,,,,,,",
        f"BRENT-RET-001,2025-04-01,{world.spend},100000,Local spend,0,0,,10000,50000,40000,0,5000,60000",
        f"BRENT-RET-001,2025-07-01,{world.hires},3,Three hires,3,3,,,,,,,",
    ]


def test_a_right_file_submits_a_return_per_contract_and_period(app, world):
    supplier = signed_in(app, "supplier@example.org")
    template = supplier.get(f"/suppliers/{world.supplier}/returns/template.csv").get_data(as_text=True)
    assert template.startswith("contract_reference,period_start,commitment_id,measure") and "BRENT-RET-001,2025-04-01" in template
    response = upload(supplier, world, "\n".join([HEADER, *good_lines(world)]))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        filed = db.session.scalars(select(SupplierReturn).order_by(SupplierReturn.period_start)).all()
        assert [(r.period_start.isoformat(), r.state, r.source, len(r.lines)) for r in filed] == [
            ("2025-04-01", "submitted", "csv", 2), ("2025-07-01", "submitted", "csv", 1)]
        assert [ward.name for ward in filed[0].lines[0].wards] == ["Harlesden & Kensal Green"]


def test_bad_lines_are_each_reported_and_nothing_is_saved(app, world):
    supplier = signed_in(app, "supplier@example.org")
    lines = good_lines(world) + [
        f"BRENT-RET-001,2025-04-01,{world.hires},-2,Negative,0,0,,,,,,,",
        f"BRENT-RET-001,2025-04-01,{world.hires},3 people,Wrong unit,0,0,,,,,,,",
        f"BRENT-RET-002,2025-04-01,{world.hires},3,Their contract,0,0,,,,,,,",
        f"BRENT-RET-001,2030-01-01,{world.hires},3,Future,0,0,,,,,,,",
        f"BRENT-RET-001,{current_quarter().isoformat()},{world.hires},3,Not ended,0,0,,,,,,,",
        f"BRENT-RET-001,2025-04-01,{world.donations},3,Needs only,0,0,,,,,,,",
        f"BRENT-RET-001,2025-04-01,{world.apprenticeships},1,Twice,0,0,,,,,,,",
        f"BRENT-RET-001,2025-04-01,{world.volunteering},1,=HYPERLINK(\"x\"),0,0,Nowhere,,,,,,",
    ]
    response = upload(supplier, world, "\n".join([HEADER, *lines]))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for expected in ("Line 5: the quantity cannot be negative", "Line 6: quantity must be a whole number",
                     "Line 7: contract “BRENT-RET-002” is not one of Brent Green Builders Ltd&#39;s contracts",
                     "Line 8: there is no reporting period", "Line 9: this period ends on",
                     "Line 10: donated goods and equipment is delivered through community needs",
                     "Line 11: this commitment is already reported", "Line 12: there is no ward “Nowhere”",
                     "Nothing was saved"):
        assert expected in page, expected
    assert counts(app) == (0, 0)


@pytest.mark.parametrize("text, message", [
    ("reference,quantity\nBRENT-RET-001,3", "Unknown column: reference"),
    ("contract_reference,period_start,commitment_id,quantity\nBRENT-RET-001,2025-04-01,1,3", "Missing column: description"),
    ("", "The file is empty"),
])
def test_wrong_columns_are_refused(app, world, text, message):
    response = upload(signed_in(app, "supplier@example.org"), world, text)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert counts(app) == (0, 0)


def test_another_suppliers_member_cannot_upload_for_this_supplier(app, world):
    outsider = signed_in(app, "outsider@example.org")
    assert outsider.get(f"/suppliers/{world.supplier}/returns/upload").status_code == 403
    assert outsider.get(f"/suppliers/{world.supplier}/returns/template.csv").status_code == 403


def test_a_supplier_working_in_welsh_reads_each_lines_problem_in_welsh(app, world):
    from models import User

    supplier = signed_in(app, "supplier@example.org")
    with app.app_context():
        db.session.scalar(select(User).where(User.email == "supplier@example.org")).locale = "cy"
        db.session.commit()
    # Three bad lines: a negative quantity, another supplier's contract, a ward that is not one.
    bad = [("BRENT-RET-001", world.hires, -2, ""), ("BRENT-RET-002", world.hires, 3, ""),
           ("BRENT-RET-001", world.volunteering, 1, "Nowhere")]
    lines = [f"{reference},2025-04-01,{commitment},{quantity},A line,0,0,{wards},,,,,," for reference, commitment, quantity, wards in bad]
    response = upload(supplier, world, "\n".join([HEADER, *good_lines(world), *lines]))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for expected in ("Llinell 5: ni all y swm fod yn negyddol",
                     "Llinell 6: nid yw contract “BRENT-RET-002” yn un o gontractau Brent Green Builders Ltd",
                     "Llinell 7: nid oes ward “Nowhere”", "Ni chadwyd dim: 3 problem i’w cywiro"):
        assert expected in page, expected
    assert "Line 5" not in page and counts(app) == (0, 0)


def test_a_supplier_working_in_welsh_reads_the_files_own_problems_in_welsh(app, world):
    """Problems of the file itself (its columns, its being empty), not of a line, in Welsh."""
    from models import User

    supplier = signed_in(app, "supplier@example.org")
    with app.app_context():
        db.session.scalar(select(User).where(User.email == "supplier@example.org")).locale = "cy"
        db.session.commit()
    unknown = upload(supplier, world, "reference,quantity\nBRENT-RET-001,3").get_data(as_text=True)
    assert "Colofn anhysbys: reference." in unknown and "Unknown column" not in unknown
    empty = upload(supplier, world, "")
    assert empty.status_code == 400
    assert "Mae’r ffeil yn wag: mae’r llinell gyntaf yn enwi’r colofnau" in empty.get_data(as_text=True)
    assert counts(app) == (0, 0)
