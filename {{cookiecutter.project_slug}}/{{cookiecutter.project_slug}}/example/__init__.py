"""A small example app: one model with its admin.

It shows where a project's own apps go and is extended by the platform
capabilities to show each one in use. Delete it (and its INSTALLED_APPS entry)
when you no longer need it.
"""
