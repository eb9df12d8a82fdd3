"""Which incoming correlation ids are accepted.

The id ends up in log lines and response headers, so whatever the settings,
only short, visible ASCII is ever taken from a client: anything else (CR/LF,
control characters, non-ASCII, very long values) could forge log lines or
split headers. With VALIDATE_GUID on, the value must also be a UUID in one of
its usual spellings, or have the shape this service generates itself (so ids
shortened with UUID_LENGTH survive a hop between two services).
"""

import re

MAX_LENGTH = 128
VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+")
HEX = frozenset("0123456789abcdefABCDEF")
DASHED_SHAPE = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"


def is_safe(value):
    """Short, visible ASCII only: no spaces, control characters or line breaks."""
    return 0 < len(value) <= MAX_LENGTH and VISIBLE_ASCII.fullmatch(value) is not None


# The usual spellings, exactly: 32 hex digits or the dashed 8-4-4-4-12 form, in
# either case, alone, in one pair of braces, or (dashed) after urn:uuid:.
# uuid.UUID() accepts more than these (0x prefixes, underscores, runs of braces
# and dashes anywhere), so it is not what decides.
_HEX32 = "[0-9a-fA-F]{32}"
_DASHED = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
UUID_SPELLINGS = re.compile(
    "|".join(
        (_HEX32, _DASHED, r"\{(?:" + _HEX32 + "|" + _DASHED + r")\}", "(?i:urn:uuid:)" + _DASHED)
    )
)


def is_uuid(value):
    """One of the usual spellings of a UUID (see UUID_SPELLINGS)."""
    return UUID_SPELLINGS.fullmatch(value) is not None


def has_generated_shape(value, config):
    """Whether ``value`` looks like an id this service generates (format and length)."""
    if len(value) != config.uuid_length:
        return False
    if config.uuid_format == "hex":
        return set(value) <= HEX
    return all(
        (char == "-") if shape == "-" else (char in HEX)
        for char, shape in zip(value, DASHED_SHAPE, strict=False)
    )


def accept(value, config):
    """Return ``value`` if it may be used as the correlation id, else None."""
    if not value or not is_safe(value):
        return None
    if not config.validate or is_uuid(value) or has_generated_shape(value, config):
        return value
    return None
