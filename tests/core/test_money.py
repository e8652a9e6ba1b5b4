"""One rule for money everywhere: £1,800, pence only when there are some."""

from __future__ import annotations

import pytest

from models.core.money import format_pence


@pytest.mark.parametrize("pence,currency,text", [
    (180000, "GBP", "£1,800"),
    (204000, "GBP", "£2,040"),  # never "£2,040.00" beside "£1,500"
    (180050, "GBP", "£1,800.50"),
    (5, "GBP", "£0.05"),
    (180000, "£", "£1,800"),  # an imported election whose currency is the symbol: never "1,800 £"
    (180000, "gbp", "£1,800"),
    (180000, "EUR", "€1,800"),
    (180000, "PLN", "1,800 PLN"),
    (-2500, "GBP", "-£25"),
    (None, "GBP", ""),
])
def test_money_is_written_the_same_way_everywhere(pence, currency, text):
    assert format_pence(pence, currency) == text


def test_the_jinja_filters_use_the_one_rule(app):
    with app.app_context():
        env = app.jinja_env
        assert env.from_string("{{ 180000 | pence }} {{ 180000 | money('£') }} {{ 204000 | money }}").render() == "£1,800 £1,800 £2,040"
