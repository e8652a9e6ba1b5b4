"""Letter codes: an officer asks for letters to a ward's postcodes (a number per postcode);
a job makes single-use codes and prints them, one letter a page; a resident votes at /vote
with the code and their postcode, without an account, and can change the vote until close.

A code is never stored: only its HMAC (key: the app's SECRET_KEY), so a code typed in can
be found, and a copy of the database gives no codes away. The codes exist in clear only in
the letters PDF. A code belongs to one round and one postcode (of the round's ward); one
ballot per code and round is a unique constraint on the ballots."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String, Text, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import DomainError, PermissionDenied, db, utcnow
from models.core.events import record_event
from models.people.permissions import require_officer
from models.places.postcodes import normalise_postcode
from models.voting.models import Ballot, Round, RoundState
from models.voting.setup import OFFICERS_RUN_ROUNDS

if TYPE_CHECKING:
    from models.people.accounts import User

# No 0/O, 1/I/L, 5/S, 2/Z: read off paper and typed in without confusion.
CODE_ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 12  # 27**12, about 1.5e17 codes
MAX_LETTERS = 20_000  # in one batch
MAX_PER_POSTCODE = 500


class LetterBatch(db.Model):
    __tablename__ = "letter_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id", ondelete="SET NULL"))
    postcodes: Mapped[dict] = mapped_column(JSON)  # {"NW10 8AB": 12, ...}
    letters: Mapped[int] = mapped_column(default=0)
    in_person: Mapped[str] = mapped_column(Text, default="")  # where to vote in person, as printed
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    printed_at: Mapped[datetime | None]  # when the job made the codes and the PDF
    task_id: Mapped[str | None] = mapped_column(String(64))

    round: Mapped[Round] = relationship()


class LetterCode(db.Model):
    __tablename__ = "letter_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("letter_batches.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    postcode: Mapped[str] = mapped_column(String(8))


# ---------------------------------------------------------------- codes


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def shown(code: str) -> str:
    """How a code is printed: 'ABCD-EFGH-JKMN'."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(typed: str) -> str | None:
    """What a person typed ('abcd efgh-jkmn') as a code, or None when it cannot be one."""
    squashed = re.sub(r"[\s\-]", "", typed or "").upper()
    if len(squashed) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in squashed):
        return None
    return squashed


def code_hash(secret: str, code: str) -> str:
    return hmac.new(secret.encode(), f"letter-code:{code}".encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- officers: letters


def parse_postcode_counts(round_: Round, text: str, every_other: int) -> dict[str, int]:
    """Lines "NW10 8AB 12" (a postcode of the round's ward and how many letters), and a number
    for every other postcode of the ward."""
    from models.places.wards import Postcode

    if round_.ward_id is None:
        raise DomainError("Letters go to the postcodes of one ward: this round is borough-wide")
    ward_postcodes = set(db.session.scalars(select(Postcode.postcode).where(Postcode.ward_id == round_.ward_id)))
    counts: dict[str, int] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = re.fullmatch(r"(.+?)[\s,;]+(\d{1,6})", line)
        if not match:
            raise DomainError(f"Line {number}: write a postcode and a number, like “NW10 8AB 12”", "postcodes")
        postcode = normalise_postcode(match.group(1))
        if postcode is None or postcode not in ward_postcodes:
            raise DomainError(f"Line {number}: “{match.group(1)[:12]}” is not a postcode in {round_.area_name}", "postcodes")
        if postcode in counts:
            raise DomainError(f"Line {number}: {postcode} is already on line above", "postcodes")
        counts[postcode] = int(match.group(2))
    if every_other:
        for postcode in ward_postcodes - counts.keys():
            counts[postcode] = every_other
    counts = {postcode: n for postcode, n in sorted(counts.items()) if n > 0}
    if any(n > MAX_PER_POSTCODE for n in counts.values()):
        raise DomainError(f"Ask for at most {MAX_PER_POSTCODE} letters for one postcode", "postcodes")
    total = sum(counts.values())
    if total == 0:
        raise DomainError("Ask for at least one letter", "postcodes")
    if total > MAX_LETTERS:
        raise DomainError(f"That is {total:,} letters: ask for at most {MAX_LETTERS:,} at a time", "postcodes")
    return counts


def request_letters(round_: Round, officer: "User", text: str, every_other: int, in_person: str) -> LetterBatch:
    """Record what to print; the job (workers/letters.py) makes the codes and the PDF."""
    require_officer(officer, OFFICERS_RUN_ROUNDS)
    if round_.state not in (RoundState.DRAFT.value, RoundState.OPEN.value):
        raise DomainError("Voting has closed: letters can be printed for a draft or open round")
    counts = parse_postcode_counts(round_, text, every_other)
    batch = LetterBatch(
        round_id=round_.id, ward_id=round_.ward_id, postcodes=counts, letters=sum(counts.values()),
        in_person=(in_person or "").strip()[:2000], created_by_id=officer.id,
    )
    db.session.add(batch)
    db.session.flush()
    record_event("round.letters_requested", round_, actor=officer, detail={"batch": batch.id, "letters": batch.letters})
    return batch


@dataclass(frozen=True)
class Letter:
    postcode: str
    code: str  # as printed


def make_codes(batch: LetterBatch, secret: str) -> list[Letter]:
    """Make the batch's codes (hashes stored, codes returned once, for printing)."""
    letters = [Letter(postcode, new_code()) for postcode, n in batch.postcodes.items() for _ in range(n)]
    db.session.execute(
        insert(LetterCode),
        [{"round_id": batch.round_id, "batch_id": batch.id, "code_hash": code_hash(secret, letter.code), "postcode": letter.postcode}
         for letter in letters],
    )
    batch.printed_at = utcnow()
    record_event("round.letters_printed", batch.round, detail={"batch": batch.id, "letters": len(letters)})
    return [Letter(letter.postcode, shown(letter.code)) for letter in letters]


def letter_batches(round_id: int) -> list[LetterBatch]:
    return list(db.session.scalars(select(LetterBatch).where(LetterBatch.round_id == round_id).order_by(LetterBatch.id)))


def codes_used(round_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id, Ballot.kind == "code")) or 0


