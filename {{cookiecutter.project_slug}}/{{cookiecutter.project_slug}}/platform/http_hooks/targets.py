"""Where hooks may send: http(s) only, and no private, loopback or link-local address.

A hook pointed at 127.0.0.1, 10.x or the cloud metadata address would let anyone
who can edit hooks make this server call its own private network (SSRF). Such
targets are refused when a hook is saved (for literal addresses) and again at
send time against every address the host name resolves to, unless a network in
DJANGO_HTTP_HOOKS_ALLOWED_NETWORKS contains it.
"""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from . import conf
from .errors import InvalidTargetError

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def _address(text):
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def refusal(address, allowed):
    """Why ``address`` may not be reached, or None if it may."""
    if any(address in network for network in allowed):
        return None
    if address.is_global and not address.is_multicast:
        return None
    return (
        f"{address} is a private, loopback, link-local or reserved address; "
        "allow its network in DJANGO_HTTP_HOOKS_ALLOWED_NETWORKS to send there"
    )


def split_target(url):
    """``(host, port)`` of an http(s) URL; InvalidTargetError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidTargetError(f"{url!r} is not an http:// or https:// URL with a host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidTargetError(f"{url!r} has an invalid port.") from None
    return parts.hostname, port


def check_target_url(url, allowed=None):
    """At save time: refuse URLs that are not http(s) or name a forbidden address outright."""
    host, _ = split_target(url)
    allowed = conf.allowed_networks() if allowed is None else allowed
    address = ipaddress.ip_address("127.0.0.1") if host.lower() in LOCAL_NAMES else _address(host)
    reason = refusal(address, allowed) if address is not None else None
    if reason:
        raise InvalidTargetError(f"Refused {url}: {reason}.")


class TargetGuard:
    """At send time: resolve each host once per batch and check every address it has."""

    def __init__(self, allowed=None):
        self.allowed = conf.allowed_networks() if allowed is None else allowed
        self._verdicts = {}

    async def refusal(self, url):
        """None if ``url`` may be sent to, else the reason it may not."""
        try:
            host, port = split_target(url)
        except InvalidTargetError as exc:
            return str(exc)
        key = (host.lower(), port)
        if key not in self._verdicts:
            self._verdicts[key] = await self._check(host, port)
        return self._verdicts[key]

    async def _check(self, host, port):
        literal = _address(host)
        if literal is not None:
            addresses = [literal]
        else:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except OSError:
                return None  # the request fails to resolve too, and is retried
            addresses = [_address(info[4][0]) for info in infos]
        for address in addresses:
            reason = refusal(address, self.allowed)
            if reason:
                return f"{host} resolves to {reason}"
        return None
