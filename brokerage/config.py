"""Settings read from the environment when create_app runs (never at import)."""

from __future__ import annotations

import hashlib

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit


def parse_boolean(value: str | None, default: bool = False) -> bool:
    if value is None or value.strip() == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def int_or_none(value: str | None) -> int | None:
    if value is None or value.strip() == "":
        return None
    return int(value)


def proxy_count(value: str | None) -> int:
    """How many proxies in front of the app to trust (PROXY_COUNT): none unless told."""
    try:
        count = int_or_none(value) or 0
    except ValueError:
        raise ValueError(f"PROXY_COUNT must be a whole number of proxies, not {value!r}") from None
    if count < 0:
        raise ValueError(f"PROXY_COUNT must be 0 or more, not {value!r}")
    return count


def seconds(env: Mapping[str, str], name: str, default: float, unit: str = "seconds") -> float:
    """A positive number of seconds (or another unit; fractions allowed) from the environment."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of {unit}, not {raw!r}") from None
    if not value > 0:
        raise ValueError(f"{name} must be more than 0 {unit}, not {raw!r}")
    return value


def whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} must be 0 or more, not {raw!r}")
    return value


def identifier_prefix(value: str | None, default: str, starts: str) -> str:
    """An identifier prefix for open data, which must start as its standard says."""
    value = (value or "").strip() or default
    if not value.startswith(starts):
        raise ValueError(f"{value!r} must start with {starts!r}")
    return value


def languages(value: str | None) -> list[str]:
    """LANGUAGES=en,cy: the languages the service offers, the first the default. Each needs a
    catalogue in brokerage/translations/<code>/ (English, the source language, needs none)."""
    codes = [code.strip() for code in (value or "en,cy").split(",") if code.strip()]
    for code in codes:
        if not code.replace("_", "").isalnum():
            raise ValueError(f"LANGUAGES must be language codes separated by commas, not {value!r}")
    return codes or ["en"]


def database_url(raw: str | None, instance_path: str) -> str:
    """The SQLAlchemy URL: DATABASE_URL, normalised to psycopg 3, or a SQLite file."""
    if not raw:
        return f"sqlite:///{Path(instance_path) / 'brokerage.db'}"
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://") :]
    if raw.startswith("postgresql://"):
        raw = "postgresql+psycopg://" + raw[len("postgresql://") :]
    return raw


def development_secret_key(instance_path: str) -> str:
    """A key kept in instance/ so development sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def email_base_url(raw: str | None, production: bool) -> str:
    """BASE_URL, the public address that links in email start with. In production it
    must be https: one-click unsubscribe (RFC 8058) needs an HTTPS URI, and a sign-in
    or password-reset link over plain HTTP would give the token away."""
    value = (raw or "").strip().rstrip("/")
    if not value:
        if production:
            raise RuntimeError(
                "BASE_URL must be set in production (APP_ENV=production): the public https:// address "
                "that links in email point at, for example BASE_URL=https://social-value.example.gov.uk"
            )
        return "http://127.0.0.1:5000"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuntimeError(f"BASE_URL must be an http:// or https:// address with a host name, not {value!r}")
    if production and parts.scheme != "https":
        raise RuntimeError(
            f"BASE_URL must start with https:// in production (APP_ENV=production), not {value!r}: "
            "one-click unsubscribe links in email must use HTTPS (RFC 8058), and so must sign-in links"
        )
    return value


