"""Header fields of outgoing email, written so that the standards' parsers read them:
one line of text per value (RFC 5322: no CR or LF inside a field body), the list fields
as plain ASCII (RFC 2369 List-Unsubscribe, RFC 8058 List-Unsubscribe-Post, RFC 2919
List-Id, RFC 3834 Auto-Submitted), folded only at white space and never past 998
octets a line.

Pure: no Flask, no session (only the standard library's email package).
"""

from __future__ import annotations

import re
from email.header import Header
from email.message import EmailMessage
from email.policy import default
from ipaddress import ip_address
from urllib.parse import urlsplit

# How outgoing messages are written. `refold_source="none"` keeps a value set with
# set_raw() exactly as given: the default policy re-folds any line over 78 characters
# and, where there is no white space to fold at (a long unsubscribe URL), MIME-encodes
# it (=?utf-8?q?=3Chttp...), which mail programs do not read as a List-Unsubscribe.
OUTGOING = default.clone(refold_source="none")

# Every character that would end a header line or that has no business in one: C0 and
# C1 controls (CR, LF, tab, NEL...) and Unicode's line and paragraph separators, which
# Python's str.splitlines() (and so the email package) also treats as line breaks.
_BREAKS = re.compile(r"\s*[\x00-\x1f\x7f-\x9f\u2028\u2029]+\s*")
# RFC 5322 section 2.2: a field name is printable US-ASCII except the colon.
_FIELD_NAME = re.compile(r"[\x21-\x39\x3b-\x7e]+")
# RFC 5322 atext: what a phrase word may hold without quotes.
_ATEXT_PHRASE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+")
MAX_LINE = 998  # RFC 5322 section 2.1.1, excluding the CRLF
FOLD_AT = 78  # the SHOULD of the same section

# Fields written byte for byte as plain ASCII: their readers do not decode MIME words.
PLAIN_ASCII_FIELDS = frozenset({"list-unsubscribe", "list-unsubscribe-post", "list-id", "auto-submitted"})


def header_text(value: object) -> str:
    """A header field value on one line: each run of line breaks and other control
    characters (and the spaces around it) becomes one space; no space at either end.
    A need titled "Laptops\\r\\nBcc: x" gives the subject "Laptops Bcc: x", not a header."""
    return _BREAKS.sub(" ", str(value)).strip()


def fold(name: str, value: str, width: int = FOLD_AT) -> str:
    """`value` folded at its spaces so that each line of `Name: value` fits `width`
    where it can (a line may run longer only when one word does); continuation lines
    start with a space. Raises ValueError for a line over 998 octets."""
    lines: list[str] = []
    line = f"{name}:"
    for word in value.split(" "):
        if line != f"{name}:" and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = ""
        line += " " + word
    lines.append(line)
    too_long = [len(text) for text in lines if len(text) > MAX_LINE]
    if too_long:
        raise ValueError(f"{name} would need a line of {too_long[0]} characters; RFC 5322 allows {MAX_LINE}")
    return "\n".join(lines)[len(name) + 2 :]


def set_header(mime: EmailMessage, name: str, value: object) -> None:
    """Add one header field to a message built with OUTGOING. The value is put on one
    line first; the list fields are checked to be ASCII and written as they are.
    Raises ValueError for what cannot be written (the message then cannot be sent)."""
    if not _FIELD_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a header field name (RFC 5322 section 2.2)")
    text = header_text(value)
    if name.lower() not in PLAIN_ASCII_FIELDS:
        mime[name] = text
        return
    if not text.isascii():
        raise ValueError(f"{name} must be plain ASCII, not {text!r}")
    mime.set_raw(name, fold(name, text))


def list_unsubscribe(uris: list[str]) -> str:
    """The List-Unsubscribe field body (RFC 2369): each URI in angle brackets, most
    preferred first, separated by a comma and a space (where a long field is folded)."""
    for uri in uris:
        if not uri.isascii() or re.search(r"[\s<>,\x00-\x1f\x7f]", uri):
            raise ValueError(f"{uri!r} cannot go in List-Unsubscribe: URIs there are ASCII without spaces, '<', '>' or ','")
    return ", ".join(f"<{uri}>" for uri in uris)


def list_namespace(base_url: str) -> str:
    """The domain a List-Id is unique within (RFC 2919): the host of the site's
    address; "localhost" (the RFC's unqualified namespace) for an IP address or a
    host that is not a domain name."""
    host = (urlsplit(base_url).hostname or "").lower().rstrip(".")
    try:
        ip_address(host)
        return "localhost"
    except ValueError:
        pass
    if "." not in host or not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", host):
        return "localhost"
    return host


def list_id(description: str, label: str, base_url: str) -> str:
    """A List-Id field body (RFC 2919): `description <label.namespace>`. The description
    is a phrase: written as it is when it is only words, as a quoted string when it has
    other characters, and as MIME encoded words (RFC 2047 section 5) when it is not ASCII."""
    if not re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", label):
        raise ValueError(f"{label!r} is not a list label")
    description = header_text(description)
    if not description:
        return f"<{label}.{list_namespace(base_url)}>"
    if not description.isascii():
        phrase = " ".join(Header(description, "utf-8").encode(linesep=" ").split())
    elif _ATEXT_PHRASE.fullmatch(description):
        phrase = description
    else:
        phrase = '"' + description.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{phrase} <{label}.{list_namespace(base_url)}>"
