"""A hook's extra request headers: ``Name: value`` lines, parsed and checked once."""

import json
import re

from .errors import InvalidHeadersError

# RFC 9110 token characters.
HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Lines end in \n or \r\n; any other control character in a value is refused.
LINE_BREAK = re.compile(r"\r?\n")
# Set by the sender (signature, framing, identity): a hook may not override them.
RESERVED = frozenset(
    {
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "content-type",
        "content-length",
        "transfer-encoding",
        "connection",
        "host",
    }
)


def parse_headers(text):
    """Return the headers in ``text`` as a dict, or raise InvalidHeadersError.

    One ``Name: value`` per line (``\\n`` or ``\\r\\n``); only the first colon
    separates, so values may contain colons (URLs, times). Blank lines are
    ignored. A JSON object of strings (``{"X-Token": "1"}``, as the seed's
    README shows) is accepted too.
    """
    text = (text or "").strip()
    if not text:
        return {}
    if text.startswith("{"):
        return _check(_from_json(text))
    pairs = []
    for number, line in enumerate(LINE_BREAK.split(text), start=1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise InvalidHeadersError(f"Header line {number} has no colon: {line!r}.")
        pairs.append((name.strip(), value.strip()))
    return _check(pairs)


def _from_json(text):
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidHeadersError(f"Headers look like JSON but do not parse: {exc}.") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise InvalidHeadersError("Headers given as JSON must be an object of strings.")
    return list(data.items())


def _check(pairs):
    headers = {}
    for name, value in pairs:
        if not HEADER_NAME.fullmatch(name):
            raise InvalidHeadersError(f"{name!r} is not a valid header name.")
        if any(ch in value for ch in "\r\n\0\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
            raise InvalidHeadersError(f"The value of {name} contains a line break.")
        if name.lower() in RESERVED:
            raise InvalidHeadersError(
                f"{name} is set by the sender and cannot be configured on a hook."
            )
        if name.lower() in {n.lower() for n in headers}:
            raise InvalidHeadersError(f"{name} is given twice.")
        headers[name] = value
    return headers
