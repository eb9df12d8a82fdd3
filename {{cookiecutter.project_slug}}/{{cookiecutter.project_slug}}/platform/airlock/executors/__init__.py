"""Executors hand a released intent to a task queue: ``executor(intent) -> None``.

One module per queue; the generated project keeps only the one chosen at its
prompt (and ``sync``). Each dispatches the queue's own tasks natively, passing
``_dispatch_options`` to the queue's own call, and runs plain module-level
functions in the worker through the queue's ``run_effect`` task, so effects
need no queue-specific decorator. An executor may carry a ``check(intent)``
attribute: scopes call it at ``enqueue()`` time, so an effect that could
never reach the worker (a lambda, arguments the queue cannot serialize) fails
in the code that enqueued it rather than after the commit.

The correlation id current at dispatch (the enqueuing request's, restored by
``DjangoScope``) travels with the task; the queue's guid integration makes it
current again while the task runs in the worker.
"""
