"""django-tasks: the correlation id of the code that enqueued a task, restored while it runs.

Task results store only arguments, so the id rides in the keyword arguments
under ``GUID_KWARG`` (airlock's django_tasks executor puts it there). The
``task_started`` signal takes it out before the task function is called (the
function never sees it) and makes it current; ``task_finished`` forgets it.
Tasks enqueued without one get a fresh id.
"""

from ..context import clear_guid
from .base import GUID_KWARG, HookIntegration, adopt_guid


def restore_guid(sender=None, task_result=None, **kwargs):
    arguments = getattr(task_result, "kwargs", None)
    adopt_guid(arguments.pop(GUID_KWARG, None) if isinstance(arguments, dict) else None)


def forget_guid(sender=None, **kwargs):
    clear_guid()


class DjangoTasksIntegration(HookIntegration):
    identifier = "DjangoTasksIntegration"

    def setup(self):
        signals = self.require("django_tasks.signals", "django-tasks")
        signals.task_started.connect(restore_guid, dispatch_uid="guid.django_tasks.started")
        signals.task_finished.connect(forget_guid, dispatch_uid="guid.django_tasks.finished")
