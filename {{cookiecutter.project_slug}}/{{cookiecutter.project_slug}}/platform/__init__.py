"""The service's platform layer: one Django app per capability.

Modules here are shared by every project generated from the template, so they
never refer to the project by name: they import each other relatively.
"""
