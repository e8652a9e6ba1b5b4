"""Money as people read it, one rule everywhere: the symbol first and pence only when
there are some: £1,800, £1,800.50. Pure: no Flask, no session.

Pages use it through the `pence` and `money` Jinja filters (brokerage/templating.py); rules
that word a message with an amount call it directly. CSV and JSON downloads keep numbers."""

from __future__ import annotations

SYMBOLS = {"GBP": "£", "£": "£", "EUR": "€", "€": "€", "USD": "$", "$": "$"}


def format_pence(pence: int | None, currency: str = "GBP", amount: str | None = None) -> str:
    """£1,250 and £1,250.50; a currency with no symbol here (an imported election's
    PLN) as 1,250 PLN. `amount` is the unsigned number already written for a reader's
    language (brokerage/templating.py format_money); without it, English digits."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    if amount is None:
        pounds, remainder = divmod(abs(int(pence)), 100)
        amount = f"{pounds:,}" if remainder == 0 else f"{pounds:,}.{remainder:02d}"
    code = (currency or "GBP").strip().upper()
    symbol = SYMBOLS.get(code)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {code}"
