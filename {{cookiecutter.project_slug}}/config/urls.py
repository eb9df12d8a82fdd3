"""URL routes of {{ cookiecutter.project_name }}.

The admin lives under DJANGO_ADMIN_URL (default ``admin/``); moving it off the
well-known path keeps most scanners away from the login form.
"""

from django.conf import settings
from django.contrib import admin
from django.urls import path

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
]
