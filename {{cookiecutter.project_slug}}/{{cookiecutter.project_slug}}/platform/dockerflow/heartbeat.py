"""Running the heartbeat checks: concurrently, each under a time limit, never crashing.

Every check runs in a thread of its own so that one hanging on a dead backend
(a Redis that never answers, a database behind a black-holed route) is reported
as an error after DOCKERFLOW_CHECK_TIMEOUT seconds instead of stalling the load
balancer's probe. Any exception raised by a check becomes an error entry.

A check still running from an earlier heartbeat is not started again: the new
heartbeat waits on the same run. So a hung check holds one thread however often
the probe comes, and the other checks keep their own threads and answers.
Threads run in a copy of the request's context, so a check's log lines carry
the request's correlation id. Messages whose id is in SILENCED_SYSTEM_CHECKS
are dropped, as ``manage.py check`` drops them.
"""

import contextvars
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from django.core import checks as django_checks
from django.db import connections

from . import conf

OK = "ok"
LEVEL_NAMES = {
    django_checks.DEBUG: "debug",
    django_checks.INFO: "info",
    django_checks.WARNING: "warning",
    django_checks.ERROR: "error",
    django_checks.CRITICAL: "critical",
}

_in_flight = {}  # check function -> (Future, monotonic start)
_in_flight_lock = threading.Lock()


def level_name(level):
    """ "ok" for no message, else the name of the highest standard level reached."""
    if level <= 0:
        return OK
    reached = [value for value in LEVEL_NAMES if value <= level]
    return LEVEL_NAMES[max(reached)] if reached else LEVEL_NAMES[django_checks.DEBUG]


@dataclass
class CheckResult:
    name: str
    messages: list = field(default_factory=list)

    @property
    def level(self):
        return max((m.level for m in self.messages), default=0)

    @property
    def status(self):
        return level_name(self.level)


@dataclass
class Heartbeat:
    results: list

    @property
    def level(self):
        return max((r.level for r in self.results), default=0)

    @property
    def status(self):
        return level_name(self.level)

    @property
    def failed(self):
        return self.level >= django_checks.ERROR

    def as_dict(self, with_messages):
        """The response body; messages (hostnames, driver errors) only when allowed."""
        details = {}
        for result in self.results:
            if result.messages:
                detail = {"status": result.status, "level": result.level}
                if with_messages:
                    detail["messages"] = [
                        {"id": m.id, "level": level_name(m.level), "message": m.msg}
                        for m in result.messages
                    ]
                details[result.name] = detail
        return {
            "status": self.status,
            "checks": {r.name: r.status for r in self.results},
            "details": details,
        }


def _run_into(function, future):
    try:
        future.set_result(list(function(app_configs=None) or []))
    except BaseException as exc:  # reported as the check's error entry
        # Even SystemExit and the like: it ends this thread, not the request.
        future.set_exception(exc if isinstance(exc, Exception) else RuntimeError(repr(exc)))
    finally:
        # Connections are per thread: close the ones this check opened.
        connections.close_all()


def _start(name, function):
    """Start ``function`` in a thread, or join its run still in flight."""
    with _in_flight_lock:
        running = _in_flight.get(function)
        if running is not None and not running[0].done():
            return running
        future = Future()
        _in_flight[function] = (future, time.monotonic())
    context = contextvars.copy_context()
    threading.Thread(
        target=context.run,
        args=(_run_into, function, future),
        name=f"heartbeat-{name}",
        daemon=True,
    ).start()
    return _in_flight[function]


def run_checks():
    """Run DOCKERFLOW_CHECKS and return a Heartbeat; never raises for a failing check."""
    timeout = conf.get("DOCKERFLOW_CHECK_TIMEOUT")
    deadline = time.monotonic() + timeout
    started = [(name, _start(name, function)) for name, function in conf.checks()]
    results = []
    for name, (future, since) in started:
        try:
            messages = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            running_for = time.monotonic() - since
            messages = [
                django_checks.Error(
                    f"Timed out after {timeout:g} s (running for {running_for:.1f} s)",
                    id="dockerflow.E008",
                )
            ]
        except Exception as exc:  # a crashing check is a failing check
            messages = [
                django_checks.Error(
                    f"The check raised {type(exc).__name__}: {exc}", id="dockerflow.E009"
                )
            ]
        # SILENCED_SYSTEM_CHECKS applies here as under manage.py check.
        results.append(CheckResult(name, [m for m in messages if not m.is_silenced()]))
    return Heartbeat(results)
