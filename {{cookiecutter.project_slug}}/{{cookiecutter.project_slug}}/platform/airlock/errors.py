"""Airlock's exceptions: misuse (UsageError family), lifecycle and policy problems."""


class AirlockError(Exception):
    """Base class of every airlock error."""


class UsageError(AirlockError):
    """The API was called where or how it cannot work."""


class NoScopeError(UsageError):
    """enqueue() was called with no scope open."""


class PolicyEnqueueError(UsageError):
    """enqueue() was called from inside a policy callback."""


class ScopeStateError(AirlockError):
    """A scope was entered, flushed or discarded at the wrong point of its life."""


class PolicyViolation(AirlockError):
    """A policy refused an effect (e.g. AssertNoEffects)."""
