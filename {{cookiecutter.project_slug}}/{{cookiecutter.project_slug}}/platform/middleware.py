"""What the platform's middleware classes share."""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction


class SyncAndAsyncMiddleware:
    """Base for middleware that works in sync and async stacks alike.

    Django hands it a sync or an async ``get_response``; ``async_mode`` says
    which, and in async mode the instance is marked as a coroutine function so
    Django awaits it. Subclasses branch on ``async_mode`` in ``__call__``.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)
