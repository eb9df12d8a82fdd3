"""Retries without cron where the task queue schedules work itself: django-q2's cluster.

Celery's settings carry a beat entry for send_due_callbacks; with django-q2,
``migrate`` writes a schedule that sends due callbacks every minute (airlock's
``ensure_django_q_schedule``).
"""

from ..airlock.schedules import ensure_django_q_schedule

SCHEDULE_NAME = "http-hooks-send-due-callbacks"


def ensure_callbacks_schedule(sender, using, **kwargs):
    func = f"{__package__}.delivery.send_due_callbacks"
    ensure_django_q_schedule(SCHEDULE_NAME, func, using)
