"""Views and routes used only by the tests (``@pytest.mark.urls("tests.urls")``)."""

import asyncio
import logging
import random
import time

from django.http import JsonResponse, StreamingHttpResponse
from django.urls import path

from .conftest import platform_module

guid = platform_module("guid")
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


urlpatterns = [
    path("echo/", echo),
    path("slow/", slow_echo),
    path("async/", async_echo),
    path("expose/", exposes_other_header),
    path("stream/", stream),
    path("boom/", boom),
    path("ignored/", echo),
    path("skip/me/", echo),
]
