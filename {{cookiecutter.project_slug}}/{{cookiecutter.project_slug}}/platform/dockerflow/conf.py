"""The DOCKERFLOW_* settings: defaults, validation, and lookups at request time.

Values are read from ``django.conf.settings`` when first used and kept
(``SettingsCache``) until ``setting_changed`` names a DOCKERFLOW_ setting, so
``override_settings`` applies; ``validate()`` runs once at startup so a
mistake stops the service with a message naming the setting.
"""

import math
import numbers

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..settings_cache import SettingsCache

PACKAGE = __package__
DEFAULTS = {
    "DOCKERFLOW_CHECKS": [
        f"{PACKAGE}.checks.check_database_connected",
        f"{PACKAGE}.checks.check_migrations_applied",
    ],
    "DOCKERFLOW_VERSION_CALLBACK": f"{PACKAGE}.version.get_version",
    "DOCKERFLOW_HEARTBEAT_FAILED_STATUS_CODE": 500,
    "DOCKERFLOW_CHECK_TIMEOUT": 3.0,
    "DOCKERFLOW_MIGRATIONS_FAIL_HEARTBEAT": False,
    "DOCKERFLOW_HEARTBEAT_DETAILS_TOKEN": "",
    "DOCKERFLOW_SUMMARY_LOG_QUERYSTRING": False,
}


get = SettingsCache("DOCKERFLOW_", DEFAULTS).get


def _callable(name, path):
    try:
        target = import_string(path) if isinstance(path, str) else path
    except ImportError as exc:
        raise ImproperlyConfigured(f"{name}: cannot import {path!r} ({exc}).") from exc
    if not callable(target):
        raise ImproperlyConfigured(f"{name}: {path!r} is not callable.")
    return target


def checks():
    """The heartbeat's checks as (name, function) pairs, in settings order."""
    paths = get("DOCKERFLOW_CHECKS")
    if isinstance(paths, str) or not isinstance(paths, list | tuple):
        raise ImproperlyConfigured("DOCKERFLOW_CHECKS must be a list of dotted paths to checks.")
    found = {}
    for path in paths:
        function = _callable("DOCKERFLOW_CHECKS", path)
        name = getattr(function, "__name__", str(path))
        if name in found:
            raise ImproperlyConfigured(
                f"DOCKERFLOW_CHECKS: two checks are named {name!r}; the heartbeat reports "
                "checks by name, so give one of them another."
            )
        found[name] = function
    return list(found.items())


def version_callback():
    return _callable("DOCKERFLOW_VERSION_CALLBACK", get("DOCKERFLOW_VERSION_CALLBACK"))


def validate():
    """Check every DOCKERFLOW_* setting; raise ImproperlyConfigured naming the first bad one."""
    checks()
    version_callback()
    status = get("DOCKERFLOW_HEARTBEAT_FAILED_STATUS_CODE")
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
        raise ImproperlyConfigured(
            "DOCKERFLOW_HEARTBEAT_FAILED_STATUS_CODE must be an HTTP error status (400 to 599)."
        )
    timeout = get("DOCKERFLOW_CHECK_TIMEOUT")
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, numbers.Real)
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        raise ImproperlyConfigured("DOCKERFLOW_CHECK_TIMEOUT must be a number of seconds above 0.")
    for name in ("DOCKERFLOW_MIGRATIONS_FAIL_HEARTBEAT", "DOCKERFLOW_SUMMARY_LOG_QUERYSTRING"):
        if not isinstance(get(name), bool):
            raise ImproperlyConfigured(f"{name} must be True or False.")
    if not isinstance(get("DOCKERFLOW_HEARTBEAT_DETAILS_TOKEN"), str):
        raise ImproperlyConfigured("DOCKERFLOW_HEARTBEAT_DETAILS_TOKEN must be a string.")
