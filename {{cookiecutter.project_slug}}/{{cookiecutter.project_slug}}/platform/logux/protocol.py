"""Reading a protocol 4 request: the body, then each command, without trusting either.

The body's shape is checked before the secret and the secret before any
command is looked at. A malformed command becomes an ``error`` answer of its
own; it never fails the request (nor the other commands in it).
"""

import math

from . import conf
from .commands import AuthCommand, UnknownAction, UnknownChannel
from .dispatchers import logux

MAX_TIME_MILLIS = 253402300800000  # 10000-01-01: beyond it a datetime cannot hold the time


class BadRequest(Exception):
    """The whole request is refused: an HTTP status and the Logux server's wording."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def read_body(body):
    """``(version, secret, commands)`` of a parsed JSON body, or BadRequest("Wrong body")."""
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("secret"), str)
        or isinstance(body.get("version"), bool)
        or not isinstance(body.get("version"), int)
        or not isinstance(body.get("commands"), list)
    ):
        raise BadRequest(400, "Wrong body")
    return body["version"], body["secret"], body["commands"]


def _text(value):
    """Whether ``value`` is a string UTF-8 can hold (JSON may carry lone surrogates)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def identity(raw):
    """The id an answer to ``raw`` carries (authId or meta.id), when it has a usable one."""
    if not isinstance(raw, dict):
        return {}
    if raw.get("command") == "auth":
        return {"authId": raw["authId"]} if isinstance(raw.get("authId"), str) else {}
    meta = raw.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get("id"), str):
        return {"id": meta["id"]}
    return {}


def error_answer(raw, exc):
    """The ``error`` answer of a command that failed unexpectedly."""
    details = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return {"answer": "error", **identity(raw), "details": details}


class CommandError(Exception):
    """One command cannot be read: answered with ``error`` (and its id when it has one)."""

    def __init__(self, details, **ident):
        super().__init__(details)
        self.answer = {"answer": "error", **ident, "details": details}


def _optional_dict(command, key, ident):
    value = command.get(key)
    if value is not None and not isinstance(value, dict):
        raise CommandError(f"{key} must be an object", **ident)


def _string(command, key, ident, required=True):
    value = command.get(key)
    if value is None and not required:
        return
    if not isinstance(value, str):
        raise CommandError(f"{key} must be a string", **ident)
    if not _text(value):
        raise CommandError(f"{key} is not valid Unicode (a lone surrogate)", **ident)


def _check_time(meta, ident):
    """meta.time, when given, is milliseconds since 1970 that a datetime can hold."""
    millis = meta.get("time")
    if millis is None:
        return
    if (
        isinstance(millis, bool)
        or not isinstance(millis, int | float)
        or not math.isfinite(millis)
        or not 0 <= millis < MAX_TIME_MILLIS
    ):
        raise CommandError("meta.time must be milliseconds since 1970 (a number)", **ident)


def command_for(raw, position):
    """The command object that answers ``raw``; CommandError if it cannot be read."""
    if not isinstance(raw, dict):
        raise CommandError(f"command {position} must be an object")
    kind = raw.get("command")
    if kind == "auth":
        ident = identity(raw)
        _string(raw, "authId", ident)
        if isinstance(raw.get("userId"), int) and not isinstance(raw.get("userId"), bool):
            raw = {**raw, "userId": str(raw["userId"])}
        _string(raw, "userId", ident)
        _string(raw, "subprotocol", ident)
        _string(raw, "token", ident, required=False)
        _optional_dict(raw, "cookie", ident)
        _optional_dict(raw, "headers", ident)
        return AuthCommand(
            raw, conf.auth_func(), conf.get("LOGUX_SUBPROTOCOL"), conf.supported_range()
        )
    if kind == "action":
        meta = raw.get("meta")
        if not isinstance(meta, dict) or not isinstance(meta.get("id"), str) or not meta["id"]:
            raise CommandError(f"command {position}: meta must be an object with a string id")
        ident = {"id": meta["id"]}
        if not _text(meta["id"]):
            raise CommandError("meta.id is not valid Unicode (a lone surrogate)", **ident)
        _check_time(meta, ident)
        action = raw.get("action")
        if not isinstance(action, dict) or not isinstance(action.get("type"), str):
            raise CommandError("action must be an object with a string type", **ident)
        _optional_dict(raw, "headers", ident)
        if action["type"] == "logux/subscribe":
            channel = action.get("channel")
            if not isinstance(channel, str):
                raise CommandError("logux/subscribe needs a string channel", **ident)
            cls = logux.channels.find(channel)
            return cls(raw) if cls else UnknownChannel(raw)
        cls = logux.actions.get(action["type"])
        return cls(raw) if cls else UnknownAction(raw)
    raise CommandError(f"command {position}: unknown command {kind!r}")
