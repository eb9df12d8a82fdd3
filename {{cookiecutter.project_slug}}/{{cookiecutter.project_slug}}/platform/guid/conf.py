"""The ``DJANGO_GUID`` setting: read, validated and cached until settings change.

Validation happens once at startup (``GuidConfig.ready``) so a mistake stops
the service with a message naming the key, instead of surfacing on the first
request. The cache is dropped on Django's ``setting_changed`` signal, so tests
can use ``override_settings(DJANGO_GUID=...)``: nothing keeps a stale copy.
"""

import functools
import inspect
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

DEFAULTS = {
    "GUID_HEADER_NAME": "Correlation-ID",
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": True,
    "INTEGRATIONS": [],
    "IGNORE_URLS": [],
    "UUID_LENGTH": None,
    "UUID_FORMAT": "hex",
}
FULL_LENGTH = {"hex": 32, "string": 36}
HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")


@dataclass(frozen=True)
class GuidConfig:
    header_name: str
    meta_key: str  # the header's key in request.META, e.g. HTTP_CORRELATION_ID
    validate: bool
    return_header: bool
    expose_header: bool
    integrations: tuple
    ignore_paths: frozenset
    ignore_patterns: tuple
    uuid_length: int
    uuid_format: str

    def is_ignored(self, path):
        """Whether ``path`` (without query string) is excluded by IGNORE_URLS."""
        if path.strip("/") in self.ignore_paths:
            return True
        return any(pattern.search(path) for pattern in self.ignore_patterns)


def _fail(key, accepted):
    raise ImproperlyConfigured(f"DJANGO_GUID['{key}'] must be {accepted}.")


def _check_bool(options, key):
    if not isinstance(options[key], bool):
        _fail(key, "True or False")
    return options[key]


def _takes_any_keyword(method):
    return any(
        p.kind is inspect.Parameter.VAR_KEYWORD
        for p in inspect.signature(method).parameters.values()
    )


def _check_integrations(integrations):
    from .integrations import Integration

    if not isinstance(integrations, list | tuple):
        _fail("INTEGRATIONS", "a list of Integration instances")
    for integration in integrations:
        if not isinstance(integration, Integration):
            _fail("INTEGRATIONS", f"a list of Integration instances, not {integration!r}")
        name = integration.identifier
        for method in ("setup", "run", "cleanup"):
            value = getattr(integration, method, None)
            if not callable(value):
                raise ImproperlyConfigured(
                    f"The integration `{name}`: `{method}` must be a method, not {value!r}."
                )
        if type(integration).run is Integration.run:
            raise ImproperlyConfigured(f"The integration `{name}` is missing a `run` method")
        for method in ("run", "cleanup"):
            if not _takes_any_keyword(getattr(integration, method)):
                raise ImproperlyConfigured(
                    f"The integration `{name}`: its `{method}` method must accept **kwargs."
                )
    return tuple(integrations)


def _check_ignore_urls(ignore_urls):
    if not isinstance(ignore_urls, list | tuple):
        _fail("IGNORE_URLS", "a list of paths (str) and compiled regular expressions")
    paths, patterns = set(), []
    for entry in ignore_urls:
        if isinstance(entry, str):
            paths.add(entry.split("?", 1)[0].strip("/"))
        elif isinstance(entry, re.Pattern):
            patterns.append(entry)
        else:
            _fail(
                "IGNORE_URLS", f"a list of paths (str) and re.compile(...) patterns, not {entry!r}"
            )
    return frozenset(paths), tuple(patterns)


def load_config(raw):
    """Validate a ``DJANGO_GUID`` dict and return the immutable config it describes."""
    if not isinstance(raw, dict):
        raise ImproperlyConfigured("DJANGO_GUID must be a dict.")
    unknown = set(raw) - set(DEFAULTS)
    if unknown:
        raise ImproperlyConfigured(
            f"DJANGO_GUID has unknown keys {sorted(unknown)}; accepted: {sorted(DEFAULTS)}."
        )
    options = {**DEFAULTS, **raw}

    header = options["GUID_HEADER_NAME"]
    if not isinstance(header, str) or not HEADER_NAME.fullmatch(header):
        _fail("GUID_HEADER_NAME", "an HTTP header name (letters, digits and dashes)")
    uuid_format = options["UUID_FORMAT"]
    if uuid_format not in FULL_LENGTH:
        _fail("UUID_FORMAT", "'hex' or 'string'")
    full = FULL_LENGTH[uuid_format]
    length = options["UUID_LENGTH"]
    if length is None:
        length = full
    elif isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= full:
        _fail("UUID_LENGTH", f"an integer from 1 to {full} when UUID_FORMAT is '{uuid_format}'")
    ignore_paths, ignore_patterns = _check_ignore_urls(options["IGNORE_URLS"])

    return GuidConfig(
        header_name=header,
        meta_key="HTTP_" + header.upper().replace("-", "_"),
        validate=_check_bool(options, "VALIDATE_GUID"),
        return_header=_check_bool(options, "RETURN_HEADER"),
        expose_header=_check_bool(options, "EXPOSE_HEADER"),
        integrations=_check_integrations(options["INTEGRATIONS"]),
        ignore_paths=ignore_paths,
        ignore_patterns=ignore_patterns,
        uuid_length=length,
        uuid_format=uuid_format,
    )


@functools.cache
def get_config():
    """The validated configuration; integrations' ``setup()`` runs when it is first built."""
    config = load_config(getattr(settings, "DJANGO_GUID", {}))
    for integration in config.integrations:
        integration.setup()
    return config


@receiver(setting_changed)
def _drop_cached_config(*, setting, **kwargs):
    if setting == "DJANGO_GUID":
        get_config.cache_clear()
