"""What GOV.UK Frontend's components write in English unless told otherwise (issue 21): the
service navigation's landmark ("Service information") and the date input's Day, Month and
Year (govuk-frontend-wtf hardcodes them) are given in the page's language."""

from __future__ import annotations

import re

from models import db
from tests import factories
from tests.factories import signed_in


def date_labels(page: str) -> list[str]:
    return [label.strip() for label in re.findall(r'<label class="govuk-label govuk-date-input__label"[^>]*>([^<]*)</label>', page)]


def test_the_header_landmark_and_the_date_boxes_follow_the_page_language(app):
    with app.app_context():
        group = factories.organisation(factories.user("grace@example.org"))
        db.session.commit()
        new_need = f"/groups/{group.id}/needs/new"
    client = signed_in(app, "grace@example.org")
    pages = {}
    for language in ("en", "cy"):
        client.set_cookie("language", language)
        pages[language] = client.get(new_need).get_data(as_text=True)
    assert 'aria-label="Service information"' in pages["en"]
    assert 'aria-label="Gwybodaeth am y gwasanaeth"' in pages["cy"] and "Service information" not in pages["cy"]
    assert date_labels(pages["en"]) == ["Day", "Month", "Year"]
    assert date_labels(pages["cy"]) == ["Diwrnod", "Mis", "Blwyddyn"]
