"""The three Dockerflow endpoints.

``/__lbheartbeat__`` and ``/__heartbeat__`` are normally answered by
``HealthCheckMiddleware`` before host validation and the HTTPS redirect (load
balancers probe over plain HTTP with the container's IP as Host); these views
are what it calls, and what the URLconf routes to if the middleware is absent.
"""

import hmac
import logging

from django.conf import settings
from django.core import checks as django_checks
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from . import conf
from .heartbeat import run_checks
from .signals import heartbeat_failed, heartbeat_passed
from .version import MalformedVersion

logger = logging.getLogger(__name__)


@never_cache
def lbheartbeat(request):
    """200 with an empty body: the process is up. Touches no database or cache."""
    return HttpResponse(status=200)


def _may_see_details(request):
    if settings.DEBUG:
        return True
    token = conf.get("DOCKERFLOW_HEARTBEAT_DETAILS_TOKEN")
    if not token:
        return False
    sent = request.headers.get("Authorization", "")
    return sent.startswith("Bearer ") and hmac.compare_digest(
        sent[len("Bearer ") :].encode(), token.encode()
    )


def _log_messages(result):
    """Each message of a failing or warning check, with the check's name, in the log.

    The response shows messages only to authorised callers; the log is where an
    operator finds why a probe failed. A failing check is logged at WARNING,
    not ERROR: during an outage every probe fails, and ERROR lines become
    alerts (Sentry events) one per probe. A warning check is logged at INFO.
    """
    for check in result.results:
        for message in check.messages:
            if message.level >= django_checks.WARNING:
                level = logging.WARNING if message.level >= django_checks.ERROR else logging.INFO
                logger.log(
                    level, "Heartbeat check %s: %s (%s)", check.name, message.msg, message.id
                )


@never_cache
def heartbeat(request):
    """Run the checks: 200 when all are below ERROR, else the failed status code."""
    result = run_checks()
    _log_messages(result)
    if result.failed:
        status = conf.get("DOCKERFLOW_HEARTBEAT_FAILED_STATUS_CODE")
        failing = [r.name for r in result.results if r.level >= django_checks.ERROR]
        logger.warning("Heartbeat failed (%s): %s", result.status, ", ".join(failing))
        signal = heartbeat_failed
    else:
        status = 200
        signal = heartbeat_passed
    # A receiver that raises (a metrics client down, say) must not take the probe down.
    for receiver, outcome in signal.send_robust(sender=heartbeat, level=result.level):
        if isinstance(outcome, Exception):
            logger.error("Heartbeat signal receiver %r raised %r", receiver, outcome)
    response = JsonResponse(result.as_dict(_may_see_details(request)), status=status)
    # Logged above, with the reasons: django.request would add an ERROR line per probe.
    response._has_been_logged = True
    return response


@never_cache
def version(request):
    """The build's version.json, through DOCKERFLOW_VERSION_CALLBACK(BASE_DIR)."""
    try:
        data = conf.version_callback()(settings.BASE_DIR)
    except MalformedVersion as exc:
        logger.error("Cannot serve /__version__: version.json is malformed: %s", exc)
        return JsonResponse({"error": f"version.json is malformed: {exc}"}, status=500)
    except Exception as exc:
        logger.exception("DOCKERFLOW_VERSION_CALLBACK failed")
        return JsonResponse({"error": f"the version callback failed: {exc!r}"}, status=500)
    if data is None:
        return JsonResponse({"error": "version.json not found"}, status=404)
    if not isinstance(data, dict):
        logger.error("DOCKERFLOW_VERSION_CALLBACK returned %s, not a dict", type(data).__name__)
        return JsonResponse({"error": "the version callback returned no JSON object"}, status=500)
    return JsonResponse(data)
