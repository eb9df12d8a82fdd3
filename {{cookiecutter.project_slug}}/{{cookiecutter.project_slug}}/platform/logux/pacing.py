"""When to write the answers so far: before user code that may take long, not before quick code.

Answers are streamed (the protocol recommends it) so that one never waits for
later work: a ``resend`` and ``approved`` reach the Logux server before a slow
``process()`` ends. Each write is a chunk of the response and a system call,
though, and a batch of twenty quick actions would cost forty of them, most of
its time over HTTP. So a write is made before a piece of user code (an
action's access and resend, its process or load, its _finally, the auth
function) unless that code, for that class, has been quick lately: each
call's duration is kept as a maximum that decays by DECAY per call, and a
piece whose maximum is under QUICK seconds is run without a write first. Code
never seen before is written before, and one slow call (say 2 s) makes its
class streamed again for about the next sixty calls. What a quick piece
delays is at most its own duration; the answers are the same either way.
"""

import time

QUICK = 0.002  # seconds
DECAY = 0.9
_slowest = {}  # (class or function, step) -> decaying maximum duration, seconds
_clock = time.perf_counter  # tests put a clock of their own here


def may_take_long(key):
    """Whether to write out the waiting answers before running the code ``key`` names."""
    slowest = _slowest.get(key)
    return slowest is None or slowest >= QUICK


class timed:
    """Record how long the block took, as the code ``key`` names, for may_take_long()."""

    __slots__ = ("key", "started")

    def __init__(self, key):
        self.key = key

    def __enter__(self):
        self.started = _clock()

    def __exit__(self, *exc_info):
        seconds = _clock() - self.started
        if len(_slowest) > 10000:  # classes and auth functions: a handful in practice
            _slowest.clear()
        _slowest[self.key] = max(seconds, _slowest.get(self.key, 0.0) * DECAY)
        return False


def forget():
    """Start again as if no code had run (tests)."""
    _slowest.clear()
