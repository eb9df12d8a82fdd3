"""The django_tasks executor: ``enqueue`` for django-tasks Tasks, ``run_effect`` for functions.

``_dispatch_options`` go to ``Task.using()`` (``priority``, ``queue_name``,
``run_after``, ``backend``). Arguments must be JSON. The correlation id rides
in the keyword arguments (guid's ``DjangoTasksIntegration`` takes it out in
the worker).
"""

from django_tasks import task
from django_tasks.base import Task

from .common import add_guid_kwarg, call_function, function_path, require_json, task_and_arguments


@task()
def run_effect(path, args, kwargs):
    """Run a plain function enqueued with airlock (by its dotted path), in the worker."""
    call_function(path, args, kwargs)


def django_tasks_executor(intent):
    """Enqueue the intent with the task's backend; ``db_worker`` runs it."""
    options = dict(intent.dispatch_options or {})
    target, args, kwargs = task_and_arguments(intent, _is_task, run_effect)
    add_guid_kwarg(kwargs)
    if options:
        target = target.using(**options)
    target.enqueue(*args, **kwargs)


def _is_task(task):
    return isinstance(task, Task)


def check(intent):
    if not _is_task(intent.task):
        function_path(intent.task)
    require_json(intent, "django-tasks")


django_tasks_executor.check = check
