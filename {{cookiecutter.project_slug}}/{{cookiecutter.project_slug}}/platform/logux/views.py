"""The back-end endpoint the Logux server (LOGUX_BACKEND) POSTs commands to.

Order of checks, each with the Logux server's own wording: POST only (405),
a JSON body of the right shape (400 ``Wrong body``), the wrong-secret
throttle (429), the secret in constant time (403 ``Wrong secret``), the
protocol version (400). Then the answers are streamed as one JSON array, in
protocol order, each command in its own airlock scope with the request's
correlation id.
"""

import hmac
import json
import logging
import time

from django.http import HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from .. import guid
from . import conf, throttling
from .protocol import BadRequest, CommandError, command_for, read_body

logger = logging.getLogger(__name__)
encode = json.JSONEncoder(ensure_ascii=False).encode
FLUSH_SECONDS = 0.01


def _refuse(status, message):
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
def dispatch(request):
    if request.method != "POST":
        response = _refuse(405, "Wrong method")
        response["Allow"] = "POST"
        return response
    try:
        version, secret, commands = read_body(json.loads(request.body))
    except (ValueError, RecursionError):  # not JSON (or nested beyond the parser's depth)
        return _refuse(400, "Wrong body")
    except BadRequest as exc:
        return _refuse(exc.status, str(exc))
    address = throttling.client_address(request)
    if throttling.blocked(address):
        return _refuse(429, "Too many wrong secret attempts")
    expected = conf.get("LOGUX_CONTROL_SECRET")
    if not hmac.compare_digest(secret.encode(), expected.encode()):
        throttling.record_wrong_secret(address)
        logger.warning("Logux back-end: wrong secret from %s", address)
        return _refuse(403, "Wrong secret")
    if version != conf.PROTOCOL_VERSION:
        return _refuse(400, "Back-end protocol version is not supported")
    if len(commands) > conf.get("LOGUX_MAX_COMMANDS"):
        return _refuse(400, f"Too many commands: at most {conf.get('LOGUX_MAX_COMMANDS')}")
    response = StreamingHttpResponse(
        _stream(commands, guid.get_guid()), content_type="application/json"
    )
    response["X-Accel-Buffering"] = "no"  # let each answer through a buffering proxy
    return response


def _stream(commands, correlation_id):
    """The JSON array of answers, sent as it is made.

    Answers are written out whenever FLUSH_SECONDS have passed since the last
    write, and at the end: a slow command's earlier answers reach the Logux
    server without waiting for it, while a burst of quick commands is not
    split into one socket write per answer.
    """
    if not commands:
        yield b"[" + encode({"answer": "error", "details": "command list is empty"}).encode() + b"]"
        return
    pending, separator = [b"["], b""
    flushed = time.monotonic()
    for position, raw in enumerate(commands):
        for answer in _answers(raw, position, correlation_id):
            pending += (separator, encode(answer).encode())
            separator = b","
        if time.monotonic() - flushed >= FLUSH_SECONDS:
            yield b"".join(pending)
            pending = []
            flushed = time.monotonic()
    pending.append(b"]")
    yield b"".join(pending)


def _answers(raw, position, correlation_id):
    """One command's answers; whatever goes wrong becomes an ``error`` answer."""
    with guid.guid_scope(correlation_id):
        try:
            command = command_for(raw, position)
        except CommandError as exc:
            yield exc.answer
            return
        try:
            yield from command.apply()
        except Exception as exc:  # a bug in a command: answered, never a broken stream
            logger.exception("Logux command %s failed", position)
            # command_for() accepted it, so it has its string id.
            is_auth = raw["command"] == "auth"
            ident = {"authId": raw["authId"]} if is_auth else {"id": raw["meta"]["id"]}
            yield {"answer": "error", **ident, "details": f"{type(exc).__name__}: {exc}"}
