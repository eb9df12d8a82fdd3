"""The AIRLOCK setting: defaults, validation, and the objects it names."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

PACKAGE = __package__
SYNC_EXECUTOR = f"{PACKAGE}.executors.sync.sync_executor"
DEFAULTS = {
    "EXECUTOR": SYNC_EXECUTOR,
    "POLICY": f"{PACKAGE}.policies.AllowAll",
    "SCOPE": f"{PACKAGE}.transaction_scope.DjangoScope",
    "SCOPE_KWARGS": {},
    # Effects for a task queue go through the outbox (outbox.py); False: straight to the queue.
    "DURABLE": True,
    # Seconds a stored effect is left to the process that released it before the relay sends it.
    "RELAY_AFTER": 60,
    # Seconds after which effects still in the outbox make the heartbeat warn (airlock.W002).
    "BACKLOG_WARNING": 300,
}


# What the setting names, resolved once: every request opens a scope, and
# re-reading settings and importing paths each time was most of its cost.
# Cleared when AIRLOCK changes (apps.py, on setting_changed).
_resolved = {}


def clear_cache():
    _resolved.clear()


def _merged():
    merged = _resolved.get(None)
    if merged is None:
        merged = _resolved[None] = {**DEFAULTS, **getattr(settings, "AIRLOCK", {})}
    return merged


def get_setting(name):
    return _merged()[name]


def _cached(name, resolve):
    try:
        return _resolved[name]
    except KeyError:
        value = _resolved[name] = resolve()
        return value


def _load(name, value):
    if not isinstance(value, str):
        return value
    try:
        return import_string(value)
    except ImportError as exc:
        raise ImproperlyConfigured(f"AIRLOCK['{name}']: cannot import {value!r} ({exc}).") from exc


def get_executor():
    """The executor: a callable or its dotted path; None means the sync executor."""
    return _cached("EXECUTOR", _resolve_executor)


def _resolve_executor():
    value = get_setting("EXECUTOR")
    executor = _load("EXECUTOR", SYNC_EXECUTOR if value is None else value)
    if not callable(executor):
        raise ImproperlyConfigured("AIRLOCK['EXECUTOR'] must be a callable taking an Intent.")
    return executor


def get_policy():
    """A policy for one scope: a class or factory is called each time (no shared state)."""
    spec, is_factory = _cached("POLICY", _resolve_policy)
    policy = spec() if is_factory else spec
    if not (hasattr(policy, "allows") and hasattr(policy, "on_enqueue")):
        raise ImproperlyConfigured(
            "AIRLOCK['POLICY'] must name a policy (an object with on_enqueue() and allows()), "
            "a policy class, or a factory returning one."
        )
    return policy


def _resolve_policy():
    spec = _load("POLICY", get_setting("POLICY"))
    return spec, isinstance(spec, type) or (callable(spec) and not hasattr(spec, "allows"))


def get_scope_class():
    return _cached("SCOPE", _resolve_scope_class)


def _resolve_scope_class():
    from .core import Scope

    cls = _load("SCOPE", get_setting("SCOPE"))
    if not (isinstance(cls, type) and issubclass(cls, Scope)):
        raise ImproperlyConfigured("AIRLOCK['SCOPE'] must be a subclass of airlock's Scope.")
    return cls


def get_scope_kwargs():
    kwargs = get_setting("SCOPE_KWARGS")
    if not isinstance(kwargs, dict):
        raise ImproperlyConfigured("AIRLOCK['SCOPE_KWARGS'] must be a dict.")
    return kwargs


def is_durable(executor):
    """Whether effects for ``executor`` are stored in the outbox before they are sent.

    Only executors that hand effects to a task queue (``executor.queued``) can
    lose them to a broker outage; the sync executor and test recorders run or
    keep them in this process.
    """
    return bool(get_setting("DURABLE") and getattr(executor, "queued", False))


def _check_seconds(name):
    value = get_setting(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ImproperlyConfigured(f"AIRLOCK['{name}'] must be a number of seconds above 0.")


def validate():
    clear_cache()
    raw = getattr(settings, "AIRLOCK", {})
    if not isinstance(raw, dict):
        raise ImproperlyConfigured("AIRLOCK must be a dict.")
    unknown = set(raw) - set(DEFAULTS)
    if unknown:
        raise ImproperlyConfigured(
            f"AIRLOCK has unknown keys {sorted(unknown)}; accepted: {sorted(DEFAULTS)}."
        )
    get_executor()
    get_policy()
    get_scope_class()
    get_scope_kwargs()
    if not isinstance(get_setting("DURABLE"), bool):
        raise ImproperlyConfigured("AIRLOCK['DURABLE'] must be True or False.")
    _check_seconds("RELAY_AFTER")
    _check_seconds("BACKLOG_WARNING")
