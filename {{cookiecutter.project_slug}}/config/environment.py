"""Environment reading that fails at startup, naming the variable at fault.

django-environ does the parsing (URLs, lists, numbers); this subclass makes it
strict. Out of the box ``Env.bool`` turns any unknown word into ``False`` and
numeric casts raise a bare ``ValueError`` that does not say which variable was
wrong. A service should refuse to start instead, with a message an operator can
act on.
"""

import math
import zoneinfo

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on", "y"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", "n"})


class StrictEnv(environ.Env):
    """``environ.Env`` that raises ImproperlyConfigured for values it cannot read."""

    @classmethod
    def parse_value(cls, value, cast):
        if cast is bool and isinstance(value, str):
            word = value.strip().lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise ValueError("expected true/false, yes/no, on/off or 1/0")
        if cast is float and isinstance(value, str):
            # django-environ would strip letters ("3s" -> 3.0): be exact instead.
            number = float(value)
            if not math.isfinite(number):
                raise ValueError(f"expected a finite number, got {value!r}")
            return number
        return super().parse_value(value, cast)

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ImproperlyConfigured:
            raise
        except (ValueError, TypeError, KeyError) as exc:
            raise ImproperlyConfigured(f"Environment variable {var} is invalid: {exc}") from exc

    def list(self, var, cast=None, default=environ.Env.NOTSET):
        """Comma-separated values, each stripped: "a, b" means ["a", "b"]."""
        values = super().list(var, cast=cast, default=default)
        return [v.strip() if isinstance(v, str) else v for v in values if v != ""]

    def choice(self, var, choices, default, upper=False):
        """Read a string that must be one of ``choices`` (upper-cased first if ``upper``)."""
        value = self.str(var, default=default)
        if upper:
            value = value.upper()
        if value not in choices:
            accepted = ", ".join(sorted(choices))
            raise ImproperlyConfigured(f"Environment variable {var} must be one of: {accepted}.")
        return value

    def database(self, var, default):
        """Read a database URL; a scheme django-environ does not know is an error."""
        url = self.str(var, default=default)
        scheme = url.partition("://")[0]
        if scheme not in self.DB_SCHEMES:
            raise ImproperlyConfigured(
                f"Environment variable {var} is not a database URL django-environ knows "
                "(expected e.g. postgres://user:password@host:5432/name or "
                "sqlite:////absolute/path/db.sqlite3)."
            )
        return self.db_url_config(url)

    def email_url(self, var, default=environ.Env.NOTSET, backend=None):
        """Read an email URL; an unknown scheme names the variable."""
        url = self.str(var, default=default)
        scheme = url.partition("://")[0]
        if scheme not in self.EMAIL_SCHEMES:
            accepted = ", ".join(sorted(self.EMAIL_SCHEMES))
            raise ImproperlyConfigured(
                f"Environment variable {var} has an unknown scheme {scheme!r}; "
                f"accepted: {accepted}."
            )
        return self.email_url_config(url, backend=backend)

    def time_zone(self, var, default):
        """Read an IANA time zone name that this system knows."""
        value = self.str(var, default=default)
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ImproperlyConfigured(
                f"Environment variable {var} is not a known time zone (e.g. UTC, Europe/Paris)."
            ) from exc
        return value
