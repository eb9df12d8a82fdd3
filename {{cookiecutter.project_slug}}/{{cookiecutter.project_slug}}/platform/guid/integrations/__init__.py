"""Integrations extend the middleware: see ``Integration`` for the contract."""

from .base import HookIntegration, Integration
from .sentry import SentryIntegration

__all__ = ["HookIntegration", "Integration", "SentryIntegration"]
