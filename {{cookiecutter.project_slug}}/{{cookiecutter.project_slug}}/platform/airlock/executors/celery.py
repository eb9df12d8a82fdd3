"""The celery executor: ``apply_async`` for Celery tasks, ``run_effect`` for plain functions.

``_dispatch_options`` are ``apply_async`` options (``countdown``, ``eta``,
``queue``, ``priority``, ``headers``...). The correlation id travels in the
message headers (guid's ``CeleryIntegration``).
"""

from celery import Task, current_app, shared_task

from .common import call_function, function_path, require_json, task_and_arguments


@shared_task(name="airlock.run_effect", ignore_result=True)
def run_effect(path, args, kwargs, key=None):
    """Run a plain function enqueued with airlock (by its dotted path), in the worker."""
    call_function(path, args, kwargs, key)


def _is_task(task):
    return isinstance(task, Task)


def celery_executor(intent):
    """Send the intent to the broker; the worker runs it."""
    task, args, kwargs = task_and_arguments(intent, _is_task, run_effect)
    options = dict(intent.dispatch_options or {})
    if intent.key:  # a durable effect's task id is its idempotency key (self.request.id)
        options.setdefault("task_id", intent.key)
    task.apply_async(args=args, kwargs=kwargs, **options)


def check(intent):
    if not _is_task(intent.task):
        function_path(intent.task)
    serializer = getattr(intent.task, "serializer", None) or current_app.conf.task_serializer
    if serializer == "json":
        require_json(intent, "Celery")


celery_executor.check = check
celery_executor.queued = True


def check_broker_connected(app_configs=None, **kwargs):
    """E010: the Celery broker cannot be reached."""
    from django.core import checks

    try:
        with current_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return [checks.Error(f"Cannot reach the Celery broker: {exc}", id="dockerflow.E010")]
    return []
