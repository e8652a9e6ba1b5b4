"""Rounds as Pabulib files: import a real election as a round, export any round
as open data (anonymised voter ids, a `selected` column). The file format itself
is models/pabulib.py."""

from __future__ import annotations

from models.rounds import Round


def export_round_pb(round_: Round, secret: str) -> str:
    raise NotImplementedError

MAX_PB_BYTES = 50 * 1024 * 1024


def import_pb_round(data: bytes, officer) -> object:
    raise NotImplementedError
