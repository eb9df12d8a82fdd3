"""Intent: one buffered side effect (a task and its arguments), waiting for its scope."""

from dataclasses import dataclass, field


def _task_name(task):
    # Celery and Dramatiq name tasks with dotted paths; the short name is what
    # people write in policies (BlockTasks matches both).
    name = getattr(task, "name", None) or getattr(task, "actor_name", None)
    if isinstance(name, str) and name:
        return name.rsplit(".", 1)[-1]
    return getattr(task, "__name__", repr(task))


@dataclass(frozen=True, eq=False)
class Intent:
    """A side effect to run later: ``task(*args, **kwargs)`` through the executor.

    ``correlation_id`` is the id current when it was enqueued, restored while
    the task runs (in the worker too), so its log lines tie back to the request.
    Intents compare by identity: two identical calls are two effects.
    """

    task: object
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    origin: str | None = None
    dispatch_options: dict | None = None
    _local_policies: tuple = ()
    _explicit_name: str | None = None
    correlation_id: str | None = None
    # The idempotency key of a durable effect (its outbox row's), sent with it.
    key: str | None = None
    # enqueue(..., _durable=False): this effect skips the outbox (None: the scope decides).
    _durable: bool | None = None
    # Set by DjangoScope for effects enqueued inside a transaction: they may run
    # only once that transaction commits (see transaction_scope.CommitGate).
    _commit_gate: object = field(default=None, repr=False)

    __hash__ = None  # mutable kwargs inside: never a dict key or set member

    @property
    def name(self):
        return self._explicit_name or _task_name(self.task)

    @property
    def full_name(self):
        """The dotted name when the task queue gives one, else ``name``."""
        name = getattr(self.task, "name", None) or getattr(self.task, "actor_name", None)
        return name if isinstance(name, str) and name else self.name

    @property
    def local_policies(self):
        return self._local_policies

    def passes_local_policies(self):
        """Whether every ``airlock.policy(...)`` active at enqueue allows it (innermost first)."""
        return all(p.allows(self) for p in reversed(self._local_policies))

    def __str__(self):
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.name}({', '.join(parts)})"
