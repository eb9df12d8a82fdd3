"""Secrets never leave in an error report: Sentry events are scrubbed by value.

sentry-sdk's own scrubber goes by names (``password``, ``secret``, ...): a
secret held in a local called ``expected``, quoted in an exception message or
in a log line passes it. ``scrub_event`` (the generated settings' before_send)
replaces the values themselves, wherever they appear in the event (frame
locals, messages, breadcrumbs, request data, tags): every setting whose name
says it holds a secret (SECRET, TOKEN, PASSWORD or KEY in it: SECRET_KEY, the
shared secrets of the platform apps, the heartbeat details token, mail
passwords), SECRET_KEY_FALLBACKS, the database, cache and broker passwords,
and anything shaped like a Standard Webhooks signing secret (``whsec_...``: the
HTTP hooks' secrets live in the database, so they are recognised by their form).

Written here because sentry-sdk has no value-based scrubber.
"""

import re
from urllib.parse import unquote, urlsplit

FILTERED = "[Filtered]"
SIGNING_SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]{16,}")
MIN_LENGTH = 6  # shorter values would blank ordinary words; no real secret is that short
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|(^|_)KEY$")
URL_SETTINGS = ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")


def _url_passwords(value):
    """The password of a URL (raw and decoded), of each URL in a list or a dict's values."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _url_passwords(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _url_passwords(item)
    elif isinstance(value, str) and "://" in value:
        try:
            password = urlsplit(value).password
        except ValueError:
            return
        if password:
            yield password
            yield unquote(password)


def secret_values():
    """Every secret value the settings hold, longest first."""
    from django.conf import settings

    values = [getattr(settings, name) for name in dir(settings) if SECRET_NAME.search(name)]
    values += list(getattr(settings, "SECRET_KEY_FALLBACKS", []))
    values += [database.get("PASSWORD", "") for database in settings.DATABASES.values()]
    caches = settings.CACHES.values()
    values += [(cache.get("OPTIONS") or {}).get("password", "") for cache in caches]
    urls = [cache.get("LOCATION") for cache in caches]
    urls += [getattr(settings, name, None) for name in URL_SETTINGS]
    # The task queues' own broker settings, whichever is installed.
    urls += [getattr(settings, name, None) for name in ("DRAMATIQ_BROKER", "HUEY", "Q_CLUSTER")]
    values += list(_url_passwords(urls))
    found = {value for value in values if isinstance(value, str) and len(value) >= MIN_LENGTH}
    return sorted(found, key=len, reverse=True)


def _scrub(value, secrets):
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, FILTERED)
        return SIGNING_SECRET.sub(FILTERED, value)
    if isinstance(value, dict):
        return {_scrub(key, secrets): _scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item, secrets) for item in value]
    return value


def scrub_event(event, hint=None):
    """sentry-sdk's before_send (and before_send_transaction): the event, secrets replaced."""
    try:
        secrets = secret_values()
    except Exception:  # settings not ready: the signing-secret pattern still applies
        secrets = []
    return _scrub(event, secrets)
