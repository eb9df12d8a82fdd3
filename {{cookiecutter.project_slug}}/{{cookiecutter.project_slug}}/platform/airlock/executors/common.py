"""What the task-queue executors share: plain functions by dotted path, early checks."""

import json

from django.utils.module_loading import import_string

from ...guid import get_guid
from ...guid.integrations.base import GUID_KWARG
from ..errors import UsageError


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


def call_function(path, args, kwargs):
    """The worker side of ``function_path``: import the function and call it."""
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
    through ``run_effect`` with its dotted path and arguments as its own.
    """
    if is_queue_task(intent.task):
        return intent.task, list(intent.args), dict(intent.kwargs)
    return run_effect, [function_path(intent.task), list(intent.args), intent.kwargs], {}


def add_guid_kwarg(kwargs):
    """For queues that carry only arguments: the current id rides in ``kwargs``."""
    guid = get_guid()
    if guid is not None:
        kwargs[GUID_KWARG] = guid
    return kwargs
