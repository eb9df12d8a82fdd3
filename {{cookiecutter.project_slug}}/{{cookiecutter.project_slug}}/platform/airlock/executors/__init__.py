"""Executors hand a released intent to a task queue: ``executor(intent) -> None``.

Each restores the intent's correlation id where the task runs, so the worker's
log lines and Sentry events carry the id of the request that enqueued it.
"""
