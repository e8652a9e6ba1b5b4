"""Local indicators in Debian's chromium, with axe-core on every page (issue 18): an
administrator uploads a ward indicator file with a bad line (refused by line, nothing saved),
then the good file (TEST DATA: Brent's real ward codes with made-up Social Progress Index
values, standing in for a file we lack), chooses it for matching and the map, and a visitor
shades the ward map by it, with its source and year."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from models import Role

from .conftest import axe_check, sign_in

TEST_SPI = Path(__file__).parent.parent / "data" / "indicators" / "TEST_DATA_spi_brent_wards.csv"
SPI = "Social Progress Index (test data)"


def test_an_admin_imports_an_indicator_and_the_map_shades_by_it(page, new_context, places, make_user, tmp_path):
    make_user("admin@example.org", "Ada Admin", role=Role.ADMIN)
    bad = tmp_path / "bad.csv"
    bad.write_text("ward_code,indicator,value,source,year\nE05013496,SPI,high,Test,2024\n")
    sign_in(page, "admin@example.org")
    page.goto("/admin/")
    page.get_by_role("link", name="Local indicators").click()
    axe_check(page)
    page.get_by_label("Ward indicators (CSV)").set_input_files(str(bad))
    page.get_by_role("button", name="Import indicators").click()
    expect(page.get_by_text("Line 2: the value “high” is not a number")).to_be_visible()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Nothing was saved: 1 problem to put right")
    axe_check(page)
    page.get_by_label("Ward indicators (CSV)").set_input_files(str(TEST_SPI))
    page.get_by_role("button", name="Import indicators").click()
    expect(page.get_by_text("22 figures added, 0 changed, 0 unchanged")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Change the indicator").click()
    page.get_by_label(f"{SPI}: TEST DATA").check()
    page.get_by_label("Lower values (as for the Social Progress Index: higher is better)").check()
    axe_check(page)
    page.get_by_role("button", name="Save the indicator choice").click()
    expect(page.get_by_text("Local indicator saved.")).to_be_visible()
    axe_check(page)

    visitor = new_context().new_page()
    visitor.goto("/map")
    visitor.get_by_role("link", name=f"Shade by {SPI}").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(f"Map of wards by {SPI}")
    expect(visitor.get_by_text("Source: TEST DATA standing in for a Social Progress Index file we lack, 2024")).to_be_visible()
    expect(visitor.locator("a.app-map__ward--4")).to_have_count(5)  # the made-up values 52 to 56: the most in need
    axe_check(visitor)
