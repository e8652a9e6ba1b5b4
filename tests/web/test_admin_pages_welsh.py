"""The admin pages in Welsh (issue 21): an administrator whose saved language is Welsh sees
every admin page in Welsh. As in test_officer_pages_welsh.py, each page of the page crawl's
world is rendered twice, as the same administrator in English and in Welsh; every string
marked in the page's templates and in the admin views and forms that shows in the English
page must be gone from the Welsh one (unless its Welsh translation keeps it)."""

from __future__ import annotations

from tests.browser.test_every_page import plan, seed_world
from tests.web.welsh_pages import Pages, check_pages_in_welsh, text

# Every admin page, and the partials they extend or include.
TRANSLATED = {
    "admin/index.html", "admin/settings.html", "admin/wards.html", "admin/indicators.html",
    "admin/indicator_setting.html", "admin/census.html", "admin/themes.html", "admin/theme.html",
    "admin/measure.html", "admin/users.html", "admin/user.html",
}
INCLUDED = {"admin/_form_page.html", "admin/_indicator_choice.html", "components/_csv_upload.html"}
VIEWS = [
    "brokerage/admin/routes.py", "brokerage/admin/indicators.py", "brokerage/admin/census.py",
    "brokerage/forms/core.py", "brokerage/forms/places.py", "brokerage/forms/people.py", "brokerage/forms/voting.py",
    "brokerage/admin/indicator_problems.py", "brokerage/officers/job_names.py",
]


def test_every_admin_page_is_in_welsh(app):
    world = seed_world(app)
    visits, _unfillable = plan(app, world)
    outcome = check_pages_in_welsh(app, Pages("admin@example.org", "admin.", TRANSLATED, INCLUDED, VIEWS), visits)
    assert outcome.checked > 50, outcome.checked
    # The roles an administrator chooses from are labels that live in models/people.
    role_path, (role_page, _names) = next((path, page) for path, page in outcome.english.items() if page[1][0] == "admin/user.html")
    assert "Council officer" in role_page
    welsh_roles = text(outcome.client.get(role_path))
    assert "Swyddog y cyngor" in welsh_roles and "Council officer" not in welsh_roles
    assert outcome.left == [], f"still in English on the Welsh pages: {outcome.left[:20]}"
