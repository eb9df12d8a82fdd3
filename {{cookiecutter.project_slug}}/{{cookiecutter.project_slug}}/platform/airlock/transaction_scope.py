"""DjangoScope: effects leave only after the surrounding transaction commits."""

import functools
import logging
from contextlib import nullcontext
from dataclasses import replace

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from ..guid import guid_scope
from . import conf
from .core import Scope

logger = logging.getLogger(__name__)


def _alias_in_use():
    """The database whose transaction is open here (the first one, in settings order)."""
    for alias in connections:
        if connections[alias].in_atomic_block:
            return alias
    return DEFAULT_DB_ALIAS


class CommitGate:
    """Holds back an effect enqueued inside a transaction until that transaction commits.

    Registered with ``on_commit`` when the effect is enqueued: if the
    transaction (or the savepoint the effect was enqueued in) rolls back, Django
    forgets the callback and the effect can never run, even if the scope around
    it later succeeds. If the scope releases the effect first, the gate runs it
    at commit; if the commit came first, the scope runs it when released.
    """

    def __init__(self):
        self.committed = False
        self.release = None

    def on_commit(self):
        self.committed = True
        if self.release is not None:
            self.release()


class DjangoScope(Scope):
    """A scope whose effects run only after the transaction they belong to commits.

    An effect enqueued inside a transaction waits for that transaction: a
    rollback drops it. Effects released outside any transaction run at once;
    released inside one, at its commit (``transaction.on_commit``). Each effect
    is its own robust callback: one that fails is logged (with the correlation
    id of the request that enqueued it) and the others still run. ``using`` picks
    the database; by default, the one whose transaction is open.
    """

    def __init__(self, policy=None, executor=None, *, using=None):
        if executor is None:
            executor = conf.get_executor()
        super().__init__(policy=policy, executor=executor)
        self.using = using

    def _alias(self):
        return self.using or _alias_in_use()

    def _add(self, intent):
        alias = self._alias()
        if connections[alias].in_atomic_block and intent._commit_gate is None:
            gate = CommitGate()
            intent = replace(intent, _commit_gate=gate)
            super()._add(intent)
            transaction.on_commit(gate.on_commit, using=alias, robust=True)
        else:
            super()._add(intent)

    def _dispatch_all(self, intents):
        using = self._alias()
        for intent in intents:
            run = functools.partial(self._run, intent)
            gate = intent._commit_gate
            if gate is not None and not gate.committed:
                gate.release = run
            else:
                transaction.on_commit(run, using=using, robust=True)

    def _run(self, intent):
        restored = guid_scope(intent.correlation_id) if intent.correlation_id else nullcontext()
        with restored:
            try:
                self._executor(intent)
            except Exception:
                logger.exception("Side effect %s failed; the other effects still run", intent)
