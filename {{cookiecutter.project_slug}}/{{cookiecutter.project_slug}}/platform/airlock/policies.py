"""Policies decide what a scope lets out: observed at enqueue, filtered at flush."""

import logging
from typing import Protocol, runtime_checkable

from .errors import PolicyViolation


@runtime_checkable
class Policy(Protocol):
    def on_enqueue(self, intent):
        """Observe an effect as it is enqueued; raise PolicyViolation to refuse it."""

    def allows(self, intent):
        """Whether the effect may leave the scope when it flushes."""


class AllowAll:
    """Everything passes (the default)."""

    def on_enqueue(self, intent):
        pass

    def allows(self, intent):
        return True

    def __repr__(self):
        return "AllowAll()"


class DropAll:
    """Nothing passes; effects stay inspectable on the scope (dry runs, tests)."""

    def on_enqueue(self, intent):
        pass

    def allows(self, intent):
        return False

    def __repr__(self):
        return "DropAll()"


class AssertNoEffects:
    """Any effect is a bug here: raise at enqueue time, where the stack trace helps."""

    def on_enqueue(self, intent):
        raise PolicyViolation(
            f"Unexpected side effect: {intent.name}. This scope's policy is AssertNoEffects."
        )

    def allows(self, intent):
        return False

    def __repr__(self):
        return "AssertNoEffects()"


class BlockTasks:
    """Drop (or, with ``raise_on_enqueue``, refuse) the named tasks; allow the rest.

    Names match a task's short name or its full dotted name, so Celery's
    ``orders.tasks.send_mail`` is blocked by ``"send_mail"`` or by the full path.
    """

    def __init__(self, blocked, *, raise_on_enqueue=False):
        self.blocked = frozenset(blocked)
        self.raise_on_enqueue = raise_on_enqueue

    def _is_blocked(self, intent):
        return intent.name in self.blocked or intent.full_name in self.blocked

    def on_enqueue(self, intent):
        if self.raise_on_enqueue and self._is_blocked(intent):
            raise PolicyViolation(f"Task {intent.full_name} is blocked in this scope.")

    def allows(self, intent):
        return not self._is_blocked(intent)

    def __repr__(self):
        return f"BlockTasks({sorted(self.blocked)!r}, raise_on_enqueue={self.raise_on_enqueue})"


class LogOnFlush:
    """Allow everything and log each effect as it leaves the scope (INFO, logger "airlock")."""

    def __init__(self, logger=None):
        self.logger = logger or logging.getLogger("airlock")

    def on_enqueue(self, intent):
        pass

    def allows(self, intent):
        self.logger.info("Dispatching %s", intent)
        return True

    def __repr__(self):
        return "LogOnFlush()"
