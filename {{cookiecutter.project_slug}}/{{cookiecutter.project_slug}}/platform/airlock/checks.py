"""System checks for airlock: the task-queue wiring (``check --deploy``) and the outbox's
backlog (a heartbeat check)."""

from django.conf import settings
from django.core import checks
from django.db import DatabaseError


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


def check_outbox_backlog(app_configs=None, **kwargs):
    """W002: effects have waited in the outbox longer than AIRLOCK['BACKLOG_WARNING'].

    A heartbeat check (DOCKERFLOW_CHECKS), not a system check: it reads the
    database. A warning keeps the heartbeat at 200; its message says how many,
    since when, and why the queue refused the oldest.
    """
    from . import conf, outbox

    older_than = conf.get_setting("BACKLOG_WARNING")
    try:
        count, oldest, error = outbox.backlog(older_than)
    except DatabaseError:
        return []  # the database check reports that
    if not count:
        return []
    return [
        checks.Warning(
            f"{count} side effect(s) have waited in the outbox for more than {older_than} s "
            f"(oldest since {oldest.isoformat()}; last error: {error or 'none yet'}).",
            hint="Check the broker and that relay_effects runs (docs: airlock, durable effects).",
            id="airlock.W002",
        )
    ]
