"""Dockerflow routes, with and without a trailing slash.

Include them at the root of the URLconf::

    path("", include("<project>.platform.dockerflow.urls"))
"""

from django.urls import re_path

from . import views

app_name = "dockerflow"

urlpatterns = [
    re_path(r"^__version__/?$", views.version, name="version"),
    re_path(r"^__heartbeat__/?$", views.heartbeat, name="heartbeat"),
    re_path(r"^__lbheartbeat__/?$", views.lbheartbeat, name="lbheartbeat"),
]
