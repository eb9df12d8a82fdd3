"""The example's Logux action: ``orders/status`` changes an order's status.

Staff only. Clients subscribed to ``orders/<id>`` get the action too (resend),
and the change is saved in one transaction with its side effects.
"""

from ..platform.logux import ActionCommand, logux
from .logux_subscriptions import is_staff
from .models import Order


@logux.actions.register
class ChangeOrderStatus(ActionCommand):
    action_type = "orders/status"

    def resend(self, action, meta):
        return [f"orders/{action.get('id')}"]

    def access(self, action, meta):
        return is_staff(meta.user_id) and Order.objects.filter(pk=action.get("id")).exists()

    def process(self, action, meta):
        status = action.get("status")
        if status not in Order.Status.values:
            raise ValueError(f"status must be one of {', '.join(Order.Status.values)}")
        order = Order.objects.select_for_update().get(pk=action["id"])
        order.status = status
        order.save(update_fields=["status", "updated_at"])
