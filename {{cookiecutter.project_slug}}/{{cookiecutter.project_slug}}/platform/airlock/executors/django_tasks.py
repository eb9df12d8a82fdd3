"""The django_tasks executor: ``enqueue`` for django-tasks Tasks, ``run_effect`` for functions.

``_dispatch_options`` go to ``Task.using()`` (``priority``, ``queue_name``,
``run_after``, ``backend``). Arguments must be JSON. The correlation id rides
in the keyword arguments (guid's ``DjangoTasksIntegration`` takes it out in
the worker).
"""

import datetime
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task, TaskResultStatus

from .common import add_guid_kwarg, call_function, function_path, require_json, task_and_arguments


@task()
def run_effect(path, args, kwargs, key=None):
    """Run a plain function enqueued with airlock (by its dotted path), in the worker."""
    call_function(path, args, kwargs, key)


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
django_tasks_executor.queued = True

logger = logging.getLogger(__name__)


def requeue_lost_tasks():
    """Give back to the queue the tasks a dead worker left RUNNING; return how many.

    ``db_worker`` marks a row RUNNING when it takes it and nothing ever resets
    one whose worker was killed. A row RUNNING for longer than
    TASK_REDELIVERY_AFTER (more than TASK_TIME_LIMIT) is presumed lost: it is
    made READY again, to run from the start. The relay (``relay_effects``) calls
    this on every run.
    """
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.TASK_REDELIVERY_AFTER)
    count = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).update(status=TaskResultStatus.READY, run_after=now, started_at=None)
    if count:
        logger.warning("%d task(s) left RUNNING by a dead worker were queued again", count)
    return count


django_tasks_executor.recover_lost_tasks = requeue_lost_tasks
