"""The ``logux`` dispatcher: registered action types and channel patterns, process-wide.

from <project>.platform.logux import logux
logux.actions.register(RenameOrder)
logux.channels.register(OrderChannel)
"""

import re

from .commands import ActionCommand, ChannelCommand
from .errors import LoguxRegistrationError


def _implements(cls, name, base):
    return getattr(cls, name) is not getattr(base, name)


class ActionDispatcher:
    def __init__(self):
        self._actions = {}

    def register(self, cls):
        """Register an ActionCommand subclass; usable as a class decorator."""
        if not (isinstance(cls, type) and issubclass(cls, ActionCommand)) or issubclass(
            cls, ChannelCommand
        ):
            raise LoguxRegistrationError(f"{cls!r} is not an ActionCommand subclass.")
        if not isinstance(cls.action_type, str) or not cls.action_type:
            raise LoguxRegistrationError(f"{cls.__name__} has no action_type.")
        if cls.action_type.startswith("logux/"):
            raise LoguxRegistrationError(
                f"{cls.__name__}: {cls.action_type} is Logux's own type (channels handle "
                "logux/subscribe)."
            )
        if not _implements(cls, "access", ActionCommand):
            raise LoguxRegistrationError(f"{cls.__name__} does not implement access().")
        if cls.action_type in self._actions:
            taken = self._actions[cls.action_type].__name__
            raise LoguxRegistrationError(f"{cls.action_type} is already handled by {taken}.")
        self._actions[cls.action_type] = cls
        return cls

    def unregister(self, action_type):
        self._actions.pop(action_type, None)

    def get(self, action_type):
        return self._actions.get(action_type)

    def __contains__(self, action_type):
        return action_type in self._actions


class ChannelDispatcher:
    def __init__(self):
        self._channels = {}

    def register(self, cls):
        """Register a ChannelCommand subclass; usable as a class decorator."""
        if not (isinstance(cls, type) and issubclass(cls, ChannelCommand)):
            raise LoguxRegistrationError(f"{cls!r} is not a ChannelCommand subclass.")
        pattern = cls.channel_pattern
        if not isinstance(pattern, str) or not pattern:
            raise LoguxRegistrationError(f"{cls.__name__} has no channel_pattern.")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise LoguxRegistrationError(f"{cls.__name__}.channel_pattern: {exc}") from None
        for method in ("access", "load"):
            if not _implements(cls, method, ChannelCommand):
                raise LoguxRegistrationError(f"{cls.__name__} does not implement {method}().")
        if pattern in self._channels:
            taken = self._channels[pattern].__name__
            raise LoguxRegistrationError(f"{pattern} is already handled by {taken}.")
        self._channels[pattern] = cls
        return cls

    def unregister(self, pattern):
        self._channels.pop(pattern, None)

    def find(self, channel):
        """The first registered class whose pattern matches the whole channel name."""
        for pattern, cls in self._channels.items():
            if re.fullmatch(pattern, channel):
                return cls
        return None


class Dispatcher:
    def __init__(self):
        self.actions = ActionDispatcher()
        self.channels = ChannelDispatcher()


logux = Dispatcher()
