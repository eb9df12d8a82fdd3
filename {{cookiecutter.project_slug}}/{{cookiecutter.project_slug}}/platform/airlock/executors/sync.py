"""The sync executor: run the task in this process, when the scope releases it."""

from ...guid import guid_scope


def sync_executor(intent):
    """Call ``intent.task(*args, **kwargs)`` now, under the enqueuing request's id."""
    with guid_scope(intent.correlation_id):
        intent.task(*intent.args, **intent.kwargs)
