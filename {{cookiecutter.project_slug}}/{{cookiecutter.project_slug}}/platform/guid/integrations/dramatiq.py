"""Dramatiq: the correlation id travels in each message's options, ``.send()`` included.

``CorrelationIdMiddleware`` adds the current id to a message's options when it
is enqueued and makes it current while a worker processes the message (a
fresh id when the message has none), then forgets it. ``DramatiqIntegration``
adds the middleware to the configured broker at startup.
"""

import dramatiq
from django.core.exceptions import ImproperlyConfigured

from ..context import clear_guid, get_guid
from .base import HookIntegration, adopt_guid

OPTION = "correlation_id"


class CorrelationIdMiddleware(dramatiq.Middleware):
    def before_enqueue(self, broker, message, delay):
        guid = get_guid()
        if guid is not None:
            message.options.setdefault(OPTION, guid)

    def before_process_message(self, broker, message):
        adopt_guid(message.options.get(OPTION))

    def after_process_message(self, broker, message, *, result=None, exception=None):
        clear_guid()

    def after_skip_message(self, broker, message):
        clear_guid()


class DramatiqIntegration(HookIntegration):
    identifier = "DramatiqIntegration"

    def setup(self):
        try:
            broker = dramatiq.get_broker()
        except Exception as exc:  # a broker that cannot even be built
            raise ImproperlyConfigured(f"DramatiqIntegration: no usable broker ({exc}).") from exc
        if not any(isinstance(m, CorrelationIdMiddleware) for m in broker.middleware):
            broker.add_middleware(CorrelationIdMiddleware())
