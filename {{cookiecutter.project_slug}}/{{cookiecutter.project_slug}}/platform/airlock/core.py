"""Scopes: buffers of side effects that are released on success and dropped on failure.

The current scope lives in a ContextVar, so every thread and asyncio task has
its own. Scopes nest: when an inner scope flushes, its effects (those its own
policy allows) are handed to the enclosing scope, and only the outermost one
dispatches them. An inner scope that fails discards its own effects.
"""

import contextlib
import contextvars
import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..guid import get_guid
from .errors import NoScopeError, PolicyEnqueueError, ScopeStateError
from .intents import Intent
from .policies import AllowAll

_current_scope = contextvars.ContextVar("airlock_scope", default=None)
_local_policies = contextvars.ContextVar("airlock_local_policies", default=())
_in_policy = contextvars.ContextVar("airlock_in_policy", default=False)


Executor = Callable[[Intent], object]  # what executes a released intent (as upstream names it)


def _execute(intent):
    """The default executor: call the task now, in this process."""
    return intent.task(*intent.args, **intent.kwargs)


# --- Configuration ----------------------------------------------------------


@dataclass(frozen=True)
class Configuration:
    scope_cls: type | None = None
    policy: object | None = None
    executor: object | None = None
    scope_kwargs: dict | None = None


_configuration = Configuration()


def configure(*, scope_cls=None, policy=None, executor=None, scope_kwargs=None):
    """Set defaults for scope() (None leaves a value unchanged). The Django app calls this."""
    global _configuration
    changes = {
        "scope_cls": scope_cls,
        "policy": policy,
        "executor": executor,
        "scope_kwargs": scope_kwargs,
    }
    _configuration = replace(_configuration, **{k: v for k, v in changes.items() if v is not None})


def reset_configuration():
    global _configuration
    _configuration = Configuration()


def get_configuration():
    """A copy of the defaults, as a dict: ``scope_cls``, ``policy``, ``executor``,
    ``scope_kwargs`` (as upstream airlock returns it)."""
    config = _configuration
    return {
        "scope_cls": config.scope_cls,
        "policy": config.policy,
        "executor": config.executor,
        "scope_kwargs": dict(config.scope_kwargs) if config.scope_kwargs is not None else None,
    }


# --- Scope ------------------------------------------------------------------


def _with_policy_guard(callback, *args):
    token = _in_policy.set(True)
    try:
        return callback(*args)
    finally:
        _in_policy.reset(token)


class Scope:
    """A buffer of intents with a life: enter, exit, then flush or discard exactly once."""

    def __init__(self, policy=None, executor=None):
        self._policy = policy if policy is not None else AllowAll()
        # "is None": an executor may be an object that is falsy (an empty recorder list).
        self._executor = executor if executor is not None else _execute
        self._intents = []
        self._captured = []
        self._parent = None
        self._token = None
        self._entered = False
        self._state = "new"  # new -> active -> exited -> flushed | discarded

    # -- state
    @property
    def policy(self):
        return self._policy

    @property
    def intents(self):
        """Everything buffered: its own intents and those captured from inner scopes."""
        return list(self._intents)

    @property
    def own_intents(self):
        return [i for i in self._intents if not any(i is c for c in self._captured)]

    @property
    def captured_intents(self):
        return list(self._captured)

    @property
    def is_active(self):
        return self._state == "active"

    @property
    def is_flushed(self):
        return self._state == "flushed"

    @property
    def is_discarded(self):
        return self._state == "discarded"

    # -- lifecycle
    def enter(self):
        if self._entered:
            raise ScopeStateError("This scope was already entered; make a new one.")
        self._entered = True
        self._parent = _current_scope.get()
        self._token = _current_scope.set(self)
        self._state = "active"
        return self

    def exit(self):
        if self._state != "active":
            raise ScopeStateError("exit() needs an active scope.")
        self._stop_being_current()
        self._state = "exited"

    def _stop_being_current(self):
        try:
            _current_scope.reset(self._token)
        except ValueError:
            # Exited from another context than it entered (a different task):
            # restore the parent there instead.
            _current_scope.set(self._parent)

    def should_flush(self, error):
        """Whether leaving with ``error`` (None on success) releases the effects."""
        return error is None

    def before_descendant_flushes(self, exiting_scope, intents):
        """Called on each enclosing scope when an inner one flushes.

        Return the intents the inner scope may dispatch itself; the rest are
        captured here. The default captures everything, so effects leave only
        with the outermost scope.
        """
        return []

    def _add(self, intent):
        if self._state != "active":
            raise ScopeStateError(f"Cannot enqueue {intent.name!r}: the scope is {self._state}.")
        # An effect its executor could never send (a lambda for a worker,
        # arguments the queue cannot serialize) fails here, in the code that
        # enqueued it, not after the commit.
        check = getattr(self._executor, "check", None)
        if check is not None:
            check(intent)
        _with_policy_guard(self._policy.on_enqueue, intent)
        self._intents.append(intent)

    def _allowed(self, intents):
        return [
            i
            for i in intents
            if _with_policy_guard(i.passes_local_policies)
            and _with_policy_guard(self._policy.allows, i)
        ]

    def flush(self):
        """Release the allowed intents (to the enclosing scope, or to the executor)."""
        if self._state != "exited":
            raise ScopeStateError(f"flush() needs an exited scope; this one is {self._state}.")
        self._state = "flushed"
        if not self._intents:  # most scopes: a request or a command that enqueued nothing
            return []
        # This scope's policy applies to its own effects even when an outer
        # scope captures them (upstream airlock skipped it on capture).
        intents = self._allowed(self._intents)
        self._intents = []
        ancestor = self._parent
        while intents and ancestor is not None:
            if ancestor.is_active:
                passthrough = ancestor.before_descendant_flushes(self, intents)
                if not isinstance(passthrough, list):
                    raise TypeError("before_descendant_flushes() must return a list of intents")
                kept = [i for i in intents if not any(i is p for p in passthrough)]
                ancestor._intents.extend(kept)
                ancestor._captured.extend(kept)
                intents = passthrough
            ancestor = ancestor._parent
        if intents:
            self._dispatch_all(intents)
        return intents

    def discard(self):
        """Drop every buffered intent; return them.

        Discarding an active scope also ends it: its parent (or none) is current
        again, so a later enqueue() goes there (or raises NoScopeError).
        """
        if self._state not in {"exited", "active"}:
            raise ScopeStateError(f"discard() needs an open scope; this one is {self._state}.")
        if self._state == "active" and _current_scope.get() is self:
            self._stop_being_current()
        dropped, self._intents = self._intents, []
        self._state = "discarded"
        return dropped

    def _dispatch_all(self, intents):
        """Run each intent through the executor, in order (the first failure propagates)."""
        for intent in intents:
            self._executor(intent)

    def __repr__(self):
        return f"<{type(self).__name__} {self._state} intents={len(self._intents)}>"


