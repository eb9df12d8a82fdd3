"""django-q2: the correlation id travels in the task package, ``async_task()`` included.

``pre_enqueue`` adds the current id to the package django-q signs and queues;
``pre_execute`` makes it current in the cluster's worker (a fresh id when the
package has none, e.g. a schedule), and ``post_execute_in_worker`` forgets it.
"""

from ..context import clear_guid, get_guid
from .base import HookIntegration, adopt_guid

PACKAGE_KEY = "correlation_id"


def add_guid(sender=None, task=None, **kwargs):
    guid = get_guid()
    if task is not None and guid is not None:
        task.setdefault(PACKAGE_KEY, guid)


def restore_guid(sender=None, task=None, **kwargs):
    guid = task.get(PACKAGE_KEY) if isinstance(task, dict) else None
    adopt_guid(guid)


def forget_guid(sender=None, **kwargs):
    clear_guid()


class DjangoQIntegration(HookIntegration):
    identifier = "DjangoQIntegration"

    def setup(self):
        signals = self.require("django_q.signals", "django-q2")
        signals.pre_enqueue.connect(add_guid, dispatch_uid="guid.django_q.enqueue")
        signals.pre_execute.connect(restore_guid, dispatch_uid="guid.django_q.execute")
        signals.post_execute_in_worker.connect(forget_guid, dispatch_uid="guid.django_q.done")
