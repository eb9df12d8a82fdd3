"""Periodic work without cron where the task queue schedules work itself: django-q2.

django-q2 keeps its schedules as rows (admin: Scheduled tasks) that
``qcluster`` runs, so ``migrate`` writes them and keeps them pointing at the
right function (an operator may pause one by setting its repeats to 0: that
is left alone). Celery's settings carry beat entries and Huey's consumer runs
``@periodic_task`` functions instead.
"""

from django.apps import apps

RELAY_SCHEDULE_NAME = "airlock-relay-effects"


def ensure_django_q_schedule(name, func, using, minutes=1):
    """Create (or repoint) the every-``minutes`` schedule ``name`` that runs ``func``."""
    if not apps.is_installed("django_q"):
        return
    from django_q.models import Schedule

    schedule, created = Schedule.objects.using(using).get_or_create(
        name=name,
        defaults={
            "func": func,
            "schedule_type": Schedule.MINUTES,
            "minutes": minutes,
            "repeats": -1,
        },
    )
    if not created and schedule.func != func:  # the package was renamed
        schedule.func = func
        schedule.save(update_fields=["func"])


def ensure_relay_schedule(sender, using, **kwargs):
    """post_migrate: with django-q2, the outbox relay runs every minute."""
    ensure_django_q_schedule(RELAY_SCHEDULE_NAME, f"{__package__}.outbox.relay", using)
