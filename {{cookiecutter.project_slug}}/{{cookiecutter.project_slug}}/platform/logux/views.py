"""The back-end endpoint the Logux server (LOGUX_BACKEND) POSTs commands to.

Order of checks, each with the Logux server's own wording: POST only (405),
a JSON body of the right shape and size (400 ``Wrong body``), the secret in
constant time and the wrong-secret throttle (429 once an address is blocked,
whatever secret it sends; else 403 ``Wrong secret`` for a wrong one), the
protocol version (400). Then the answers are streamed as one JSON array, in
protocol order, each command that processes in its own airlock scope, all
with the request's correlation id.
"""

import hmac
import json
import logging

from django.http import HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from .. import guid
from . import conf, throttling
from .commands import FLUSH
from .protocol import BadRequest, CommandError, command_for, error_answer, read_body

logger = logging.getLogger(__name__)
# Strict JSON out: NaN or Infinity would make the whole array unreadable.
_encode_utf8 = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
_encode_ascii = json.JSONEncoder(ensure_ascii=True, allow_nan=False).encode


def _refuse(status, message):
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


# One decoder for every request: json.loads() with an option builds a new one per call.
_decode = json.JSONDecoder(parse_constant=_reject_constant).decode


def _body(request):
    """The parsed body, read within LOGUX_MAX_BODY_SIZE (not Django's upload limit)."""
    limit = conf.get("LOGUX_MAX_BODY_SIZE")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BadRequest(400, "Wrong body") from None
    if declared > limit:
        raise BadRequest(400, f"Wrong body: over LOGUX_MAX_BODY_SIZE ({limit} bytes)")
    data = request.read(limit + 1)
    if len(data) > limit:
        raise BadRequest(400, f"Wrong body: over LOGUX_MAX_BODY_SIZE ({limit} bytes)")
    try:
        # NaN and Infinity are not JSON; Python's parser would accept them.
        # What json.loads() does with bytes: UTF-8, -16 or -32, told by the first bytes.
        return _decode(data.decode(json.detect_encoding(data), "surrogatepass"))
    except (ValueError, RecursionError):  # not JSON, not text, or nested beyond the parser's depth
        raise BadRequest(400, "Wrong body") from None


@csrf_exempt
def dispatch(request):
    if request.method != "POST":
        response = _refuse(405, "Wrong method")
        response["Allow"] = "POST"
        return response
    try:
        version, secret, commands = read_body(_body(request))
    except BadRequest as exc:
        return _refuse(exc.status, str(exc))
    address = throttling.client_address(request)
    if not _secret_matches(secret):
        if throttling.blocked(address):
            return _refuse(429, "Too many wrong secret attempts")
        throttling.record_wrong_secret(address)
        logger.warning("Logux back-end: wrong secret from %s", address)
        return _refuse(403, "Wrong secret")
    if not throttling.passed_recently(address):
        if throttling.blocked(address):  # even the right secret, until the window ends
            return _refuse(429, "Too many wrong secret attempts")
        throttling.record_pass(address)
    if version != conf.PROTOCOL_VERSION:
        return _refuse(400, "Back-end protocol version is not supported")
    if len(commands) > conf.get("LOGUX_MAX_COMMANDS"):
        return _refuse(400, f"Too many commands: at most {conf.get('LOGUX_MAX_COMMANDS')}")
    response = StreamingHttpResponse(
        # Without the correlation-id middleware, one id for all of the request's commands.
        _stream(commands, guid.get_guid() or guid.generate_guid()),
        content_type="application/json",
    )
    response["X-Accel-Buffering"] = "no"  # let each answer through a buffering proxy
    return response


def _secret_matches(secret):
    """Constant-time comparison; any string (lone surrogates too) is comparable.

    The expected value never sits in a local of this frame's caller, so an
    error report of the request cannot carry it.
    """
    given = secret.encode("utf-8", "surrogatepass")
    return hmac.compare_digest(given, conf.get("LOGUX_CONTROL_SECRET").encode())


def encode(answer):
    """One answer as JSON bytes. A string that UTF-8 cannot hold (a lone surrogate, which
    JSON may carry escaped) is sent escaped; a value JSON cannot hold raises ValueError."""
    try:
        return _encode_utf8(answer).encode()
    except UnicodeEncodeError:
        return _encode_ascii(answer).encode()


def _stream(commands, correlation_id):
    """The JSON array of answers, written out before any command code runs.

    Commands yield FLUSH before they call code that may take long (access,
    resend, process, load, the auth function; pacing.py says which has been
    quick lately): whatever is waiting is written then, so an answer never
    waits for slow work, while answers made without such a call in between
    (errors, unknown actions, quick actions) share a write.
    """
    if not commands:
        yield b"[" + encode({"answer": "error", "details": "command list is empty"}) + b"]"
        return
    pending, separator = [b"["], b""
    # One scope for the whole stream (not one per command): every command runs with
    # the request's id, restored here because the body is written after the view
    # (and its middleware) returned.
    with guid.guid_scope(correlation_id):
        for position, raw in enumerate(commands):
            for answer in _answers(raw, position):
                if answer is FLUSH:
                    if separator and pending:
                        yield b"".join(pending)
                        pending = []
                    continue
                pending += (separator, answer)
                separator = b","
    pending.append(b"]")
    yield b"".join(pending)


def _answers(raw, position):
    """One command's encoded answers (and FLUSH marks); whatever goes wrong becomes an
    ``error`` answer, so the other commands are answered and the array stays valid."""
    try:
        command = command_for(raw, position)
    except CommandError as exc:
        yield encode(exc.answer)
        return
    except Exception as exc:  # a bug in a command's constructor
        logger.exception("Logux command %s could not be read", position)
        yield encode(error_answer(raw, exc))
        return
    try:
        for answer in command.apply():
            if answer is FLUSH or type(answer) is bytes:  # bytes: already encoded
                yield answer
                continue
            try:
                yield encode(answer)
            except (TypeError, ValueError) as exc:  # e.g. a load() result with NaN
                logger.error("Logux command %s: an answer is not JSON: %s", position, exc)
                yield encode(error_answer(raw, exc))
                return  # its error ends the command: nothing follows it
    except Exception as exc:  # a bug in a command: answered, never a broken stream
        logger.exception("Logux command %s failed", position)
        yield encode(error_answer(raw, exc))
