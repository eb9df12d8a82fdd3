"""Dockerflow middleware: health probes answered early, and one summary line per request.

Order in MIDDLEWARE (the generated settings do this)::

    guid_middleware               # the correlation id, used as the summary's rid
    RequestSummaryMiddleware      # logs every request, probes included
    HealthCheckMiddleware         # answers the probes before host checks and HTTPS redirects
    SecurityMiddleware, ...
"""

import logging
import re
import time

from asgiref.sync import sync_to_async

from ..guid import get_guid
from ..middleware import SyncAndAsyncMiddleware
from . import conf, views

summary_logger = logging.getLogger("request.summary")

PROBES = {
    "/__lbheartbeat__": views.lbheartbeat,
    "/__lbheartbeat__/": views.lbheartbeat,
    "/__heartbeat__": views.heartbeat,
    "/__heartbeat__/": views.heartbeat,
}


class HealthCheckMiddleware(SyncAndAsyncMiddleware):
    """Answer /__lbheartbeat__ and /__heartbeat__ before anything checks Host or scheme.

    Load balancers and orchestrators probe over plain HTTP with the container's
    IP as Host, which ALLOWED_HOSTS and SECURE_SSL_REDIRECT would reject or
    redirect. Only these two paths skip those checks (and the rest of the stack,
    which also makes the liveness probe as cheap as the stack allows); every
    other path goes through them unchanged.
    """

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if self.async_mode:
            return self._acall(request, probe)
        if probe is not None:
            return probe(request)
        return self.get_response(request)

    async def _acall(self, request, probe):
        if probe is views.lbheartbeat:
            return probe(request)
        if probe is not None:
            return await sync_to_async(probe)(request)
        return await self.get_response(request)


class RequestSummaryMiddleware(SyncAndAsyncMiddleware):
    """Log one ``request.summary`` record per request with the mozlog fields.

    Fields: agent, errno (0 for 1xx-3xx, else the status code), lang, method,
    path, rid (the correlation id), t (milliseconds), uid (the user's pk or ""),
    code (the status) and, with DOCKERFLOW_SUMMARY_LOG_QUERYSTRING, querystring.
    The message itself ("GET /path 200 12ms") is what the text format shows.
    Server errors are logged at WARNING, not ERROR: the error itself is already
    reported (Sentry, django.request), and an ERROR summary would report it twice.
    """

    def __call__(self, request):
        if self.async_mode:
            return self._acall(request)
        start = time.perf_counter()
        response = self.get_response(request)
        self._log(request, response, start)
        return response

    async def _acall(self, request):
        start = time.perf_counter()
        response = await self.get_response(request)
        self._log(request, response, start)
        return response

    def process_exception(self, request, exception):
        request._summary_exception = exception
        return None

    def _log(self, request, response, start):
        code = response.status_code
        level = logging.WARNING if code >= 500 else logging.INFO
        if not summary_logger.isEnabledFor(level):
            return
        elapsed_ms = int((time.perf_counter() - start) * 1000)
        meta = request.META
        fields = {
            "agent": meta.get("HTTP_USER_AGENT", ""),
            "errno": 0 if code < 400 else code,
            "lang": meta.get("HTTP_ACCEPT_LANGUAGE", ""),
            "method": request.method,
            "path": request.path,
            "rid": get_guid(),
            "t": elapsed_ms,
            "uid": _user_id(request),
            "code": code,
        }
        if conf.get("DOCKERFLOW_SUMMARY_LOG_QUERYSTRING"):
            fields["querystring"] = meta.get("QUERY_STRING", "")
        exception = getattr(request, "_summary_exception", None)
        # A record made here rather than through logger.log(): that would walk the
        # stack to find the caller and vet every extra field, on every request.
        record = logging.LogRecord(
            summary_logger.name,
            level,
            "",
            0,
            "%s %s %s %sms",
            (request.method, _printable(request.path), code, elapsed_ms),
            (type(exception), exception, exception.__traceback__) if exception else None,
        )
        record.__dict__.update(fields)
        summary_logger.handle(record)


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


def _printable(text):
    """Paths are client input: keep control characters out of text log lines."""
    return text if text.isprintable() else _UNPRINTABLE.sub("?", text)


def _user_id(request):
    # Only a user the request already loaded: looking it up here would cost a
    # query per request just for logging (auth caches it as _cached_user).
    user = getattr(request, "_cached_user", None)
    if user is not None and user.is_authenticated:
        return str(user.pk)
    return ""
