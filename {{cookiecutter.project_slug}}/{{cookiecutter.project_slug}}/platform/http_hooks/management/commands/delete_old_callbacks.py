import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ...models import Callback

CHUNK = 5000


class Command(BaseCommand):
    help = (
        "Delete sent and failed callbacks created more than DAYS days ago, in chunks. "
        "Waiting callbacks are kept: they still have deliveries ahead of them."
    )

    def add_arguments(self, parser):
        parser.add_argument("days_back", type=int, metavar="DAYS")

    def handle(self, *args, days_back, **options):
        if days_back < 0:
            raise CommandError("DAYS must be 0 or more.")
        cutoff = timezone.now() - datetime.timedelta(days=days_back)
        old = Callback.objects.filter(create_datetime__lt=cutoff)
        done = old.exclude(status=Callback.Status.WAITING)
        deleted = 0
        last = 0
        while True:
            # In primary-key order from where the last chunk ended: old rows come
            # first, and no chunk rescans the rows already deleted.
            chunk = done.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)
            ids = list(chunk[:CHUNK])
            if not ids:
                break
            last = ids[-1]
            deleted += Callback.objects.filter(pk__in=ids).delete()[0]
            if options["verbosity"] >= 1:
                self.stdout.write(f"  deleted {deleted} so far")
        kept = old.filter(status=Callback.Status.WAITING).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Deleted {deleted} callbacks created before {cutoff:%Y-%m-%d %H:%M} UTC; "
                f"kept {kept} still waiting."
            )
        )
