"""UK postcode normalisation. Pure: no Flask, no session."""

from __future__ import annotations

import re

# Outward code (area, district) and inward code (sector, unit), per the Royal Mail format.
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


def normalise_postcode(value: str | None) -> str | None:
    """'ha01ab', ' HA0 1AB ' -> 'HA0 1AB'; None when it cannot be a postcode."""
    if not value:
        return None
    squashed = re.sub(r"[^A-Za-z0-9]", "", value).upper()
    if len(squashed) > 7:
        return None
    match = _POSTCODE.match(squashed)
    if not match:
        return None
    return f"{match.group(1)} {match.group(2)}"
