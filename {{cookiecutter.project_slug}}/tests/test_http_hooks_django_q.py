"""With django-q2, migrate schedules the HTTP hooks' retries: no cron needed."""

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from .conftest import platform_module

pytestmark = [pytest.mark.http_hooks, pytest.mark.django_db]
schedules = platform_module("http_hooks", "schedules")
delivery = platform_module("http_hooks", "delivery")


def test_migrate_schedules_send_due_callbacks_every_minute():
    schedule = Schedule.objects.get(name=schedules.SCHEDULE_NAME)
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 1, -1)
    module, name = schedule.func.rsplit(".", 1)
    assert getattr(__import__(module, fromlist=[name]), name) is delivery.send_due_callbacks


def test_migrating_again_keeps_one_schedule_and_a_paused_one_paused():
    Schedule.objects.filter(name=schedules.SCHEDULE_NAME).update(repeats=0)
    call_command("migrate", verbosity=0)
    (schedule,) = Schedule.objects.filter(name=schedules.SCHEDULE_NAME)
    assert schedule.repeats == 0
