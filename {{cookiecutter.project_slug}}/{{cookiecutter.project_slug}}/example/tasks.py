"""Side effects of the example app: plain functions, enqueued with airlock.

They take ids, not model instances: they may run in a worker process, later,
so they read the current state from the database themselves.
"""

import logging

from django.core.mail import send_mail

from .models import Order

logger = logging.getLogger(__name__)


def send_order_confirmation(order_id):
    """Mail the customer that their order was received."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:  # deleted since: nothing to confirm
        logger.info("Order %s is gone; no confirmation sent", order_id)
        return
    send_mail(
        subject=f"Order {order.reference} received",
        message=f"Thank you! We received your order {order.reference} ({order.total}).",
        from_email=None,
        recipient_list=[order.customer_email],
    )
    logger.info("Confirmation for order %s sent", order.reference)
