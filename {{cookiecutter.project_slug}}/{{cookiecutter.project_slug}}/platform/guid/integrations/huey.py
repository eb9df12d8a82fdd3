"""Huey: the correlation id of the code that queued a task, restored while it runs.

Huey messages have no headers, so the id rides in the task's keyword
arguments under ``GUID_KWARG`` (airlock's huey executor puts it there). A
``pre_execute`` hook takes it out before the task function is called (the
function never sees it) and makes it current; ``post_execute`` puts it back,
so a retried task keeps its id, and forgets it. Tasks queued without one get
a fresh id.
"""

from ..context import clear_guid
from .base import GUID_KWARG, HookIntegration, adopt_guid


def restore_guid(task):
    kwargs = task.kwargs if isinstance(task.kwargs, dict) else {}
    guid = kwargs.pop(GUID_KWARG, None)
    task._correlation_id = guid
    adopt_guid(guid)


def forget_guid(task, task_value, exception):
    guid = getattr(task, "_correlation_id", None)
    if guid and isinstance(task.kwargs, dict):
        task.kwargs[GUID_KWARG] = guid
    clear_guid()


class HueyIntegration(HookIntegration):
    identifier = "HueyIntegration"

    def setup(self):
        huey = self.require("huey.contrib.djhuey", "huey").HUEY
        huey.pre_execute(name="guid.restore")(restore_guid)
        huey.post_execute(name="guid.forget")(forget_guid)
