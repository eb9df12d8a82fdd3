"""URL routes of {{ cookiecutter.project_name }}.

The admin lives under DJANGO_ADMIN_URL (default ``admin/``); moving it off the
well-known path keeps most scanners away from the login form.
"""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config.views import home
{% if cookiecutter.use_logux %}
LOGUX_URLS = "{{ cookiecutter.project_slug }}.platform.logux.urls"
{% endif %}
admin.site.site_header = admin.site.site_title = settings.PROJECT_NAME  # "View site" is /

urlpatterns = [
    path("", home, name="home"),
    # /__version__, /__heartbeat__, /__lbheartbeat__ (with or without a trailing slash)
    path("", include("{{ cookiecutter.project_slug }}.platform.dockerflow.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
{%- if cookiecutter.include_example %}
    path("example/", include("{{ cookiecutter.project_slug }}.example.urls")),
{%- endif %}
{%- if cookiecutter.use_logux %}
    # The Logux server's LOGUX_BACKEND points here, with or without the slash (it
    # follows no redirect).
    path("logux/", include(LOGUX_URLS)),
    path("logux", include(LOGUX_URLS, namespace="logux-no-slash")),
{%- endif %}
]