def identity_hash_key(raw: str | None, secret_key: str, production: bool) -> str:
    """IDENTITY_HASH_KEY, required in production; elsewhere derived from SECRET_KEY."""
    value = (raw or "").strip()
    if value:
        if len(value) < 32:
            raise RuntimeError("IDENTITY_HASH_KEY must be at least 32 characters long")
        return value
    if production:
        raise RuntimeError(
            "IDENTITY_HASH_KEY must be set in production (APP_ENV=production): the key that hashes voters' names, "
            "dates of birth and postcodes. Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return hashlib.sha256(f"identity-hash:{secret_key}".encode()).hexdigest()


def from_environment(env: Mapping[str, str], instance_path: str) -> dict:
    app_env = env.get("APP_ENV", "production").strip().lower()
    if app_env not in {"production", "development", "test"}:
        raise ValueError("APP_ENV must be production, development or test")
    development = app_env != "production"

    secret_key = env.get("SECRET_KEY")
    if not secret_key:
        if not development:
            raise RuntimeError(
                "SECRET_KEY must be set in production (APP_ENV=production). "
                "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        secret_key = development_secret_key(instance_path)

    mail_port = int_or_none(env.get("MAIL_PORT")) or 25
    return {
        "APP_ENV": app_env,
        "SECRET_KEY": secret_key,
        "COUNCIL_NAME": env.get("COUNCIL_NAME", "Brent Council"),
        "SERVICE_NAME": env.get("SERVICE_NAME", "Social value exchange"),
        "LANGUAGES": languages(env.get("LANGUAGES")),
        "SERVER_NAME_FOR_EMAIL": email_base_url(env.get("BASE_URL"), production=not development),
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL"), instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": env.get("REDIS_URL") or None,
        "RQ_ASYNC": True,
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": mail_port,
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": parse_boolean(env.get("MAIL_USE_TLS"), default=False),
        "MAIL_USE_SSL": parse_boolean(env.get("MAIL_USE_SSL"), default=False),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "social-value@example.org"),
        "MAIL_OUTBOX_DIR": os.path.join(instance_path, "outbox"),
        "MAIL_UNSUBSCRIBE_ADDRESS": env.get("MAIL_UNSUBSCRIBE_ADDRESS") or None,
        "DIGEST_BATCH_SIZE": int_or_none(env.get("DIGEST_BATCH_SIZE")) or 200,
        "DIGEST_PART_SIZE": int_or_none(env.get("DIGEST_PART_SIZE")) or 5_000,
        "UPLOAD_DIR": env.get("UPLOAD_DIR") or os.path.join(instance_path, "uploads"),
        "MAX_CONTENT_LENGTH": (int_or_none(env.get("MAX_UPLOAD_MB")) or 10) * 1024 * 1024,
        "EMAIL_TOKEN_MAX_AGE": int_or_none(env.get("EMAIL_TOKEN_MAX_AGE")) or 3 * 24 * 3600,
        "RESET_TOKEN_MAX_AGE": int_or_none(env.get("RESET_TOKEN_MAX_AGE")) or 3600,
        "RATELIMIT_ENABLED": parse_boolean(env.get("RATELIMIT_ENABLED"), default=True),
        # Move everything the app made at start-up out of the garbage collector's sight
        # (gc.freeze): otherwise every so often a full collection walks those objects during a
        # request, 100-150 ms of CPU that sets the pages' 95th percentile. Off in tests, which
        # build many apps in one process.
        "GC_FREEZE": parse_boolean(env.get("GC_FREEZE"), default=app_env != "test"),
        # Public pages kept ready for signed-out readers (brokerage/page_cache.py): on or off,
        # how long a kept page may serve what depends on the clock alone, and how many pages
        # each web process keeps.
        "PAGE_CACHE": parse_boolean(env.get("PAGE_CACHE"), default=True),
        "PAGE_CACHE_SECONDS": seconds(env, "PAGE_CACHE_SECONDS", 60),
        "PAGE_CACHE_ENTRIES": whole_number(env, "PAGE_CACHE_ENTRIES", 500),
        # Sign-in attempts: per (email address, IP address) pair, so nobody elsewhere can lock
        # an account out; per IP address, higher (one address trying many accounts); and per
        # email address from every IP together, highest (guessing from many machines). When an
        # address is throttled its owner can ask for a sign-in link by email.
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        "LOGIN_IP_RATE_LIMIT": env.get("LOGIN_IP_RATE_LIMIT", "30 per minute;300 per hour"),
        "LOGIN_ADDRESS_RATE_LIMIT": env.get("LOGIN_ADDRESS_RATE_LIMIT", "100 per hour"),
        "SIGN_IN_LINK_MAX_AGE": int_or_none(env.get("SIGN_IN_LINK_MAX_AGE")) or 15 * 60,
        # With Redis unreachable the rate limits are kept in each process's memory (and logged)
        # rather than failing the request.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Proxies in front of the app whose X-Forwarded-For and X-Forwarded-Proto are trusted
        # (a router, a load balancer). With none, anyone could write those headers.
        "PROXY_COUNT": proxy_count(env.get("PROXY_COUNT")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not development,
        "REMEMBER_COOKIE_SECURE": not development,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=whole_number(env, "REMEMBER_COOKIE_DAYS", 30)),
        # Officer and administrator pages ask for the password again when the sign-in is older
        # than this, or was restored from the "keep me signed in" cookie.
        "REAUTH_AFTER_HOURS": seconds(env, "REAUTH_AFTER_HOURS", 12, unit="hours"),
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "PREFERRED_URL_SCHEME": "http" if development else "https",
        # Open data: the 360Giving grant identifier prefix, the OCDS ocid prefix and the
        # council's organisation identifier (org-id.guide) as buyer and publisher.
        "OPEN_DATA_GRANT_PREFIX": identifier_prefix(env.get("OPEN_DATA_GRANT_PREFIX"), "360G-brent-sv-", "360G-"),
        "OPEN_DATA_OCID_PREFIX": identifier_prefix(env.get("OPEN_DATA_OCID_PREFIX"), "ocds-brentsv-", "ocds-"),
        "COUNCIL_ORG_ID": env.get("COUNCIL_ORG_ID", "").strip() or "GB-LAE-BEN",
        # The key of the voters' identity hash (de-duplication across voting channels):
        # its own secret, so that rotating SECRET_KEY does not make everyone a new person.
        "IDENTITY_HASH_KEY": identity_hash_key(env.get("IDENTITY_HASH_KEY"), secret_key, production=not development),
        # `flask worker` (brokerage/supervisor.py, brokerage/worker.py): how often an idle RQ
        # worker reports that it is alive (and checks that RQ's scheduler runs); the first and
        # the longest wait before restarting a process that died or reconnecting to Redis; how
        # many times in a row a process may die soon after starting before the worker gives up
        # and exits non-zero.
        "WORKER_HEARTBEAT_SECONDS": seconds(env, "WORKER_HEARTBEAT_SECONDS", 30),
        "WORKER_BACKOFF_SECONDS": seconds(env, "WORKER_BACKOFF_SECONDS", 1),
        "WORKER_BACKOFF_MAX_SECONDS": seconds(env, "WORKER_BACKOFF_MAX_SECONDS", 60),
        "WORKER_MAX_RESTARTS": whole_number(env, "WORKER_MAX_RESTARTS", 5),
        # /readyz: the newest worker heartbeat and the cron's last run must be younger than these.
        "HEALTH_WORKER_MAX_AGE": seconds(env, "HEALTH_WORKER_MAX_AGE", 300),
        "HEALTH_CRON_MAX_AGE": seconds(env, "HEALTH_CRON_MAX_AGE", 300),
        # Other times for periodic jobs: "match_all_commitments=0 1 * * *;optimise_database=45 3 * * *".
        "PERIODIC_SCHEDULE": (env.get("PERIODIC_SCHEDULE") or "").strip(),
    }
