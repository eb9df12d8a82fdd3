"""Settings read once per process and kept until a test changes them.

Request-time code reads a handful of settings on every request. Through
Django's lazy ``settings`` each read costs a few hundred nanoseconds, and one
that is not set (so falls back to its default) raises and catches an
AttributeError inside Django, about 1.7 µs. A ``SettingsCache`` keeps each
value, and anything computed from them, until Django's ``setting_changed``
signal (sent by ``override_settings`` and pytest-django's ``settings``)
names a setting with its prefix.
"""

from django.conf import settings
from django.core.signals import setting_changed


class SettingsCache:
    """The settings named ``<prefix>...``, with ``defaults`` for those not set."""

    def __init__(self, prefix, defaults):
        self.prefix = prefix
        self.defaults = defaults
        self._values = {}
        setting_changed.connect(self._forget, weak=False)

    def get(self, name):
        try:
            return self._values[name]
        except KeyError:
            value = self._values[name] = getattr(settings, name, self.defaults[name])
            return value

    def derived(self, compute):
        """``compute()``'s result, kept like a setting (``compute`` is its key)."""
        try:
            return self._values[compute]
        except KeyError:
            value = self._values[compute] = compute()
            return value

    def clear(self):
        self._values.clear()

    def _forget(self, setting, **kwargs):
        if setting.startswith(self.prefix):
            self._values.clear()
