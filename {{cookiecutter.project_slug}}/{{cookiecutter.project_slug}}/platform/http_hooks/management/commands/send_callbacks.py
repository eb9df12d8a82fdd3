from django.core.management.base import BaseCommand

from ...delivery import Sender


class Command(BaseCommand):
    help = (
        "Send waiting callbacks: every due one (first attempts and retries), one hook's, "
        "or the ones listed. Run it from cron to retry while no new events arrive."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hook_id", type=int, help="only this hook's waiting callbacks")
        parser.add_argument(
            "--callbacks",
            nargs="+",
            type=int,
            metavar="ID",
            help="only these callbacks (if still waiting), even if their retry is not due yet",
        )
        parser.add_argument("--batch-size", type=int, help="callbacks claimed per batch")

    def handle(self, *args, hook_id=None, callbacks=None, batch_size=None, **options):
        def progress(batch, total):
            if options["verbosity"] >= 1:
                self.stdout.write(f"  batch: {batch}  (so far: {total})")

        sender = Sender(batch_size=batch_size, progress=progress)
        summary = sender.send(ids=callbacks, hook_id=hook_id)
        message = f"Callbacks: {summary}." if summary.total else "No callback to send."
        self.stdout.write(self.style.SUCCESS(message) if not summary.failed else message)
