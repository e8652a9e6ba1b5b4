"""Reading English that models/ stored from a known wording back into its values, so a page
can show it in the reader's language (issue 21): the English wording is the msgid, its
`%(name)s` placeholders the values."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1024)
def wording_pattern(wording: str) -> re.Pattern:
    """A regular expression matching `wording % values` for any values, each placeholder a named group."""
    parts = re.split(r"%\((\w+)\)[sd]", wording.replace("%%", "%"))
    return re.compile("".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)" for index, part in enumerate(parts)), re.S)


def read_back(wording: str, text: str) -> dict[str, str] | None:
    """The values `wording % values` was made from, if `text` has its shape; else None."""
    found = wording_pattern(wording).fullmatch(text)
    return found.groupdict() if found else None
