"""What the task-queue executors share: plain functions by dotted path, early checks."""

import json

from django.utils.module_loading import import_string

from ...guid import get_guid
from ...guid.integrations.base import GUID_KWARG
from ..errors import UsageError
from ..outbox import running_effect


def function_path(func):
    """The dotted path a worker imports ``func`` from; UsageError if there is none."""
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    path = f"{module}.{qualname}"
    found = None
    if module and qualname and module != "__main__" and "<" not in qualname:
        try:
            found = import_string(path)
        except ImportError:
            found = None
    if found is not func:
        raise UsageError(
            f"{func!r} cannot be run by a worker: enqueue a module-level function or one of "
            "the queue's tasks (not a lambda, a nested function, a method or a callable object)."
        )
    return path


def call_function(path, args, kwargs, key=None):
    """The worker side of ``function_path``: import the function and call it.

    ``key`` is the effect's idempotency key (durable effects): ``effect_key()``
    returns it while the function runs.
    """
    with running_effect(key):
        return import_string(path)(*args, **kwargs)


def require_json(intent, queue):
    """UsageError unless the intent's arguments survive the queue's JSON encoding."""
    try:
        json.dumps([intent.args, intent.kwargs])
    except (TypeError, ValueError) as exc:
        raise UsageError(
            f"Cannot enqueue {intent}: {queue} sends arguments as JSON ({exc}). "
            "Pass ids and plain values, not model instances."
        ) from None


def task_and_arguments(intent, is_queue_task, run_effect):
    """``(task, args, kwargs)`` to hand to the queue.

    The queue's own tasks get the intent's arguments; a plain function goes
    through ``run_effect`` with its dotted path and arguments as its own (and
    the idempotency key of a durable effect).
    """
    if is_queue_task(intent.task):
        return intent.task, list(intent.args), dict(intent.kwargs)
    args = [function_path(intent.task), list(intent.args), intent.kwargs]
    if intent.key:
        args.append(intent.key)
    return run_effect, args, {}


def add_guid_kwarg(kwargs):
    """For queues that carry only arguments: the current id rides in ``kwargs``."""
    guid = get_guid()
    if guid is not None:
        kwargs[GUID_KWARG] = guid
    return kwargs