# ---------------------------------------------------------------- residents: voting by code

WRONG_CODE = "Check the code and postcode: they do not match a letter for a vote that is open"


def find_code(secret: str, typed_code: str, typed_postcode: str) -> LetterCode:
    """The letter code for what was typed, or a DomainError that says the same thing whatever
    was wrong (no code, another postcode), so guesses learn nothing."""
    code = normalise_code(typed_code)
    postcode = normalise_postcode(typed_postcode)
    if code is None:
        raise DomainError("Enter the 12-character code from your letter", "code")
    if postcode is None:
        raise DomainError("Enter your postcode, like NW10 8AB", "postcode")
    found = db.session.scalar(select(LetterCode).where(LetterCode.code_hash == code_hash(secret, code)))
    if found is None or not hmac.compare_digest(found.postcode, postcode):
        raise DomainError(WRONG_CODE, "code")
    return found


def code_round(letter: LetterCode, now: datetime, round_id: int | None = None) -> Round:
    """The round a code votes in, if it is taking votes (and is the one asked for)."""
    round_ = db.session.get(Round, letter.round_id)
    if round_id is not None and round_id != letter.round_id:
        raise PermissionDenied("This code is for another vote")
    if round_.ward_id is not None and db.session.get(LetterBatch, letter.batch_id).ward_id != round_.ward_id:
        raise PermissionDenied("This code is for another ward")
    if not round_.accepting_votes(now):
        raise PermissionDenied("Voting is not open in the vote this code is for" if now < round_.closes_at else "Voting has closed")
    return round_


def code_ballot(letter: LetterCode) -> Ballot | None:
    return db.session.scalar(select(Ballot).where(Ballot.round_id == letter.round_id, Ballot.letter_code_id == letter.id))


def cast_code_ballot(letter: LetterCode, option_ids: list[int], now: datetime, identity: str | None) -> "Ballot | object":
    """Record or change the code's ballot (a BallotConflict when the same person has voted
    another way)."""
    from models.voting.ballots import check_choices
    from models.voting.identity import place_ballot
    from models.voting.setup import _lock_round

    round_ = code_round(letter, now)
    round_ = _lock_round(round_)
    round_ = code_round(letter, now)
    chosen = check_choices(round_, option_ids)
    own = db.session.scalar(
        select(Ballot).where(Ballot.round_id == round_.id, Ballot.letter_code_id == letter.id).with_for_update()
    )
    return place_ballot(round_, chosen, now, kind="code", identity=identity, own=own, letter_code_id=letter.id)
