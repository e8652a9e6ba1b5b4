"""Password hashing (argon2id) and the strength rule. Pure: no Flask, no session."""

from __future__ import annotations

import re

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

MIN_LENGTH = 10
MAX_LENGTH = 128
# zxcvbn refuses longer input (ValueError) and slows down sharply before that:
# only the start of a long passphrase is scored.
SCORED_LENGTH = 72
MIN_SCORE = 3  # zxcvbn: 3 is "safely unguessable: moderate protection from offline attacks"

_hasher = PasswordHasher()


# Checked against when no account matches, so a failed sign-in takes as long either way.
DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$/3dmQViPvZgeEhKEPEhafw$FJb1xSuWXjXF78+03GwyQ2Fm2VgxwXS8k5u243JIhDc"


def use_fast_hashing_for_tests(enabled: bool) -> None:
    """argon2's cheapest profile, so a test suite that makes hundreds of accounts
    runs in seconds. Only create_app with APP_ENV=test turns this on."""
    global _hasher
    _hasher = PasswordHasher.from_parameters(profiles.CHEAPEST) if enabled else PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, user_inputs: list[str] | tuple[str, ...] = ()) -> str | None:
    """Why this password is not good enough, in words for the person, or None."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    # Each word of the name and address too: zxcvbn matches user inputs as whole
    # dictionary words, so "Amara Okafor" alone would not catch "okaforamara1".
    words = {word for value in user_inputs if value for word in re.split(r"[^\w]+", value.lower()) if len(word) > 2}
    result = zxcvbn(password[:SCORED_LENGTH], user_inputs=[*(value for value in user_inputs if value), *sorted(words)])
    if result["score"] < MIN_SCORE:
        warning = result["feedback"].get("warning") or "This password is too easy to guess"
        suggestions = " ".join(result["feedback"].get("suggestions") or [])
        advice = "Try 3 or 4 unrelated words, or a longer phrase."
        return f"{warning.rstrip('.')}. {suggestions or advice}".strip()
    return None
