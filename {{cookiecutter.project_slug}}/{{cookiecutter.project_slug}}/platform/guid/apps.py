from django.apps import AppConfig
from django.core.signals import request_finished


class GuidConfig(AppConfig):
    """Correlation ids: validates DJANGO_GUID and sets up its integrations at startup."""

    # The dotted path comes from the package itself, so the file needs no templating.
    name = __package__
    label = "guid"
    verbose_name = "Correlation IDs"

    def ready(self):
        from .conf import get_config
        from .context import generate_guid, get_guid, set_guid
        from .signals import clear_guid_when_request_finishes

        get_config()  # validate now: a mistake stops startup, not the first request
        request_finished.connect(
            clear_guid_when_request_finishes, dispatch_uid="guid.clear_on_request_finished"
        )
        # The process itself gets an id, so a management command or script logs
        # with one id from start to end; each request then gets its own.
        if get_guid() is None:
            set_guid(generate_guid())
