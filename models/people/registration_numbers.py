"""Formats of UK charity and company registration numbers. Pure: no Flask, no session."""

from __future__ import annotations

import re

# England and Wales: 6 or 7 digits (subsidiaries add "-1"); Scotland: SC + 6 digits;
# Northern Ireland: NIC + 6 digits (the older 100xxx numbers are 6 digits too).
_CHARITY = re.compile(r"^(?:\d{6,7}(?:-\d{1,2})?|SC\d{6}|NIC\d{6})$")
# Companies House: 8 digits, or a 2-letter prefix (SC, NI, OC, SO, NC, LP, ...) and 6
# digits, or R + 7 digits (older Northern Ireland companies).
_COMPANY = re.compile(r"^(?:\d{8}|[A-Z]{2}\d{6}|R\d{7})$")


def _squash(value: str) -> str:
    return re.sub(r"\s+", "", value).upper()


def normalise_charity_number(value: str) -> str | None:
    """The charity number in its canonical form, or None if it cannot be one."""
    squashed = _squash(value)
    return squashed if _CHARITY.match(squashed) else None


def normalise_company_number(value: str) -> str | None:
    """Companies House numbers are 8 characters; people often drop leading zeros."""
    squashed = _squash(value)
    if squashed.isdigit() and 1 <= len(squashed) < 8:
        squashed = squashed.zfill(8)
    return squashed if _COMPANY.match(squashed) else None
