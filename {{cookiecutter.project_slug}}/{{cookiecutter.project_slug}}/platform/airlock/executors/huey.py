"""The huey executor: enqueue Huey tasks directly, ``run_effect`` for plain functions.

``_dispatch_options`` are Huey task settings: ``delay`` or ``eta`` (only when
given: upstream airlock always went through ``schedule()``, which fails
without one), ``priority``, ``retries``, ``retry_delay``, ``expires``,
``timeout``, ``id``. The task is built with its arguments as they are, so a
task keyword named like a Huey option (``priority=``, ``delay=``...) reaches
the task instead of being taken as an option, as ``task(...)`` would.
The correlation id rides in the task's keyword arguments (guid's
``HueyIntegration`` takes it out in the worker).
"""

from huey import crontab
from huey.api import TaskWrapper
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task
from huey.utils import normalize_time

from .common import add_guid_kwarg, call_function, function_path, task_and_arguments


@db_task(name="airlock.run_effect")
def run_effect(path, args, kwargs, key=None):
    """Run a plain function enqueued with airlock (by its dotted path), in the consumer."""
    call_function(path, args, kwargs, key)


@db_periodic_task(crontab(), name="airlock.relay_effects")
def relay_effects():
    """Every minute, in the consumer that runs periodic tasks: send what the outbox holds."""
    from ..outbox import relay

    relay()


def huey_executor(intent):
    """Put the intent on the Huey queue; the consumer runs it."""
    options = dict(intent.dispatch_options or {})
    wrapper, args, kwargs = task_and_arguments(intent, _is_task, run_effect)
    add_guid_kwarg(kwargs)
    if intent.key:  # a durable effect's task id is its idempotency key (task.id)
        options.setdefault("id", intent.key)
    eta, delay = options.pop("eta", None), options.pop("delay", None)
    if eta is not None or delay is not None:
        if hasattr(delay, "total_seconds"):
            delay = delay.total_seconds()
        options["eta"] = normalize_time(eta, delay, wrapper.huey.utc)
    wrapper.huey.enqueue(wrapper.task_class(tuple(args), kwargs, **options))


def _is_task(task):
    return isinstance(task, TaskWrapper)


def check(intent):
    if not _is_task(intent.task):
        function_path(intent.task)


huey_executor.check = check
huey_executor.queued = True


def check_broker_connected(app_configs=None, **kwargs):
    """E010: Huey's storage (Redis or the SQLite file) cannot be read."""
    from django.core import checks

    try:
        HUEY.pending_count()
    except Exception as exc:
        return [checks.Error(f"Cannot reach Huey's storage: {exc}", id="dockerflow.E010")]
    return []
