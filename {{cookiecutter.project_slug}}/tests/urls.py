"""Views and routes used only by the tests (``@pytest.mark.urls("tests.urls")``)."""

import asyncio
import logging
import random
import time

from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path

from .conftest import platform_module

guid = platform_module("guid")
airlock = platform_module("airlock")
effects = []  # what the side effects enqueued by the views below did, in order


def record_effect(label):
    effects.append((label, guid.get_guid()))


logger = logging.getLogger("tests.views")


def _ids(request):
    return {"guid": guid.get_guid(), "attribute": getattr(request, "correlation_id", None)}


def echo(request):
    logger.info("echo view answered")
    return JsonResponse(_ids(request))


def slow_echo(request):
    time.sleep(random.uniform(0, 0.01))
    return JsonResponse(_ids(request))


async def async_echo(request):
    await asyncio.sleep(random.uniform(0, 0.02))
    return JsonResponse(_ids(request))


def exposes_other_header(request):
    response = JsonResponse(_ids(request))
    response["Access-Control-Expose-Headers"] = "X-Total-Count"
    return response


def stream(request):
    def body():
        yield (guid.get_guid() or "none").encode()
        yield b"|"
        yield (guid.get_guid() or "none").encode()

    return StreamingHttpResponse(body())


def boom(request):
    raise RuntimeError("the view failed on purpose")


def boom_holding_secrets(request):
    """Fails in a frame whose locals, log line and error message hold every secret."""
    from django.conf import settings

    key = settings.SECRET_KEY
    shared = [getattr(settings, name) for name in dir(settings) if name.endswith("_SECRET")]
    token = settings.DOCKERFLOW_HEARTBEAT_DETAILS_TOKEN
    database = settings.DATABASES["default"].get("PASSWORD", "")
    broker = settings.REDIS_URL
    signing = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    logging.getLogger("tests.views").error("about to fail with %s and %s", broker, token)
    raise RuntimeError(f"failed with {key} {shared} {database} {signing}")


def effect_then_status(request, status):
    airlock.enqueue(record_effect, f"status {status}")
    return HttpResponse(status=status)


def effect_then_raise(request):
    airlock.enqueue(record_effect, "raised")
    raise RuntimeError("the view failed after enqueuing")


def effect_then_rollback(request):
    from django.db import transaction

    try:
        with transaction.atomic():
            airlock.enqueue(record_effect, "rolled back")
            with airlock.scope():
                airlock.enqueue(record_effect, "inner, rolled back")
            raise ValueError("undo")
    except ValueError:
        pass
    airlock.enqueue(record_effect, "after rollback")
    return HttpResponse(status=200)


def failing_effect():
    raise OSError("mail server down")


def one_effect_fails(request):
    airlock.enqueue(record_effect, "first")
    airlock.enqueue(failing_effect)
    airlock.enqueue(record_effect, "third")
    return HttpResponse(status=201)


async def async_effect(request):
    airlock.enqueue(record_effect, "async")
    return HttpResponse(status=int(request.GET.get("status", 200)))


urlpatterns = [
    path("effects/status/<int:status>/", effect_then_status),
    path("effects/raise/", effect_then_raise),
    path("effects/rollback/", effect_then_rollback),
    path("effects/one-fails/", one_effect_fails),
    path("effects/async/", async_effect),
    path("echo/", echo),
    path("slow/", slow_echo),
    path("async/", async_echo),
    path("expose/", exposes_other_header),
    path("stream/", stream),
    path("boom/", boom),
    path("boom-holding-secrets/", boom_holding_secrets),
    path("ignored/", echo),
    path("skip/me/", echo),
]
