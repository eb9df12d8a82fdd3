"""manage.py relay_effects: send the side effects the outbox still holds.

Run by the task queue's scheduler where it has one (Celery beat, django-q's
cluster, Huey's consumer), else by cron or the Kubernetes CronJob, every
minute. ``--loop`` keeps running, for a process of its own.
"""

import time

from django.core.management.base import BaseCommand

from ...outbox import relay


class Command(BaseCommand):
    help = "Send the side effects waiting in the outbox (those due now), oldest first."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=100, help="Rows claimed at a time.")
        parser.add_argument(
            "--loop", action="store_true", help="Keep relaying, every --interval seconds."
        )
        parser.add_argument("--interval", type=float, default=10.0)
        parser.add_argument(
            "--all",
            action="store_true",
            help="Send every waiting effect now, not only those due (after fixing the broker).",
        )

    def handle(self, *args, batch, loop, interval, **options):
        from django.utils import timezone

        from ...models import PendingEffect

        if batch < 1 or interval <= 0:
            self.stderr.write("--batch must be 1 or more and --interval above 0.")
            raise SystemExit(2)
        if options["all"]:
            PendingEffect.objects.update(next_attempt_at=timezone.now())
        while True:
            summary = relay(batch=batch)
            if options["verbosity"] > 0:
                self.stdout.write(f"Outbox: {summary}")
            if not loop:
                return
            time.sleep(interval)
