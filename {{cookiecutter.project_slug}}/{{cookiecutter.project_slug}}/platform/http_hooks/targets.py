"""Where hooks may send: http(s) only, and no private, loopback or link-local address.

A hook pointed at 127.0.0.1, 10.x or the cloud metadata address would let anyone
who can edit hooks make this server call its own private network (SSRF). Such
targets are refused when a hook is saved (literal addresses in every form a
resolver reads, IPv6 forms that carry an IPv4 address, local names) and again
at send time against every address the host name resolves to, unless a network
in DJANGO_HTTP_HOOKS_ALLOWED_NETWORKS contains it.
"""

import asyncio
import ipaddress
import re
import socket
from urllib.parse import urlsplit

from . import conf
from .errors import InvalidTargetError

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, well
# known and local-use; the deprecated IPv4-compatible form). A NAT64 gateway
# forwards 64:ff9b::a9fe:a9fe to 169.254.169.254: the IPv4 address is what counts.
EMBEDDING_IPV4 = tuple(
    ipaddress.ip_network(net) for net in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96")
)
# What inet_aton reads as IPv4 although ip_address does not: 2130706433,
# 0x7f000001, 0177.0.0.1, 127.1. Resolvers (getaddrinfo) read them the same way.
LEGACY_IPV4 = re.compile(r"(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}", re.IGNORECASE)


def _embedded_ipv4(address):
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo, NAT64), or None."""
    if address.version != 6:
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]  # the client's address (the server's is public)
    if any(address in network for network in EMBEDDING_IPV4) and int(address) > 1:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _address(text):
    """The address a URL's host names literally (IPv4 in any form a resolver reads), or None."""
    text = text.strip("[]")
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        if not LEGACY_IPV4.fullmatch(text):
            return None
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    return _embedded_ipv4(address) or address


def _is_local_name(host):
    """localhost and every name under .localhost resolve to the loopback (RFC 6761)."""
    name = host.lower().rstrip(".")
    return name in LOCAL_NAMES or name.endswith(".localhost")


def refusal(address, allowed):
    """Why ``address`` may not be reached, or None if it may."""
    if any(address in network for network in allowed):
        return None
    if address.version == 6 and address.is_site_local:
        return (
            f"{address} is a site-local address; allow its network in "
            "DJANGO_HTTP_HOOKS_ALLOWED_NETWORKS to send there"
        )
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
    address = ipaddress.ip_address("127.0.0.1") if _is_local_name(host) else _address(host)
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
        literal = ipaddress.ip_address("127.0.0.1") if _is_local_name(host) else _address(host)
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
