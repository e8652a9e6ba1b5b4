"""Council-wide settings an administrator can change (name, live-need cap, ...)."""

from __future__ import annotations

from sqlalchemy import String, Text, event, select
from sqlalchemy.orm import Session
from sqlalchemy.orm import Mapped, mapped_column

from models import db


class Setting(db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def _cache() -> dict[str, str]:
    """All settings, read once per session (one request or job): lists that show a
    status per row must not query per row."""
    cache = db.session.info.get("settings")
    if cache is None:
        cache = dict(db.session.execute(select(Setting.key, Setting.value)).all())
        db.session.info["settings"] = cache
    return cache


def get_setting(key: str, default: str | None = None) -> str | None:
    value = _cache().get(key)
    return default if value is None else value


def get_int_setting(key: str, default: int) -> int:
    try:
        return int(get_setting(key) or default)
    except ValueError:
        return default


def set_setting(key: str, value: str) -> None:
    setting = db.session.get(Setting, key)
    if setting is None:
        db.session.add(Setting(key=key, value=value))
    else:
        setting.value = value
    db.session.info.pop("settings", None)  # read again, within this transaction


@event.listens_for(Session, "after_rollback")
def _forget_settings(session: Session) -> None:
    session.info.pop("settings", None)
