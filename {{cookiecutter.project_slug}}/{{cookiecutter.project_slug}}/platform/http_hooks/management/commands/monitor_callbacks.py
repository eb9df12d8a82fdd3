import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ...models import Callback


class Command(BaseCommand):
    help = (
        "Exit with status 1 when more than --callbacks_limit callbacks have --status "
        "(updated in the last --minutes_ago minutes, or ever). For cron and Nagios-style checks."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--status",
            required=True,
            choices=[Callback.Status.ERROR, Callback.Status.WAITING],
        )
        parser.add_argument("--callbacks_limit", type=int, default=10, metavar="N")
        parser.add_argument("--minutes_ago", type=int, metavar="M")

    def handle(self, *args, status, callbacks_limit, minutes_ago, **options):
        if callbacks_limit < 0 or (minutes_ago is not None and minutes_ago < 1):
            raise CommandError("--callbacks_limit must be 0 or more and --minutes_ago 1 or more.")
        found = Callback.objects.filter(status=status)
        window = "in all"
        if minutes_ago is not None:
            since = timezone.now() - datetime.timedelta(minutes=minutes_ago)
            found = found.filter(update_datetime__gt=since)
            window = f"in the last {minutes_ago} minutes"
        count = found.count()
        message = f"{count} {status} callbacks {window} (limit {callbacks_limit})."
        if count > callbacks_limit:
            raise CommandError(f"Too many: {message}", returncode=1)
        self.stdout.write(message)
