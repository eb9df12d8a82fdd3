"""The page at ``/``: where a new project starts, instead of Django's 404.

It links what the project serves: the admin (in development, or for staff:
elsewhere its address stays unlisted, as DJANGO_ADMIN_URL intends), the
health endpoints, and what installed apps offer: an app config's
``home_links``, a list of (URL name, label, what it is), adds its own.
"""

from django.apps import apps
from django.conf import settings
from django.http import HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

HEAD = mark_safe(  # static markup: nothing from a request or a setting goes in here
    '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<style>body { font: 16px/1.5 system-ui, sans-serif; max-width: 44rem;"
    " margin: 3rem auto; padding: 0 1rem } code { background: #f3f3f3 }</style>"
)
BODY = (
    "<title>{title}</title></head>\n<body><h1>{title}</h1>"
    "<p>This service is running. From here:</p><ul>{links}</ul>"
    "<p>The project's <code>README.md</code> says how to run, test and deploy it.</p>"
    "</body>\n</html>\n"
)
HEALTH = [
    ("/__heartbeat__", "/__heartbeat__", "health: the database, migrations and the broker"),
    ("/__lbheartbeat__", "/__lbheartbeat__", "the load balancer's probe"),
    ("/__version__", "/__version__", "the deployed version (version.json)"),
]


def _app_links():
    for config in apps.get_app_configs():
        for name, label, what in getattr(config, "home_links", ()):
            try:
                yield reverse(name), label, what
            except NoReverseMatch:  # the app is installed but its routes are not
                continue


def links(request):
    """(URL, label, what it is) for each entry of the page."""
    entries = []
    if settings.DEBUG or request.user.is_staff:
        entries.append((reverse("admin:index"), "Admin", "the models and their records"))
    return entries + HEALTH + list(_app_links())


def home(request):
    """A short page linking the project's endpoints."""
    items = format_html_join("", '<li><a href="{}">{}</a>: {}</li>', links(request))
    body = format_html(BODY, title=settings.PROJECT_NAME, links=items)
    return HttpResponse(HEAD + body)
