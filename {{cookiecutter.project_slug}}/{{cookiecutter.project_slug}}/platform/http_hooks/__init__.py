"""HTTP hooks: model events become signed, retried HTTP requests, configured in the admin.

    from <project>.platform import http_hooks

    http_hooks.create_hook(
        ["django.db.models.signals.post_save"],
        model="example.order",
        target_url="https://partner.example/hooks/orders",
    )

Public API: create_hook, create_signal, send_callbacks (the sender's entry point),
deliver_callbacks, Sender; errors HttpHooksError, InvalidHookError,
InvalidSignalError, InvalidPayloadError, InvalidHeadersError, InvalidTargetError.
Models (Hook, Signal, Callback) live in ``.models``. Names that touch models are
imported on first use, so importing this package never loads models early.
"""

from .errors import (
    HttpHooksError,
    InvalidHeadersError,
    InvalidHookError,
    InvalidPayloadError,
    InvalidSignalError,
    InvalidTargetError,
)

_LAZY = {
    "create_hook": "api",
    "create_signal": "api",
    "deliver_callbacks": "delivery",
    "send_due_callbacks": "delivery",
    "Sender": "delivery",
}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)


def send_callbacks(*, hook_id=None, callbacks=None):
    """Send waiting callbacks now (all due ones, one hook's, or these ids); a Summary."""
    from .delivery import Sender

    return Sender().send(ids=callbacks, hook_id=hook_id)


__all__ = [
    "HttpHooksError",
    "InvalidHeadersError",
    "InvalidHookError",
    "InvalidPayloadError",
    "InvalidSignalError",
    "InvalidTargetError",
    "Sender",
    "create_hook",
    "create_signal",
    "deliver_callbacks",
    "send_callbacks",
    "send_due_callbacks",
]
