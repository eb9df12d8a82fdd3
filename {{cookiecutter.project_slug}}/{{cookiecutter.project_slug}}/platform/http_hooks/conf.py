"""The ``DJANGO_HTTP_HOOKS_*`` settings: defaults, validation at startup, typed access.

Names keep the seed's prefix (``DJANGO_HTTP_HOOKS_RAISE_EXCEPTIONS`` and
``DJANGO_HTTP_HOOKS_SHUT_DOWN`` mean what they meant there). Values are read on
every access, so ``override_settings`` works in tests without a cache to clear.
"""

import ipaddress
import numbers

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "DJANGO_HTTP_HOOKS_"
# Standard Webhooks' (and Svix's) schedule: seconds to wait before each retry
# after the first attempt fails; about 27 hours and 8 attempts in all.
DEFAULT_RETRY_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000)
DEFAULTS = {
    "RAISE_EXCEPTIONS": False,
    "SHUT_DOWN": False,
    "TIMEOUT": 15.0,
    "CONCURRENCY": 50,
    "BATCH_SIZE": 500,
    "RETRY_SCHEDULE": DEFAULT_RETRY_SCHEDULE,
    "RETRY_JITTER": 0.1,
    "LEASE": 300,
    "ALLOWED_NETWORKS": (),
    "EXCLUDED_FIELDS": (),
    "CACHE": "default",
    "RESPONSE_EXCERPT": 1024,
    # Seconds a process trusts its hooks for models no hook watches before it
    # reads the shared token again (0: before every save, delete and m2m change).
    "REGISTRY_MAX_AGE": 1.0,
}


def get(name):
    return getattr(settings, PREFIX + name, DEFAULTS[name])


def _fail(name, accepted):
    value = get(name)
    raise ImproperlyConfigured(f"{PREFIX}{name} must be {accepted}; got {value!r}.")


def _is_number(value, minimum, *, integer=False):
    kind = numbers.Integral if integer else numbers.Real
    return isinstance(value, kind) and not isinstance(value, bool) and value >= minimum


def allowed_networks():
    """The networks hooks may reach although they are private, loopback or link-local."""
    return tuple(ipaddress.ip_network(net, strict=False) for net in get("ALLOWED_NETWORKS"))


def validate():
    """Raise ImproperlyConfigured naming the first setting that cannot work."""
    for flag in ("RAISE_EXCEPTIONS", "SHUT_DOWN"):
        if not isinstance(get(flag), bool):
            _fail(flag, "True or False")
    if not _is_number(get("TIMEOUT"), 0.001):
        _fail("TIMEOUT", "a number of seconds greater than 0")
    for name in ("CONCURRENCY", "BATCH_SIZE", "LEASE", "RESPONSE_EXCERPT"):
        if not _is_number(get(name), 1, integer=True):
            _fail(name, "a whole number of at least 1")
    schedule = get("RETRY_SCHEDULE")
    if not isinstance(schedule, list | tuple) or not all(_is_number(s, 0) for s in schedule):
        _fail("RETRY_SCHEDULE", "a list of delays in seconds (numbers of at least 0)")
    if not _is_number(get("REGISTRY_MAX_AGE"), 0):
        _fail("REGISTRY_MAX_AGE", "a number of seconds of at least 0")
    if not _is_number(get("RETRY_JITTER"), 0) or get("RETRY_JITTER") >= 1:
        _fail("RETRY_JITTER", "a fraction from 0 up to (not including) 1")
    if get("LEASE") <= get("TIMEOUT"):
        _fail("LEASE", f"longer than {PREFIX}TIMEOUT, so a slow send is not taken over")
    for name in ("ALLOWED_NETWORKS", "EXCLUDED_FIELDS"):
        value = get(name)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            _fail(name, "a list of strings")
    try:
        allowed_networks()
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{PREFIX}ALLOWED_NETWORKS must list networks such as 127.0.0.1/32 or "
            f"10.0.0.0/8: {exc}."
        ) from None
    if get("CACHE") not in settings.CACHES:
        _fail("CACHE", f"one of the aliases in CACHES ({', '.join(settings.CACHES)})")
