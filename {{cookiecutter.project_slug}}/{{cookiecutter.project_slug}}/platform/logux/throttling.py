"""Wrong-secret throttling, keyed on the connecting address.

``X-Forwarded-For`` is only believed when the connection comes from one of
LOGUX_TRUSTED_PROXIES: anyone can write that header.
"""

import ipaddress

from django.core.cache import cache

from . import conf


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


def blocked(address):
    return (cache.get(_key(address)) or 0) >= conf.get("LOGUX_WRONG_SECRET_LIMIT")


def record_wrong_secret(address):
    key = _key(address)
    if not cache.add(key, 1, timeout=conf.get("LOGUX_WRONG_SECRET_WINDOW")):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=conf.get("LOGUX_WRONG_SECRET_WINDOW"))
