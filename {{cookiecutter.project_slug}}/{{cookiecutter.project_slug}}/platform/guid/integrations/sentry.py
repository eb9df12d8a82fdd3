"""Tag Sentry events with the correlation id (tag ``transaction_id``).

django-guid sets the tag inside a throw-away isolation scope, so on current
sentry-sdk nothing is tagged. Here the tag is added when an event is captured,
by a global event processor: whatever scope Sentry is using, an event raised
while an id is current (a request, a task, a command, a thread given the id
with ``carry_guid``) carries it, including events captured after the view.
"""

from django.core.exceptions import ImproperlyConfigured

from ..context import get_guid
from .base import Integration

TAG = "transaction_id"
_processor_added = False


def tag_event_with_guid(event, hint):
    guid = get_guid()
    if guid is not None:
        event.setdefault("tags", {})[TAG] = guid
    return event


class SentryIntegration(Integration):
    identifier = "SentryIntegration"

    def setup(self):
        try:
            import sentry_sdk
        except ModuleNotFoundError as exc:
            raise ImproperlyConfigured(
                "SentryIntegration needs the sentry-sdk package: pip install sentry-sdk"
            ) from exc
        global _processor_added
        if not _processor_added:
            sentry_sdk.get_global_scope().add_event_processor(tag_event_with_guid)
            _processor_added = True

    def run(self, guid, **kwargs):
        """Nothing to do per request: the event processor reads the current id."""
