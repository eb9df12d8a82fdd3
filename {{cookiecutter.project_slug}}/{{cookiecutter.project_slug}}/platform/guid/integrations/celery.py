"""Celery: the correlation id travels with every task, ``.delay()`` included.

``before_task_publish`` puts the current id in the message headers (under the
``GUID_HEADER_NAME``); ``task_prerun`` restores it in the worker (or makes a
new one for tasks nobody sent with an id, such as Beat's), and
``task_postrun`` forgets it. With ``log_parent`` each task run also gets its
own id, and the id of the task that sent it travels as ``CELERY_PARENT_ID``:
``CeleryTracing`` puts both on log records.
"""

import contextvars
import logging.config
import uuid

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..conf import get_config
from ..context import clear_guid, get_guid
from .base import HookIntegration, adopt_guid

PARENT_HEADER = "CELERY_PARENT_ID"

_parent_id = contextvars.ContextVar("celery_parent_id", default=None)
_current_id = contextvars.ContextVar("celery_current_id", default=None)


def get_celery_parent_id():
    """The id of the task run (``log_parent``) that sent the current task, if any."""
    return _parent_id.get()


def get_celery_current_id():
    """The current task run's own id (``log_parent``), if any."""
    return _current_id.get()


class CeleryIntegration(HookIntegration):
    """Carry correlation ids through Celery (the options of django-guid's integration).

    ``use_django_logging``: the worker logs through ``settings.LOGGING`` (so its
    lines have the same format and ids as the web process's) instead of
    Celery's own logging setup. ``log_parent``: track task-run ids and their
    parent (see ``CeleryTracing``). ``uuid_length``: length of generated
    task-run ids. ``sentry_integration``: tag Sentry events with the id even
    when ``SentryIntegration`` is not listed.
    """

    identifier = "CeleryIntegration"

    def __init__(
        self, use_django_logging=False, log_parent=False, uuid_length=32, sentry_integration=False
    ):
        super().__init__()
        if (
            isinstance(uuid_length, bool)  # True is an int to Python, not a length
            or not isinstance(uuid_length, int)
            or not 1 <= uuid_length <= 32
        ):
            raise ImproperlyConfigured(
                "CeleryIntegration: uuid_length must be an int from 1 to 32."
            )
        for name, value in {
            "use_django_logging": use_django_logging,
            "log_parent": log_parent,
            "sentry_integration": sentry_integration,
        }.items():
            if not isinstance(value, bool):
                raise ImproperlyConfigured(f"CeleryIntegration: {name} must be True or False.")
        self.use_django_logging = use_django_logging
        self.log_parent = log_parent
        self.uuid_length = uuid_length
        self.sentry_integration = sentry_integration

    def setup(self):
        signals = self.require("celery.signals", "celery")
        if self.sentry_integration:
            from .sentry import SentryIntegration

            SentryIntegration().setup()
        uid = "guid.celery"
        signals.before_task_publish.connect(self.publish, weak=False, dispatch_uid=f"{uid}.publish")
        signals.task_prerun.connect(self.prerun, weak=False, dispatch_uid=f"{uid}.prerun")
        signals.task_postrun.connect(self.postrun, weak=False, dispatch_uid=f"{uid}.postrun")
        if self.use_django_logging:
            signals.setup_logging.connect(
                configure_logging_from_django, weak=False, dispatch_uid=f"{uid}.logging"
            )

    def _run_id(self):
        return uuid.uuid4().hex[: self.uuid_length]

    def publish(self, headers=None, **kwargs):
        if headers is None:
            return
        guid = get_guid()
        if guid is not None:
            headers.setdefault(get_config().header_name, guid)
        if self.log_parent and _current_id.get() is not None:
            headers[PARENT_HEADER] = _current_id.get()

    def prerun(self, task=None, **kwargs):
        request = getattr(task, "request", None)
        guid = request.get(get_config().header_name) if request is not None else None
        adopt_guid(guid)
        if self.log_parent:
            parent = request.get(PARENT_HEADER) if request is not None else None
            _parent_id.set(parent)
            _current_id.set(self._run_id())

    def postrun(self, **kwargs):
        clear_guid()
        _parent_id.set(None)
        _current_id.set(None)


def configure_logging_from_django(**kwargs):
    """Celery's ``setup_logging``: use the project's LOGGING instead of Celery's handlers."""
    logging.config.dictConfig(settings.LOGGING)


class CeleryTracing(logging.Filter):
    """Put ``celery_parent_id`` and ``celery_current_id`` on every record (None outside tasks)."""

    def filter(self, record):
        record.celery_parent_id = _parent_id.get()
        record.celery_current_id = _current_id.get()
        return True
