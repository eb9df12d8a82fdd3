"""The airlock pattern in a view: save, enqueue the side effect, let the middleware decide.

The confirmation mail is only enqueued here. AirlockMiddleware releases it
after the response (below 400) and after the transaction commits; a
validation error, an exception or a rollback means no mail is ever sent.
"""

from django.contrib.admin.views.decorators import staff_member_required
from django.db import transaction
from django.forms import ModelForm
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from ..platform import airlock
from .models import Order
from .tasks import send_order_confirmation


class OrderForm(ModelForm):
    class Meta:
        model = Order
        fields = ("reference", "customer_email", "total")


@require_POST
@staff_member_required
def create_order(request):
    """POST reference, customer_email, total (a form): 201 with the order, or 400 with errors."""
    form = OrderForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    with transaction.atomic():
        order = form.save()
        airlock.enqueue(send_order_confirmation, order.pk)
    return JsonResponse({"id": order.pk, "reference": order.reference}, status=201)
