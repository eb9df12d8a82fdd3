"""``manage.py demo_data``: a few example orders, and (with HTTP hooks) the demo hook."""

from decimal import Decimal
from importlib.util import find_spec

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ...models import Order

EXAMPLE_PACKAGE = __package__.rsplit(".", 2)[0]
DEMO_ORDERS = (
    ("DEMO-1", "ada@example.com", Order.Status.NEW, Decimal("12.50")),
    ("DEMO-2", "grace@example.com", Order.Status.PAID, Decimal("99.00")),
    ("DEMO-3", "linus@example.com", Order.Status.SHIPPED, Decimal("7.25")),
)


class Command(BaseCommand):
    help = (
        "Create example orders (kept if they exist) and, when the project has HTTP hooks, "
        "a hook sending order events to the example receiver. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--receiver-url",
            default="http://127.0.0.1:8000/example/webhooks/orders/",
            help="Where the demo hook sends order events (default: this project's "
            "example receiver under `make run` / `make start`).",
        )

    def handle(self, *args, receiver_url, **options):
        created = 0
        for reference, email, status, total in DEMO_ORDERS:
            _, new = Order.objects.get_or_create(
                reference=reference,
                defaults={"customer_email": email, "status": status, "total": total},
            )
            created += new
        self.stdout.write(f"Orders: {created} created, {len(DEMO_ORDERS) - created} already there.")
        # The hook part exists only in projects generated with HTTP hooks.
        if find_spec(f"{EXAMPLE_PACKAGE}.webhooks") is not None:
            from ...webhooks import install_demo_hook

            try:
                hook = install_demo_hook(receiver_url)
            except ValidationError as exc:  # e.g. a loopback receiver without DJANGO_DEBUG
                raise CommandError(f"The demo hook was not saved: {exc}") from None
            self.stdout.write(
                f"Hook {hook.name!r}: order changes are sent to {hook.target_url} "
                "(see them under HTTP hooks > Callbacks in the admin)."
            )
