"""Errors of the Logux back-end, named as in the seed package where it had them."""


class LoguxError(Exception):
    """Base of every error this app raises."""


class LoguxProxyException(LoguxError):
    """add() could not hand an action to the Logux server (unreachable, timeout, non-200)."""


class LoguxBadAuthException(LoguxError):
    """Raised by an auth function: the client gets an ``error`` answer with this message."""


class LoguxWrongLoadResultsException(LoguxError):
    """A channel's load() returned something that is not an action or a list of them."""


class LoguxRegistrationError(LoguxError, ValueError):
    """A command class cannot be registered: incomplete, or its type or pattern is taken."""
