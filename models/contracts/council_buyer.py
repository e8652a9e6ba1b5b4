"""Which releases in an Open Contracting file are this council's own: the rule that keeps
another buyer's contracts (the Ministry of Defence's, Merton's...) out of the platform.

The council is known by its organisation identifiers (org-id.guide style, as OCDS writes
them: "GB-LAE-BEN", Contracts Finder's "GB-CFS-12345", or the Government Organisation
Register's "GB-GOR-...") and by its names ("Brent Council", "London Borough of Brent"), both
an administrator's settings. A release is the council's when its buyer (the `buyer`
reference, or a party with the role `buyer`) carries one of those identifiers or one of
those names. Names are compared after normalising the words councils are written with:
"Brent Council", "London Borough of Brent", "The Mayor and Burgesses of the London Borough
of Brent" and "LONDON BOROUGH OF BRENT" are all "brent"; "Brentwood Borough Council" is not.

`buyer_of` and `CouncilBuyer.matches` are pure (no session); `council_buyer` reads the
settings and `save_council_buyer` writes them."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

IDS_SETTING = "council_buyer_ids"
NAMES_SETTING = "council_buyer_names"
MAX_ENTRIES = 100
MAX_ENTRY_LENGTH = 200

# Brent's, for the demo (the council's identifier in the org-id.guide Local Authorities
# (England) list, and the names it publishes under).
BRENT_IDS = ("GB-LAE-BEN",)
BRENT_NAMES = ("Brent Council", "London Borough of Brent")

_PREFIX = re.compile(
    r"^(?:the\s+)?(?:mayor\s+and\s+burgesses\s+of\s+(?:the\s+)?)?(?:council\s+of\s+(?:the\s+)?)?"
    r"(?:(?:london|royal)\s+borough\s+(?:council\s+)?of\s+|borough\s+(?:council\s+)?of\s+|city\s+of\s+|lb\s+(?:of\s+)?)?"
)
_SUFFIX = re.compile(r"\s+(?:london\s+)?(?:metropolitan\s+)?(?:(?:borough|city|county|district)\s+)?council$")


def normalise_name(name: str) -> str:
    """The name as compared: lower case, "&" as "and", no punctuation, and without the
    words around a council's place name ("London Borough of", "Council", "The")."""
    text = html.unescape(name).casefold().replace("&", " and ")
    text = re.sub(r"['\u2019`]", "", text)
    text = " ".join(re.sub(r"[^\w\s]", " ", text).split())
    core = _SUFFIX.sub("", _PREFIX.sub("", text, count=1), count=1).strip()
    return core or text


def normalise_id(identifier: str) -> str:
    return "".join(str(identifier).split()).casefold()


def clean_entries(lines: Iterable[str]) -> list[str]:
    """Non-empty, stripped, each once (the first spelling kept)."""
    seen: set[str] = set()
    entries = []
    for line in lines:
        entry = " ".join(str(line).split())
        if entry and entry.casefold() not in seen:
            seen.add(entry.casefold())
            entries.append(entry)
    return entries


@dataclass(frozen=True)
class ReleaseBuyer:
    """Who a release says bought: every identifier and name given for its buyer."""

    ids: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.names[0] if self.names else (self.ids[0] if self.ids else "")


@dataclass(frozen=True)
class CouncilBuyer:
    ids: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    _ids: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)
    _names: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ids", frozenset(normalise_id(item) for item in self.ids))
        object.__setattr__(self, "_names", frozenset(normalise_name(item) for item in self.names))

    @property
    def configured(self) -> bool:
        return bool(self.ids or self.names)

    def matches(self, buyer: ReleaseBuyer) -> bool:
        return any(normalise_id(item) in self._ids for item in buyer.ids) or any(
            normalise_name(item) in self._names for item in buyer.names
        )

    def as_dict(self) -> dict[str, list[str]]:
        return {"ids": list(self.ids), "names": list(self.names)}


def _text(value: Any) -> str:
    return " ".join(html.unescape(value).split()) if isinstance(value, str) else ""


def _identifier(value: Any) -> str:
    """"GB-COH-01234567" from {"scheme": "GB-COH", "id": "01234567"}."""
    if not isinstance(value, dict):
        return ""
    scheme, uid = _text(value.get("scheme")), _text(str(value.get("id") or ""))
    return f"{scheme}-{uid}" if scheme and uid else ""


def buyer_of(release: dict[str, Any]) -> ReleaseBuyer:
    """The buyer's identifiers and names, from `buyer` and the parties that are it (the
    party the reference points to, and any party with the role `buyer`)."""
    reference = release.get("buyer") if isinstance(release.get("buyer"), dict) else {}
    reference_id = _text(str(reference.get("id"))) if reference.get("id") is not None else ""
    ids: list[str] = [reference_id] if reference_id else []
    names: list[str] = [_text(reference.get("name"))]
    parties = release.get("parties") if isinstance(release.get("parties"), list) else []
    for party in parties:
        if not isinstance(party, dict):
            continue
        roles = party.get("roles") if isinstance(party.get("roles"), list) else []
        party_id = _text(str(party.get("id"))) if party.get("id") is not None else ""
        if "buyer" not in roles and not (reference_id and party_id == reference_id):
            continue
        ids.append(party_id)
        names.append(_text(party.get("name")))
        identifier = party.get("identifier")
        ids.append(_identifier(identifier))
        if isinstance(identifier, dict):
            names.append(_text(identifier.get("legalName")))
        extra = party.get("additionalIdentifiers") if isinstance(party.get("additionalIdentifiers"), list) else []
        for item in extra:
            ids.append(_identifier(item))
            if isinstance(item, dict):
                names.append(_text(item.get("legalName")))
    return ReleaseBuyer(ids=tuple(clean_entries(ids)), names=tuple(clean_entries(names)))


# The settings (the session) --------------------------------------------------------------


def _lines(value: str | None) -> tuple[str, ...]:
    return tuple(clean_entries((value or "").splitlines()))


def council_buyer() -> CouncilBuyer:
    """The council as a buyer, from the administrator's settings (nothing when unset: then
    no release is this council's, and the import's preview says why)."""
    from models.core.settings import get_setting

    return CouncilBuyer(ids=_lines(get_setting(IDS_SETTING)), names=_lines(get_setting(NAMES_SETTING)))


def validate_entries(entries: list[str], what: str, field_name: str) -> None:
    from models import DomainError

    if len(entries) > MAX_ENTRIES:
        raise DomainError(f"Enter at most {MAX_ENTRIES} {what}, one a line", field=field_name)
    for entry in entries:
        if len(entry) > MAX_ENTRY_LENGTH:
            raise DomainError(f"Each of the {what} must be {MAX_ENTRY_LENGTH} characters or fewer", field=field_name)


def save_council_buyer(ids: Iterable[str], names: Iterable[str]) -> CouncilBuyer:
    """Store the council's buyer identifiers and names (the caller records the event and
    commits, with the other settings)."""
    from models.core.settings import set_setting

    clean_ids, clean_names = clean_entries(ids), clean_entries(names)
    validate_entries(clean_ids, "identifiers", "council_buyer_ids")
    validate_entries(clean_names, "names", "council_buyer_names")
    set_setting(IDS_SETTING, "\n".join(clean_ids))
    set_setting(NAMES_SETTING, "\n".join(clean_names))
    return CouncilBuyer(ids=tuple(clean_ids), names=tuple(clean_names))
