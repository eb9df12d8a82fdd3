"""The example app on both ends of an HTTP hook: a demo hook on Order, and its receiver.

``install_demo_hook`` (run by ``manage.py demo_data``) makes the project send
every created, changed or deleted Order to ``receive_order_event`` below, so a
fresh project shows the whole path: the change, the callback row, the signed
request, the verification and the answer, all visible in the admin's Callbacks.

A real receiver lives in another service and keeps the hook's secret in its
own configuration; this one reads it from the demo hook to stay self-contained.
"""

import json
import logging

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from ..platform import http_hooks
from ..platform.http_hooks.models import Hook

logger = logging.getLogger(__name__)

DEMO_HOOK_NAME = "Example: order events to the demo receiver"
DEMO_PAYLOAD = """{
  "event": "{{ event_type }}",
  "reference": "{{ instance.reference }}",
  "status": "{{ instance.status }}",
  "total": "{{ instance.total }}",
  "customer": "{{ instance.customer_email }}"
}"""
DEMO_SIGNALS = ["django.db.models.signals.post_save", "django.db.models.signals.post_delete"]


def install_demo_hook(target_url):
    """Create the demo hook, or point the existing one at ``target_url``; return it."""
    hook = Hook.objects.filter(name=DEMO_HOOK_NAME).first()
    if hook is None:
        return http_hooks.create_hook(
            DEMO_SIGNALS,
            model="example.order",
            name=DEMO_HOOK_NAME,
            target_url=target_url,
            payload_template=DEMO_PAYLOAD,
        )
    hook.target_url = target_url
    hook.enabled = True
    hook.save()
    return hook


@csrf_exempt  # a machine-to-machine endpoint: the signature is what authenticates it
@require_POST
def receive_order_event(request):
    """Verify a delivery of the demo hook (Standard Webhooks) and log it: 204, or 400 if forged."""
    hook = Hook.objects.filter(name=DEMO_HOOK_NAME).only("secret").first()
    if hook is None:
        return JsonResponse({"error": "no demo hook: run manage.py demo_data"}, status=404)
    try:
        event = Webhook(hook.secret).verify(request.body, dict(request.headers))
    except (WebhookVerificationError, json.JSONDecodeError) as exc:
        logger.warning("Refused an order event: %s", exc)
        return JsonResponse({"error": f"not a valid delivery: {exc}"}, status=400)
    logger.info(
        "Order %s %s (webhook-id %s)",
        event.get("reference"),
        event.get("event"),
        request.headers["webhook-id"],
    )
    return HttpResponse(status=204)
