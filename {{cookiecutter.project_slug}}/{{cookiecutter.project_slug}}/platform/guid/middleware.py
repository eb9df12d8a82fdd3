"""The correlation-id middleware, for sync and async stacks alike.

Place it first in MIDDLEWARE so every other middleware (and its log lines)
already sees the id. For each request it takes the id from the configured
header (if acceptable) or generates one, exposes it as
``request.correlation_id`` and through ``get_guid()``, runs the integrations
around the view and returns the id in a response header. The id is cleared
when the request finishes (``request_finished``), after any streamed body.
"""

import logging

from asgiref.sync import iscoroutinefunction
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.decorators import sync_and_async_middleware

from .conf import get_config
from .context import clear_guid, generate_guid, set_guid
from .validation import accept

logger = logging.getLogger(__name__)
APP = __package__


def _begin(request, config):
    sent = request.META.get(config.meta_key)
    accepted = accept(sent, config) if sent else None
    guid = set_guid(accepted or generate_guid())
    if sent and accepted is None:
        # Logged with the new id in place; the rejected value itself is never
        # echoed: it may be crafted to forge log lines.
        logger.warning(
            "Rejected the %s header (%d characters); using new id %s instead",
            config.header_name,
            len(sent),
            guid,
        )
    request.correlation_id = guid
    for integration in config.integrations:
        integration.run(guid=guid, request=request)
    return guid


def _finish(request, response, config, guid):
    try:
        if response is not None and config.return_header:
            response[config.header_name] = guid
            if config.expose_header:
                _expose(response, config.header_name)
    finally:
        for integration in config.integrations:
            integration.cleanup(request=request, response=response)
    return response


def _expose(response, header_name):
    """Add the header to Access-Control-Expose-Headers, keeping what is there."""
    existing = response.get("Access-Control-Expose-Headers")
    if not existing:
        response["Access-Control-Expose-Headers"] = header_name
        return
    names = [name.strip() for name in existing.split(",") if name.strip()]
    if header_name.lower() not in {name.lower() for name in names} and "*" not in names:
        names.append(header_name)
    response["Access-Control-Expose-Headers"] = ", ".join(names)


@sync_and_async_middleware
def guid_middleware(get_response):
    if not apps.is_installed(APP):
        raise ImproperlyConfigured(f"guid_middleware needs '{APP}' in INSTALLED_APPS.")

    if iscoroutinefunction(get_response):

        async def middleware(request):
            config = get_config()
            if config.is_ignored(request.path_info):
                clear_guid()  # no stale id for a path that gets none
                return await get_response(request)
            guid = _begin(request, config)
            response = None
            try:
                response = await get_response(request)
            finally:
                _finish(request, response, config, guid)
            return response

    else:

        def middleware(request):
            config = get_config()
            if config.is_ignored(request.path_info):
                clear_guid()  # no stale id for a path that gets none
                return get_response(request)
            guid = _begin(request, config)
            response = None
            try:
                response = get_response(request)
            finally:
                _finish(request, response, config, guid)
            return response

    return middleware
