"""System checks for airlock's task-queue wiring (``manage.py check --deploy``)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility, deploy=True)
def check_development_broker(app_configs=None, **kwargs):
    """W001: Celery still uses the development filesystem broker."""
    broker = getattr(settings, "CELERY_BROKER_URL", "") or ""
    if broker.startswith("filesystem://"):
        return [
            checks.Warning(
                "Celery uses the development filesystem:// broker, which only works when "
                "every process shares one disk.",
                hint="Set REDIS_URL (or CELERY_BROKER_URL) in production.",
                id="airlock.W001",
            )
        ]
    return []
