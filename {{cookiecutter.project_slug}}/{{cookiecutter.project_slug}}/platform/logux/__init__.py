"""Logux back-end (protocol 4, as @logux/server 0.9 to 0.13.1 speak it) at /logux/.

    from <project>.platform.logux import ActionCommand, logux

    @logux.actions.register
    class RenameOrder(ActionCommand):
        action_type = "orders/rename"

        def access(self, action, meta):
            return meta.user_id == "1"

Public API: logux (the dispatcher), ActionCommand, ChannelCommand, Meta, add,
add_on_commit, issue_token (for the default auth), PROTOCOL_VERSION; errors
LoguxError, LoguxProxyException, LoguxBadAuthException,
LoguxWrongLoadResultsException, LoguxRegistrationError.
"""

from .auth import issue_token
from .client import add, add_on_commit
from .commands import ActionCommand, ChannelCommand
from .conf import PROTOCOL_VERSION
from .dispatchers import logux
from .errors import (
    LoguxBadAuthException,
    LoguxError,
    LoguxProxyException,
    LoguxRegistrationError,
    LoguxWrongLoadResultsException,
)
from .meta import Meta

__all__ = [
    "PROTOCOL_VERSION",
    "ActionCommand",
    "ChannelCommand",
    "LoguxBadAuthException",
    "LoguxError",
    "LoguxProxyException",
    "LoguxRegistrationError",
    "LoguxWrongLoadResultsException",
    "Meta",
    "add",
    "add_on_commit",
    "issue_token",
    "logux",
]
