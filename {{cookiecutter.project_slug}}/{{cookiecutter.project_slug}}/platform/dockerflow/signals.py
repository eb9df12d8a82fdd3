"""Signals sent by the heartbeat view, each with ``level`` (the worst check level)."""

from django.dispatch import Signal

# Sent when every check is below ERROR (the heartbeat answers 200).
heartbeat_passed = Signal()
# Sent when a check reached ERROR or worse (the heartbeat answers the failed status code).
heartbeat_failed = Signal()
