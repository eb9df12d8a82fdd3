"""Helpers for tests of code that enqueues effects.

Tests usually want effects to run in the test process, right when their scope
releases them (``run_effects_inline``), or to be recorded without running
(``recorded_effects``). Both swap the executor of scopes opened inside the
block and restore the previous one afterwards. A test that exercises the real
queue simply uses neither.
"""

import contextlib

from . import core
from .executors.sync import sync_executor


@contextlib.contextmanager
def executor_override(executor):
    """Scopes opened in the block dispatch through ``executor``."""
    saved = core._configuration
    core.configure(executor=executor)
    try:
        yield executor
    finally:
        core._configuration = saved


def run_effects_inline():
    """Effects run in this process when released (after commit), like the sync executor."""
    return executor_override(sync_executor)


class EffectRecorder(list):
    """An executor that records released intents instead of running them."""

    def __call__(self, intent):
        self.append(intent)

    @property
    def names(self):
        return [intent.name for intent in self]


@contextlib.contextmanager
def recorded_effects():
    """``with recorded_effects() as effects:`` released intents land in ``effects``."""
    with executor_override(EffectRecorder()) as recorder:
        yield recorder
