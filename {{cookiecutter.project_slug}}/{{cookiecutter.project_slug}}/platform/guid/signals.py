"""Signal receivers: a finished request forgets its correlation id."""

from .context import clear_guid


def clear_guid_when_request_finishes(sender, **kwargs):
    # Runs after the response (including a streamed body) is closed, in the
    # thread that served it, so the next request on that thread starts clean.
    clear_guid()
