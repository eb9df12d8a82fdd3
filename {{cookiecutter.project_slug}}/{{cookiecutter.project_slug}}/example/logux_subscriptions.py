"""The example's Logux channel: ``orders/<id>``, whose load sends the order's current state.

Found by the logux app's autodiscovery (``logux_subscriptions`` of each app).
"""

from django.contrib.auth import get_user_model

from ..platform.logux import ChannelCommand, logux
from .models import Order


def order_state(order):
    """The action that tells a client what an order looks like now."""
    return {
        "type": "orders/state",
        "id": order.pk,
        "reference": order.reference,
        "status": order.status,
        "total": str(order.total),
    }


def is_staff(user_id):
    return get_user_model()._default_manager.filter(pk=user_id, is_staff=True).exists()


@logux.channels.register
class OrderChannel(ChannelCommand):
    channel_pattern = r"orders/(?P<order_id>\d+)"

    def access(self, action, meta):
        return is_staff(meta.user_id) and Order.objects.filter(pk=self.params["order_id"]).exists()

    def load(self, action, meta):
        return order_state(Order.objects.get(pk=self.params["order_id"]))
