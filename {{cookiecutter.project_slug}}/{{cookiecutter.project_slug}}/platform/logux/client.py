"""``add()``: send actions to the Logux server (back-end protocol 4), now or after commit."""

import functools

import httpx

from . import conf
from .errors import LoguxProxyException


@functools.cache
def _http():
    """One pooled client per process: add() is called per action, often in a burst."""
    return httpx.Client(headers={"User-Agent": "logux-django-backend"})


def _check(action, meta):
    if not isinstance(action, dict) or not isinstance(action.get("type"), str):
        raise TypeError(f"A Logux action is a dict with a string 'type'; got {action!r}.")
    if meta is not None and not isinstance(meta, dict):
        raise TypeError(f"Logux meta is a dict; got {meta!r}.")


def add(action, meta=None):
    """Hand ``action`` (with ``meta``: who receives it) to the Logux server; wait for its 200.

    Raises LoguxProxyException when the server cannot be reached in
    LOGUX_TIMEOUT seconds or does not take the action.
    """
    _check(action, meta)
    url = conf.get("LOGUX_URL")
    body = {
        "version": conf.PROTOCOL_VERSION,
        "secret": conf.get("LOGUX_CONTROL_SECRET"),
        "commands": [{"command": "action", "action": action, "meta": meta or {}}],
    }
    try:
        response = _http().post(url, json=body, timeout=conf.get("LOGUX_TIMEOUT"))
    except httpx.HTTPError as exc:
        raise LoguxProxyException(f"The Logux server at {url} was not reached: {exc!r}") from exc
    if response.status_code != 200:
        raise LoguxProxyException(
            f"The Logux server at {url} refused the action ({response.status_code}): "
            f"{response.text[:200]}"
        )


def add_on_commit(action, meta=None):
    """Send ``action`` through airlock: after the transaction commits, if all went well.

    Inside a request or a Logux command the action leaves with the other side
    effects (through the task queue); outside any scope it is sent after commit.
    """
    from .. import airlock

    _check(action, meta)
    if airlock.get_current_scope() is not None:
        airlock.enqueue(add, action, meta)
    else:
        with airlock.scope():
            airlock.enqueue(add, action, meta)
