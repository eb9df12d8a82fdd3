"""HTTP hooks' exceptions, with the seed's names.

They are ``ValidationError`` subclasses, so a form (the admin's included) shows
them beside the field at fault, and ``HttpHooksError`` subclasses, so code can
catch every one of them at once.
"""

from django.core.exceptions import ValidationError


class HttpHooksError(Exception):
    """Base class of every HTTP hooks error."""


class InvalidHookError(HttpHooksError, ValidationError):
    """A hook's configuration cannot work; ``field`` names the culprit."""

    field = None

    def __init__(self, message):
        ValidationError.__init__(self, message)

    def __str__(self):
        return self.message


class InvalidSignalError(InvalidHookError):
    """A signal path does not import, or does not name a Django signal."""

    field = "signal"


class InvalidPayloadError(InvalidHookError):
    """A payload template or serializer cannot produce a payload of the hook's content type."""

    field = "payload_template"


class InvalidHeadersError(InvalidHookError):
    """The hook's headers are not ``Name: value`` lines (or try to set a reserved header)."""

    field = "headers"


class InvalidTargetError(InvalidHookError):
    """The target URL is not http(s), or points into a network hooks may not reach."""

    field = "target_url"
