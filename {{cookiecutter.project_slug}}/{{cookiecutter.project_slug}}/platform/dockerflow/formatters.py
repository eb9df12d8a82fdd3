"""Log formatting in the Dockerflow (mozlog) JSON format, one object per line.

    {"Timestamp": 1763716443249000000, "Type": "request.summary", "Logger": "my_service",
     "Hostname": "web-1", "EnvVersion": "2.0", "Severity": 6, "Pid": 7,
     "Fields": {"msg": "GET / 200 3ms", "rid": "...", "t": 3, ...}}

``Fields`` holds the message (as ``msg``) and every attribute passed with
``extra=`` or set by a filter (the correlation id, for one), plus ``error`` and
``traceback`` when an exception is logged. Values that JSON cannot represent
are written with ``repr``, so a log call never fails on them.
"""

import json
import logging
import os
import socket
import traceback

# syslog severities, as mozlog wants them, by the lowest Python level they cover.
SEVERITY = (
    (logging.CRITICAL, 2),
    (logging.ERROR, 3),
    (logging.WARNING, 4),
    (logging.INFO, 6),
)


def severity(levelno):
    """The syslog severity of a Python level; custom levels fall to the one below."""
    for threshold, value in SEVERITY:
        if levelno >= threshold:
            return value
    return 7


# The standard levels' severities, already as text (every line writes one).
_SEVERITY_TEXT = {level: str(severity(level)) for level in range(0, logging.CRITICAL + 1, 10)}

# This process's id as text, taken again in a forked child (gunicorn's workers, with
# preload_app): os.getpid() is a system call, and every line writes the pid.
_pid = str(os.getpid())


def _forked():
    global _pid
    _pid = str(os.getpid())


os.register_at_fork(after_in_child=_forked)


# What every LogRecord carries: anything else came from extra= or a filter.
STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


# One encoder for every line: json.dumps() with options builds a new one per call.
_encode = json.JSONEncoder(default=repr, separators=(",", ":"), check_circular=False).encode


class MozlogFormatter(logging.Formatter):
    """Format records as mozlog JSON. ``logger_name`` fills the ``Logger`` field."""

    ENV_VERSION = "2.0"

    def __init__(self, fmt=None, datefmt=None, style="%", logger_name="Dockerflow", **kwargs):
        super().__init__(fmt, datefmt, style, **kwargs)
        self.logger_name = logger_name
        self.hostname = socket.gethostname()
        # The fields that never change, encoded once (this runs for every request).
        self._constant = _encode(
            {"Logger": logger_name, "Hostname": self.hostname, "EnvVersion": self.ENV_VERSION}
        )[1:-1]

    def format(self, record):
        # One pass, in the order the attributes were set (extra=, then filters).
        standard = STANDARD_ATTRIBUTES
        fields = {key: value for key, value in record.__dict__.items() if key not in standard}
        message = record.getMessage()
        if message:
            fields["msg"] = message
        if record.exc_info:
            exc_type, exc, tb = record.exc_info
            fields["error"] = repr(exc)
            fields["traceback"] = "".join(traceback.format_exception(exc_type, exc, tb))
        # Assembled by hand around the pre-encoded constant part; same JSON as dumps().
        return "".join(
            (
                '{"Timestamp":',
                str(int(record.created * 1_000_000_000)),
                ',"Type":',
                _encode(record.name),
                ",",
                self._constant,
                ',"Severity":',
                _SEVERITY_TEXT.get(record.levelno) or str(severity(record.levelno)),
                ',"Pid":',
                _pid,
                ',"Fields":',
                _encode(fields),
                "}",
            )
        )