def get_current_scope():
    return _current_scope.get()


def _make_scope(policy=None, _cls=None, **kwargs):
    config = _configuration
    cls = _cls or config.scope_cls or Scope
    chosen = policy if policy is not None else config.policy
    if chosen is None:
        chosen = AllowAll()
    if not kwargs and not config.scope_kwargs:  # the usual case: no dict to build
        if config.executor is None:
            return cls(policy=chosen)
        return cls(policy=chosen, executor=config.executor)
    options = dict(config.scope_kwargs or {})
    if config.executor is not None:
        options.setdefault("executor", config.executor)
    options.update(kwargs)
    return cls(policy=chosen, **options)


def close_scope(s, error):
    """Exit ``s`` and flush or discard it: the end of every scope, whoever opened it."""
    if s._state == "active":
        s.exit()
    if s._state in {"flushed", "discarded"}:
        return
    if s.should_flush(error):
        s.flush()
    else:
        s.discard()


class scope(contextlib.ContextDecorator):
    """Open a scope for the block: flushed if the block succeeds, discarded if it raises.

    ``with airlock.scope() as s:``, or as a decorator. A class rather than a
    generator: apps open one per unit of work (a message, a command), so its
    cost counts.
    """

    def __init__(self, policy=None, *, _cls=None, **kwargs):
        self._arguments = (policy, _cls, kwargs)
        self._scope = None

    def __enter__(self):
        policy, cls, kwargs = self._arguments
        self._scope = _make_scope(policy, cls, **kwargs).enter()
        return self._scope

    def __exit__(self, exc_type, exc, traceback):
        close_scope(self._scope, exc)
        return False

    def _recreate_cm(self):
        """A fresh instance per decorated call, so calls may nest or run concurrently."""
        policy, cls, kwargs = self._arguments
        return type(self)(policy, _cls=cls, **kwargs)


def scoped(policy=None, *, _cls=None, **kwargs):
    """Decorator: run each call of the function (sync or async) in a fresh scope."""

    def decorate(func):
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args, **kw):
                with scope(policy, _cls=_cls, **kwargs):
                    return await func(*args, **kw)

            return async_wrapper

        @functools.wraps(func)
        def wrapper(*args, **kw):
            with scope(policy, _cls=_cls, **kwargs):
                return func(*args, **kw)

        return wrapper

    return decorate


@contextlib.contextmanager
def policy(p):
    """Apply policy ``p`` to effects enqueued in the block, without a new buffer."""
    token = _local_policies.set((*_local_policies.get(), p))
    try:
        yield p
    finally:
        _local_policies.reset(token)


def enqueue(task, *args, _name=None, _origin=None, _dispatch_options=None, _durable=None, **kwargs):
    """Buffer ``task(*args, **kwargs)`` in the current scope; it runs when the scope flushes.

    ``_durable=False`` keeps this effect out of the outbox (one whose loss is
    harmless, or that has an outbox of its own, like the HTTP hooks' callbacks).
    """
    if _in_policy.get():
        raise PolicyEnqueueError("enqueue() cannot be called from inside a policy callback.")
    current = _current_scope.get()
    intent = Intent(
        task=task,
        args=tuple(args),
        kwargs=dict(kwargs),
        origin=_origin,
        dispatch_options=dict(_dispatch_options) if _dispatch_options else None,
        _local_policies=_local_policies.get(),
        _explicit_name=_name,
        correlation_id=get_guid(),
        _durable=_durable,
    )
    if current is None:
        raise NoScopeError(
            f"Cannot enqueue {intent.name!r} without an active airlock scope. Wrap the code in "
            "`with airlock.scope():`, decorate it with `@airlock.scoped()`, or run it in a "
            "request (AirlockMiddleware) or a command decorated with `@airlock_command`."
        )
    current._add(intent)
