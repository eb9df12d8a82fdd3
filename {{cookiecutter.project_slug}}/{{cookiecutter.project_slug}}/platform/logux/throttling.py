"""Wrong-secret throttling, keyed on the connecting address, counted in LOGUX_CACHE.

The count must be shared by every worker process, or each one lets its own
LOGUX_WRONG_SECRET_LIMIT through: the generated settings point LOGUX_CACHE at
Redis when REDIS_URL is set and at the database otherwise.

When that cache fails (Redis down), the secret is still checked and the
count degrades to this process alone, with a warning: an outage of the cache
never turns the endpoint into errors, and never switches the throttle off.

A request with the right secret from an address that passed less than
TRUSTED_FOR seconds ago in this process is not checked again: the Logux
server sends every command batch with it, and the check is a cache read (a
query without Redis). A wrong secret is always checked and counted, so the
number of guesses an address gets is unchanged; an address blocked by other
processes meanwhile is refused here at most TRUSTED_FOR seconds later.

``X-Forwarded-For`` is only believed when the connection comes from one of
LOGUX_TRUSTED_PROXIES: anyone can write that header.
"""

import ipaddress
import logging
import threading
import time

from django.core.cache import caches

from . import conf

logger = logging.getLogger(__name__)
TRUSTED_FOR = 1.0  # seconds
_passed = {}  # address -> time.monotonic() of its last request with the right secret


def client_address(request):
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = conf.trusted_proxies()
    if not proxies or not _within(remote, proxies):
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([part for part in forwarded if part]):
        if not _within(address, proxies):
            return address
    return remote


def _within(address, networks):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _key(address):
    return f"logux:wrong-secret:{address}"


class _LocalCounts:
    """The fallback while the shared cache fails: counts per address, expiring per window."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts = {}

    def get(self, key):
        with self._lock:
            count, expires = self._counts.get(key, (0, 0.0))
            return count if expires > time.monotonic() else 0

    def add_one(self, key, window):
        with self._lock:
            now = time.monotonic()
            count, expires = self._counts.get(key, (0, 0.0))
            if expires <= now:
                count, expires = 0, now + window
            self._counts[key] = (count + 1, expires)
            if len(self._counts) > 10000:  # forget expired addresses
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}


_local = _LocalCounts()


def _cache():
    return caches[conf.get("LOGUX_CACHE")]


def _cache_failed(exc):
    logger.warning(
        "Logux wrong-secret throttle: LOGUX_CACHE %r failed (%s: %s); counting in this "
        "process only until it answers",
        conf.get("LOGUX_CACHE"),
        type(exc).__name__,
        exc,
    )


def passed_recently(address):
    """Whether ``address`` gave the right secret (and was not blocked) moments ago here."""
    seen = _passed.get(address)
    return seen is not None and time.monotonic() - seen < TRUSTED_FOR


def record_pass(address):
    if len(_passed) > 1000:  # a few addresses in practice (the Logux servers)
        _passed.clear()
    _passed[address] = time.monotonic()


def blocked(address):
    limit = conf.get("LOGUX_WRONG_SECRET_LIMIT")
    key = _key(address)
    try:
        shared = _cache().get(key) or 0
    except Exception as exc:
        _cache_failed(exc)
        shared = 0
    return max(shared, _local.get(key)) >= limit


def record_wrong_secret(address):
    _passed.pop(address, None)
    key = _key(address)
    window = conf.get("LOGUX_WRONG_SECRET_WINDOW")
    try:
        cache = _cache()
        if not cache.add(key, 1, timeout=window):
            try:
                cache.incr(key)
            except ValueError:  # expired between add() and incr()
                cache.add(key, 1, timeout=window)
    except Exception as exc:
        _cache_failed(exc)
        _local.add_one(key, window)
