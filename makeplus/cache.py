"""The shared cache: Redis while it answers, this process's memory while it does not.

Redis holds what the API can lose or rebuild: throttle counters (login, questions, codes), cached reads.
Every node shares one Redis, so an outage must not take the nodes with it: a failed call switches this
process to a local-memory cache for ``retry_seconds`` (no waiting on a dead server on every request), then
Redis is tried again. Meanwhile limits count per process (looser by the number of workers) and
``/api/health/`` reports ``cache: degraded`` without failing the node.
"""

import hashlib
import logging
import os
import threading
import time
from pathlib import Path

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# Calls of the cache API that reach the server (BaseCache's others are built on these).
_CALLS = ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many", "delete_many", "clear")


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_seconds = float(options.pop("retry_seconds", 10))
        # A dead or unreachable server answers nothing: give up quickly instead of holding the request.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._local = LocMemCache(f"fallback:{server}", {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._down_until = 0.0

    @property
    def degraded(self) -> bool:
        """True while this process works from its local fallback."""
        return time.monotonic() < self._down_until

    def _call(self, name: str, *args, **kwargs):
        if not self.degraded:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except (redis.ConnectionError, redis.TimeoutError) as error:
                logger.warning("Redis unreachable (%s): local cache for %ss", error, self.retry_seconds)
                self._down_until = time.monotonic() + self.retry_seconds
        return getattr(self._local, name)(*args, **kwargs)


def _delegate(name: str):
    def method(self, *args, **kwargs):
        return self._call(name, *args, **kwargs)

    method.__name__ = name
    return method


for _name in _CALLS:
    setattr(ResilientRedisCache, _name, _delegate(_name))


class VersionFiles(BaseCache):
    """Short strings shared by every process of one host, one small file each: the read cache's version tokens
    when there is no Redis (makeplus/read_cache.py). Django's FileBasedCache would pickle each value and list
    the whole directory on every write (its culling); tokens need neither: they never expire, only get
    replaced. Writes are atomic (a new file renamed or linked into place)."""

    def __init__(self, location, params):
        super().__init__(params)
        self.folder = Path(location)
        self.folder.mkdir(parents=True, exist_ok=True)

    def _path(self, key, version=None) -> Path:
        key = self.make_and_validate_key(key, version=version)
        return self.folder / hashlib.sha256(key.encode()).hexdigest()

    def _staged(self, path: Path, value) -> Path:
        staged = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.new")
        staged.write_text(str(value))
        return staged

    def get(self, key, default=None, version=None):
        try:
            return self._path(key, version).read_text()
        except FileNotFoundError:
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        path = self._path(key, version)
        os.replace(self._staged(path, value), path)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        path = self._path(key, version)
        staged = self._staged(path, value)
        try:
            os.link(staged, path)  # fails when the key exists: first writer wins
        except FileExistsError:
            return False
        finally:
            staged.unlink()
        return True

    def delete(self, key, version=None):
        try:
            self._path(key, version).unlink()
        except FileNotFoundError:
            return False
        return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self.has_key(key, version=version)

    def clear(self):
        for path in self.folder.iterdir():
            path.unlink(missing_ok=True)
