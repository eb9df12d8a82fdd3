"""Running the heartbeat checks: concurrently, each under a time limit, never crashing.

Every check runs in a thread of its own so that one hanging on a dead backend
(a Redis that never answers, a database behind a black-holed route) is reported
as an error after DOCKERFLOW_CHECK_TIMEOUT seconds instead of stalling the load
balancer's probe. Any exception raised by a check becomes an error entry.
Each check keeps its thread from one probe to the next, and so its database
connections, under the same CONN_MAX_AGE and health checks as request threads:
a probe no longer pays a new PostgreSQL session per check.

A check still running from an earlier heartbeat is not started again: the new
heartbeat waits on the same run. So a hung check holds one thread however often
the probe comes, and the other checks keep their own threads and answers.
Threads run in a copy of the request's context, so a check's log lines carry
the request's correlation id. Messages whose id is in SILENCED_SYSTEM_CHECKS
are dropped, as ``manage.py check`` drops them.
"""

import contextlib
import contextvars
import os
import queue
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
_workers = {}  # check function -> the jobs queue of its thread
# A forked child (gunicorn --preload) has none of its parent's threads.
os.register_at_fork(after_in_child=_workers.clear)


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
        # As at the end of a request: keep the thread's connections for the next
        # probe unless they failed or outlived CONN_MAX_AGE.
        _keep_usable_connections()


def _keep_usable_connections():
    for connection in connections.all(initialized_only=True):
        try:
            connection.close_if_unusable_or_obsolete()
        except Exception:  # the database went away meanwhile: start afresh next time
            with contextlib.suppress(Exception):
                connection.close()


def _work(jobs):
    while True:
        context, function, future = jobs.get()
        try:
            context.run(_run_into, function, future)
        except BaseException:  # the thread outlives anything a check or its cleanup does
            if not future.done():
                future.set_exception(RuntimeError("the check's thread failed"))


def _jobs_of(name, function):
    """The queue of the thread that runs ``function``, started on first use."""
    jobs = _workers.get(function)
    if jobs is None:
        jobs = _workers[function] = queue.SimpleQueue()
        thread = threading.Thread(target=_work, args=(jobs,), name=f"heartbeat-{name}")
        thread.daemon = True
        thread.start()
    return jobs


def close_check_connections(timeout=5.0):
    """Close the database connections the checks' threads keep (a test database about to
    be dropped: PostgreSQL refuses while a session is open). A hung check's thread is
    skipped after ``timeout``."""

    def close_all(app_configs=None):
        connections.close_all()

    futures = []
    for jobs in list(_workers.values()):
        future = Future()
        jobs.put((contextvars.copy_context(), close_all, future))
        futures.append(future)
    deadline = time.monotonic() + timeout
    for future in futures:
        with contextlib.suppress(FutureTimeout):
            future.result(timeout=max(0.0, deadline - time.monotonic()))


def _start(name, function):
    """Hand ``function`` to its thread, or join its run still in flight."""
    with _in_flight_lock:
        running = _in_flight.get(function)
        if running is not None and not running[0].done():
            return running
        future = Future()
        _in_flight[function] = (future, time.monotonic())
        jobs = _jobs_of(name, function)
    jobs.put((contextvars.copy_context(), function, future))
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
