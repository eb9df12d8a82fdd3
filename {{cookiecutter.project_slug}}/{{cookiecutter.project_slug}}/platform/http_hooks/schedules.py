"""Retries without cron where the task queue schedules work itself: django-q2's cluster.

Celery's settings carry a beat entry for send_due_callbacks. django-q2 keeps
its schedules as rows (admin: Scheduled tasks) that ``qcluster`` runs, so
``migrate`` writes one that sends due callbacks every minute, and keeps it so
(an operator may pause it by setting its repeats to 0: that is left alone).
"""

from django.apps import apps

SCHEDULE_NAME = "http-hooks-send-due-callbacks"


def ensure_django_q_schedule(sender, using, **kwargs):
    if not apps.is_installed("django_q"):
        return
    from django_q.models import Schedule

    func = f"{__package__}.delivery.send_due_callbacks"
    schedule, created = Schedule.objects.using(using).get_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": func,
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
    if not created and schedule.func != func:  # the package was renamed
        schedule.func = func
        schedule.save(update_fields=["func"])
