"""The project's user model, in place from the first migration.

Swapping ``AUTH_USER_MODEL`` after the first migration is painful, so every
generated project starts with its own (so far unchanged) subclass of Django's.
"""
