"""Integrations extend the middleware: see ``Integration`` for the contract."""

from .base import Integration
from .sentry import SentryIntegration

__all__ = ["Integration", "SentryIntegration"]
