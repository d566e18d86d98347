"""Atomic operations on the shared cache: one Redis client per process, Lua scripts.

Django's RedisCache builds a new client object for every call, which costs more
than the round trip itself with redis-py 8, and it has no atomic
read-modify-write beyond `incr` (which is `EXISTS` then `INCR`: a counter that
expires in between comes back without an expiry). Code that must count
race-free across workers (the verification rate limit, login throttling) runs a
Lua script through one long-lived client instead, with keys made by the cache
(prefix and version), so that `cache.clear()` and the cache's own calls see the
same entries. When the default cache is not Redis, `redis_client()` is None and
the caller falls back to the cache API (one process: the local-memory cache).
"""

from __future__ import annotations

import redis
from django.conf import settings

REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"

_clients: dict[str, redis.Redis] = {}
_scripts: dict[tuple[int, str], object] = {}


def redis_client() -> redis.Redis | None:
    """The process's client of the default cache's Redis server, or None when it is no Redis."""
    config = settings.CACHES["default"]
    if config["BACKEND"] != REDIS_BACKEND:
        return None
    location = config["LOCATION"]
    server = location.split(",")[0] if isinstance(location, str) else location[0]
    client = _clients.get(server)
    if client is None:
        client = _clients[server] = redis.Redis.from_url(server)
    return client


def run_script(client: redis.Redis, source: str, *, keys: list[str], args: list):
    """Run the Lua `source` (registered once per client: EVALSHA after the first call)."""
    script = _scripts.get((id(client), source))
    if script is None:
        script = _scripts[(id(client), source)] = client.register_script(source)
    return script(keys=keys, args=args)  # type: ignore[operator]
