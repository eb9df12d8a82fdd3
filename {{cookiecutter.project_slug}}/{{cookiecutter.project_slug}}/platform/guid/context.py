"""Where the correlation id lives: one ContextVar, isolated per thread and asyncio task.

Everything else in the app reads and writes the id through these functions, so
the storage can be reasoned about in one place. ``guid_scope`` is also the hook
point for anything that runs work on behalf of a request elsewhere (task queue
workers, threads, management commands): capture ``get_guid()`` where the work
is created and run the work inside ``guid_scope(captured)``.
"""

import contextlib
import contextvars
import functools
import logging
import os

from .conf import get_config

logger = logging.getLogger(__name__)

_guid = contextvars.ContextVar("correlation_id", default=None)


def get_guid():
    """The current correlation id, or None outside any request, task or scope."""
    return _guid.get()


def set_guid(value):
    """Make ``value`` the current correlation id and return it."""
    previous = _guid.get()
    if previous is not None and previous != value:
        logger.debug("Changing the correlation id from %s to %s", previous, value)
    _guid.set(value)
    return value


def clear_guid():
    """Forget the current correlation id (requests do this when they finish)."""
    _guid.set(None)


# The version (4) and variant (RFC 4122) bits of a UUID4, and the bits they replace.
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def _uuid4_hex():
    """``uuid.uuid4().hex`` without building a UUID object (it runs for every request):
    16 random bytes with the version and variant bits set, as 32 hex digits."""
    return "%032x" % ((int.from_bytes(os.urandom(16)) & _UUID4_CLEAR) | _UUID4_SET)


def generate_guid():
    """A new id in the configured format (hex or dashed UUID4) and length."""
    config = get_config()
    value = _uuid4_hex()
    if config.uuid_format != "hex":
        value = f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return value[: config.uuid_length]


class guid_scope(contextlib.ContextDecorator):
    """Run a block (or decorate a function, e.g. a command's ``handle``) with its own id.

    ``with guid_scope():`` generates a fresh id; ``with guid_scope(value):``
    restores one captured elsewhere (the id of the request that queued a task).
    The previous id, if any, is back in place when the block ends. As a
    decorator, every call gets its own scope (and so its own fresh id).
    """

    def __init__(self, guid=None):
        self.guid = guid
        self._token = None

    def _recreate_cm(self):
        return type(self)(self.guid)

    def __enter__(self):
        self._token = _guid.set(self.guid or generate_guid())
        return _guid.get()

    def __exit__(self, *exc_info):
        _guid.reset(self._token)
        return False


def carry_guid(func):
    """Wrap ``func`` so it runs with the id current *now*, e.g. in a new thread.

    New threads start with an empty context, so without this their log lines
    would carry no id: ``threading.Thread(target=carry_guid(work)).start()``.
    """
    captured = get_guid()

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with guid_scope(captured) if captured else contextlib.nullcontext():
            return func(*args, **kwargs)

    return wrapper


def outgoing_headers():
    """Headers to forward on outbound HTTP calls so the next service logs the same id."""
    guid = get_guid()
    return {get_config().header_name: guid} if guid else {}
