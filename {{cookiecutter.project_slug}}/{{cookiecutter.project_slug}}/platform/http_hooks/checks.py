"""System checks: settings that make hooks stale or expose the private network."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

from . import conf

PROCESS_LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.caches)
def check_shared_cache(app_configs, **kwargs):
    alias = conf.get("CACHE")
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
    if backend not in PROCESS_LOCAL_CACHES:
        return []
    return [
        Warning(
            f"DJANGO_HTTP_HOOKS_CACHE names the cache {alias!r}, which is not shared "
            "between processes: a hook changed in one process reaches the others only "
            "when they restart.",
            hint="Point it at a cache every process shares: Redis, or the database cache.",
            id="http_hooks.W001",
        )
    ]


@register()
def check_obsolete_reload(app_configs, **kwargs):
    if not hasattr(settings, "DJANGO_HTTP_HOOKS_RELOAD") and not hasattr(
        settings, "DJANGO_HTTP_HOOKS_RELOAD_CALLABLE"
    ):
        return []
    return [
        Warning(
            "DJANGO_HTTP_HOOKS_RELOAD is not needed: hook changes reach every process "
            "at once, without restarting anything.",
            hint="Remove the setting; it is ignored.",
            id="http_hooks.W002",
        )
    ]


@register(Tags.security, deploy=True)
def check_allowed_networks(app_configs, **kwargs):
    if not conf.get("ALLOWED_NETWORKS"):
        return []
    return [
        Warning(
            "DJANGO_HTTP_HOOKS_ALLOWED_NETWORKS lets hooks reach private addresses "
            f"({', '.join(conf.get('ALLOWED_NETWORKS'))}).",
            hint="Anyone who can edit hooks can make this server call those networks.",
            id="http_hooks.W003",
        )
    ]
