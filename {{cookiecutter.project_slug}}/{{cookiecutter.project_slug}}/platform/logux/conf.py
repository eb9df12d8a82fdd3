"""The ``LOGUX_*`` settings (the seed's names), validated at startup.

Each value is read once and kept (``SettingsCache``) until ``setting_changed``
names a LOGUX_ setting, so ``override_settings`` works in tests.
"""

import functools
import ipaddress
from urllib.parse import urlsplit

import semantic_version
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..settings_cache import SettingsCache

PROTOCOL_VERSION = 4  # the back-end protocol of @logux/server 0.9 to 0.13.1
DEFAULTS = {
    "LOGUX_CONTROL_SECRET": "",
    "LOGUX_URL": "http://127.0.0.1:31337/",
    "LOGUX_AUTH_FUNC": None,
    "LOGUX_SUBPROTOCOL": "1.0.0",
    "LOGUX_SUPPORTS": "^1.0.0",
    "LOGUX_TIMEOUT": 5.0,
    "LOGUX_WRONG_SECRET_LIMIT": 3,
    "LOGUX_WRONG_SECRET_WINDOW": 60,
    "LOGUX_TRUSTED_PROXIES": (),
    "LOGUX_MAX_COMMANDS": 1000,
    "LOGUX_MAX_BODY_SIZE": 2621440,
    "LOGUX_CACHE": "default",
}
MIN_SECRET_LENGTH = 16


_settings = SettingsCache("LOGUX_", DEFAULTS)
get = _settings.get


def _fail(name, accepted):
    value = get(name)
    if name == "LOGUX_CONTROL_SECRET" and isinstance(value, str):
        shown = f"{len(value)} characters"  # never print a secret, even a bad one
    else:
        shown = repr(value)
    raise ImproperlyConfigured(f"{name} must be {accepted}; got {shown}.")


def auth_func():
    """The configured auth function (a callable, or imported from its dotted path)."""
    value = get("LOGUX_AUTH_FUNC")
    if isinstance(value, str):
        try:
            value = import_string(value)
        except ImportError as exc:
            raise ImproperlyConfigured(f"LOGUX_AUTH_FUNC cannot be imported: {exc}") from None
    if not callable(value):
        _fail("LOGUX_AUTH_FUNC", "a callable (user_id, token, cookie, headers) -> bool or its path")
    return value


def supported_range():
    return _npm_range(get("LOGUX_SUPPORTS"))


@functools.lru_cache(maxsize=8)
def _npm_range(text):
    """Parsed once per value, not once per auth command."""
    return semantic_version.NpmSpec(text)


def trusted_proxies():
    """LOGUX_TRUSTED_PROXIES as networks, parsed once (every request asks)."""
    return _settings.derived(_trusted_networks)


def _trusted_networks():
    return [ipaddress.ip_network(value, strict=False) for value in get("LOGUX_TRUSTED_PROXIES")]


def short_secret_allowed():
    """A development setup (DEBUG on) may use a short secret, such as the ``parole`` that
    @logux/backend-test sends; checks.py warns about it."""
    return settings.DEBUG


def validate():
    """Raise ImproperlyConfigured naming the first setting that cannot work."""
    secret = get("LOGUX_CONTROL_SECRET")
    minimum = 1 if short_secret_allowed() else MIN_SECRET_LENGTH
    if not isinstance(secret, str) or len(secret) < minimum:
        _fail(
            "LOGUX_CONTROL_SECRET",
            f"a random string of {MIN_SECRET_LENGTH} characters or more (and the Logux "
            "server's LOGUX_CONTROL_SECRET); with DEBUG on, any non-empty string",
        )
    url = get("LOGUX_URL")
    if (
        not isinstance(url, str)
        or urlsplit(url).scheme not in ("http", "https")
        or not urlsplit(url).hostname
    ):
        _fail("LOGUX_URL", "the Logux server's http(s) URL, e.g. http://127.0.0.1:31337/")
    auth_func()
    try:
        semantic_version.Version(get("LOGUX_SUBPROTOCOL"))
    except (TypeError, ValueError):
        _fail("LOGUX_SUBPROTOCOL", "a semantic version such as 1.0.0")
    try:
        supported_range()
    except (TypeError, ValueError):
        _fail("LOGUX_SUPPORTS", "an npm version range such as ^1.0.0")
    timeout = get("LOGUX_TIMEOUT")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        _fail("LOGUX_TIMEOUT", "a number of seconds above 0")
    for name in (
        "LOGUX_WRONG_SECRET_LIMIT",
        "LOGUX_WRONG_SECRET_WINDOW",
        "LOGUX_MAX_COMMANDS",
        "LOGUX_MAX_BODY_SIZE",
    ):
        value = get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            _fail(name, "a whole number of 1 or more")
    try:
        trusted_proxies()
    except (TypeError, ValueError):
        _fail("LOGUX_TRUSTED_PROXIES", "a list of networks such as 10.0.0.0/8")
    if get("LOGUX_CACHE") not in settings.CACHES:
        _fail("LOGUX_CACHE", f"one of the CACHES aliases ({', '.join(settings.CACHES)})")
