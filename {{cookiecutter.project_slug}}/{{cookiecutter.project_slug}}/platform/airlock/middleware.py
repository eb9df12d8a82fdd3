"""AirlockMiddleware: one scope per request, released only when the request succeeds."""

from asgiref.sync import sync_to_async

from ..middleware import SyncAndAsyncMiddleware
from . import conf
from .core import _make_scope, close_scope


class AirlockMiddleware(SyncAndAsyncMiddleware):
    """Buffer the request's side effects; flush them on success, after commit.

    Success is ``should_flush(request, response)``: by default a status below
    400. A 4xx/5xx response, an exception seen by ``process_exception`` (even one
    a later middleware turns into a success), or a BaseException such as a
    worker timeout discards them; the scope is always closed, never left open.
    Place it above any middleware whose ``process_exception`` returns responses.
    """

    def should_flush(self, request, response):
        return response.status_code < 400

    def _open(self, request):
        # The configured executor (settings, or a test's executor_override).
        scope = _make_scope(
            conf.get_policy(), conf.get_scope_class(), **conf.get_scope_kwargs()
        ).enter()
        request.airlock_scope = scope
        return scope

    def __call__(self, request):
        if self.async_mode:
            return self._acall(request)
        scope = self._open(request)
        try:
            response = self.get_response(request)
        except BaseException as error:
            close_scope(scope, error)
            raise
        close_scope(scope, self._outcome(request, response))
        return response

    async def _acall(self, request):
        scope = self._open(request)
        try:
            response = await self.get_response(request)
        except BaseException as error:
            await sync_to_async(close_scope)(scope, error)
            raise
        await sync_to_async(close_scope)(scope, self._outcome(request, response))
        return response

    def _outcome(self, request, response):
        """None to flush; otherwise the reason to discard."""
        exception = getattr(request, "_airlock_exception", None)
        if exception is not None:
            return exception
        if not self.should_flush(request, response):
            return _Discard(response)
        return None

    def process_exception(self, request, exception):
        request._airlock_exception = exception
        return None


class _Discard(Exception):
    """Why a request's effects were dropped: its response (an error status)."""

    def __init__(self, response):
        super().__init__(f"response status {response.status_code}")
        self.response = response
