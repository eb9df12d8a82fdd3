"""Correlation ids: one id per request, on every log line, Sentry event, task and webhook.

Public API::

    get_guid(), set_guid(value), clear_guid(), generate_guid()
    guid_scope(guid=None)   # a block, function or command with its own (or a given) id
    carry_guid(func)        # run func (e.g. in a thread) with the current id
    outgoing_headers()      # {header: id} to forward on outbound HTTP calls
    CorrelationId           # logging filter
    Integration, SentryIntegration
"""

from .context import (
    carry_guid,
    clear_guid,
    generate_guid,
    get_guid,
    guid_scope,
    outgoing_headers,
    set_guid,
)
from .integrations import Integration, SentryIntegration
from .log_filters import CorrelationId

__all__ = [
    "CorrelationId",
    "Integration",
    "SentryIntegration",
    "carry_guid",
    "clear_guid",
    "generate_guid",
    "get_guid",
    "guid_scope",
    "outgoing_headers",
    "set_guid",
]
