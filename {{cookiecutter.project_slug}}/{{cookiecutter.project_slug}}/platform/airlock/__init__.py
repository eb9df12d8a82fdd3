"""Airlock: side effects buffered per request (or block) and released only on success.

    from <project>.platform import airlock

    airlock.enqueue(send_confirmation, order_id=order.pk)   # runs after commit, if all went well

Public API: enqueue, scope, scoped, policy, configure, reset_configuration,
get_configuration, get_current_scope, Scope, DjangoScope, Intent, Executor,
AirlockMiddleware, airlock_command; the outbox's effect_key (in a task: its
idempotency key) and relay_effects (send what the outbox holds); policies AllowAll, DropAll,
AssertNoEffects, BlockTasks, LogOnFlush; errors AirlockError, UsageError,
NoScopeError, PolicyEnqueueError, ScopeStateError, PolicyViolation.
"""

from .commands import airlock_command
from .core import (
    Executor,
    Scope,
    configure,
    enqueue,
    get_configuration,
    get_current_scope,
    policy,
    reset_configuration,
    scope,
    scoped,
)
from .errors import (
    AirlockError,
    NoScopeError,
    PolicyEnqueueError,
    PolicyViolation,
    ScopeStateError,
    UsageError,
)
from .intents import Intent
from .middleware import AirlockMiddleware
from .outbox import effect_key
from .outbox import relay as relay_effects
from .policies import AllowAll, AssertNoEffects, BlockTasks, DropAll, LogOnFlush, Policy
from .transaction_scope import DjangoScope

__all__ = [
    "AirlockError",
    "AirlockMiddleware",
    "AllowAll",
    "AssertNoEffects",
    "BlockTasks",
    "DjangoScope",
    "DropAll",
    "Executor",
    "Intent",
    "LogOnFlush",
    "NoScopeError",
    "Policy",
    "PolicyEnqueueError",
    "PolicyViolation",
    "Scope",
    "ScopeStateError",
    "UsageError",
    "airlock_command",
    "configure",
    "effect_key",
    "enqueue",
    "get_configuration",
    "get_current_scope",
    "policy",
    "relay_effects",
    "reset_configuration",
    "scope",
    "scoped",
]
