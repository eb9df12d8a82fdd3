"""Answers are written before user code that may take long, in one write after quick code
(logux/pacing.py); the answers themselves are the same either way."""

import json
import time

import pytest

from .conftest import platform_module

logux_app = platform_module("logux")
pacing = platform_module("logux", "pacing")
views = platform_module("logux", "views")
pytestmark = [pytest.mark.logux, pytest.mark.django_db]


class Quick(logux_app.ActionCommand):
    action_type = "test/quick"

    def access(self, action, meta):
        return True

    def process(self, action, meta):
        pass


class Sleepy(Quick):
    """Over pacing.QUICK in process(), every time."""

    action_type = "test/sleepy"

    def process(self, action, meta):
        time.sleep(pacing.QUICK * 5)


@pytest.fixture(autouse=True)
def actions():
    pacing.forget()
    for command in (Quick, Sleepy):
        logux_app.logux.actions.register(command)
    yield
    for command in (Quick, Sleepy):
        logux_app.logux.actions.unregister(command.action_type)
    pacing.forget()


def writes(action_type, count=3):
    """The chunks the view writes for ``count`` actions of ``action_type``."""
    commands = [
        {
            "command": "action",
            "action": {"type": action_type},
            "meta": {"id": f"1700000000000 10:t {n}", "time": 1700000000000},
            "headers": {},
        }
        for n in range(count)
    ]
    chunks = list(views._stream(commands, "0" * 32))
    answers = json.loads(b"".join(chunks))
    assert [a["answer"] for a in answers] == ["approved", "processed"] * count
    return chunks


def test_code_never_seen_is_written_before_and_quick_code_then_shares_one_write(monkeypatch):
    # Whatever a loaded machine does to the first calls (a new database connection, say),
    # they count as quick here: the test is about the rule, not this machine's speed.
    monkeypatch.setattr(pacing, "QUICK", 60.0)
    assert len(writes(Quick.action_type)) > 1  # unknown: streamed
    assert len(writes(Quick.action_type)) == 1  # known to be quick: one write at the end


def test_code_that_takes_long_is_always_written_before():
    writes(Sleepy.action_type)
    # A write before each process() (which sleeps over QUICK), then the end: at least 4.
    assert len(writes(Sleepy.action_type)) >= 3 + 1


def test_one_slow_call_makes_its_code_streamed_again_for_a_while(monkeypatch):
    ticks = iter(range(10**6))
    monkeypatch.setattr(pacing, "_clock", lambda: next(ticks) * 1e-6)  # each call: 1 µs
    key = (Quick, "work")
    with pacing.timed(key):
        pass
    assert not pacing.may_take_long(key)
    pacing._slowest[key] = 2.0  # as after a call of 2 s
    for _ in range(10):
        with pacing.timed(key):
            pass
    assert pacing.may_take_long(key)  # 2 s x 0.9**10 is still over QUICK
    for _ in range(100):
        with pacing.timed(key):
            pass
    assert not pacing.may_take_long(key)
