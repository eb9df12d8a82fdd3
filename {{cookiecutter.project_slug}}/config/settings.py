"""Django settings for {{ cookiecutter.project_name }}.

One module for every environment, driven by environment variables. A local
``.env`` file (written for development when the project was generated, never
committed) is read when present; variables set in the real environment always
win over it. Defaults are the production-safe ones: DEBUG is off unless set, and
with DEBUG off a secret key must be provided. Every variable is documented in
the project's README and ``.env.example``.
"""
{% if cookiecutter.use_sentry %}
import logging
{%- endif %}
from pathlib import Path
{% if cookiecutter.use_sentry %}
import sentry_sdk
{%- endif %}
from django.core.exceptions import ImproperlyConfigured
{%- if cookiecutter.use_sentry %}
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import LoggingIntegration
{%- endif %}
{% if cookiecutter.use_sentry or cookiecutter.task_executor != "sync" %}
{%- if cookiecutter.use_sentry %}
from {{ cookiecutter.project_slug }}.platform.guid.integrations import (
    SentryIntegration,
)
{%- endif %}
{%- if cookiecutter.task_executor == "celery" %}
from {{ cookiecutter.project_slug }}.platform.guid.integrations.celery import (
    CeleryIntegration,
)
{%- elif cookiecutter.task_executor == "django_q" %}
from {{ cookiecutter.project_slug }}.platform.guid.integrations.django_q import (
    DjangoQIntegration,
)
{%- elif cookiecutter.task_executor == "django_tasks" %}
from {{ cookiecutter.project_slug }}.platform.guid.integrations.django_tasks import (
    DjangoTasksIntegration,
)
{%- elif cookiecutter.task_executor == "dramatiq" %}
from {{ cookiecutter.project_slug }}.platform.guid.integrations.dramatiq import (
    DramatiqIntegration,
)
{%- elif cookiecutter.task_executor == "huey" %}
from {{ cookiecutter.project_slug }}.platform.guid.integrations.huey import (
    HueyIntegration,
)
{%- endif %}
{%- if cookiecutter.use_sentry %}
from {{ cookiecutter.project_slug }}.platform.scrubbing import scrub_event
{%- endif %}
{% endif %}
from .environment import StrictEnv

BASE_DIR = Path(__file__).resolve().parent.parent
# The project's package: dotted paths below are built from it.
_package = "{{ cookiecutter.project_slug }}"
env = StrictEnv()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=True) and (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

# --- Core -------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off: generate one with "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    SECRET_KEY = "django-insecure-development-only-key"

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS",
    default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else ["{{ cookiecutter.domain_name }}"],
)
CSRF_TRUSTED_ORIGINS = env.list(
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    default=[] if DEBUG else ["https://{{ cookiecutter.domain_name }}"],
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
{%- if cookiecutter.task_executor == "django_q" %}
    "django_q",
{%- elif cookiecutter.task_executor == "django_tasks" %}
    "django_tasks",
    "django_tasks_db",
{%- elif cookiecutter.task_executor == "dramatiq" %}
    # Before the platform apps: it sets up the broker that actors are declared on.
    "django_dramatiq",
{%- elif cookiecutter.task_executor == "huey" %}
    "huey.contrib.djhuey",
{%- endif %}
    f"{_package}.platform.guid",
    f"{_package}.platform.dockerflow",
    f"{_package}.platform.airlock",
{%- if cookiecutter.use_http_hooks %}
    f"{_package}.platform.http_hooks",
{%- endif %}
{%- if cookiecutter.use_logux %}
    f"{_package}.platform.logux",
{%- endif %}
    f"{_package}.users",
{%- if cookiecutter.include_example %}
    f"{_package}.example",
{%- endif %}
]

MIDDLEWARE = [
    # First, so every other middleware and its log lines already see the id.
    f"{_package}.platform.guid.middleware.guid_middleware",
    # One request.summary log line per request, health probes included.
    f"{_package}.platform.dockerflow.middleware.RequestSummaryMiddleware",
    # Answers /__lbheartbeat__ and /__heartbeat__ before Host validation and the
    # HTTPS redirect, which a load balancer's plain-HTTP, IP-addressed probe fails.
    f"{_package}.platform.dockerflow.middleware.HealthCheckMiddleware",
    # Side effects enqueued while handling a request leave only if it succeeds,
    # after its transaction commits. Above any middleware whose process_exception
    # turns errors into responses.
    f"{_package}.platform.airlock.middleware.AirlockMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
# Shown at / and as the admin's title.
PROJECT_NAME = {{ cookiecutter.project_name | tojson }}
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------

DATABASES = {
    "default": env.database("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default is shared by every process (web workers, commands and,
    # when the project has one, the task worker): WAL and a busy timeout let them
    # write side by side without "database is locked" errors.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
            ),
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Every wait on a backend is bounded: one that hangs (a black-holed route, a
# stuck server) costs a request these seconds, not gunicorn's 30 s timeout.
DATABASE_CONNECT_TIMEOUT = env.int("DATABASE_CONNECT_TIMEOUT", default=5)
DATABASE_STATEMENT_TIMEOUT = env.int("DATABASE_STATEMENT_TIMEOUT", default=0)  # ms; 0: none
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=2.0)
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=3.0)
for _name, _value, _low in (
    ("DATABASE_CONNECT_TIMEOUT", DATABASE_CONNECT_TIMEOUT, 1),
    ("DATABASE_STATEMENT_TIMEOUT", DATABASE_STATEMENT_TIMEOUT, 0),
    ("REDIS_CONNECT_TIMEOUT", REDIS_CONNECT_TIMEOUT, 0.1),
    ("REDIS_SOCKET_TIMEOUT", REDIS_SOCKET_TIMEOUT, 0.1),
):
    if _value < _low:
        raise ImproperlyConfigured(f"{_name} must be at least {_low}; got {_value}.")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options.setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
    if DATABASE_STATEMENT_TIMEOUT:
        _options["options"] = f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT}"
# redis-py's own names, for the caches (OPTIONS) and the brokers' clients; as URL
# parameters for the queues that take a Redis URL only (django-q2, Huey).
REDIS_TIMEOUTS = {
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
}

{%- if cookiecutter.task_executor in ["django_q", "huey"] %}


def _with_redis_timeouts(url):
    separator = "&" if "?" in url else "?"
    return url + separator + "&".join(f"{key}={value}" for key, value in REDIS_TIMEOUTS.items())

{% else %}
{% endif %}
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_TIMEOUTS,
        },
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
{%- if cookiecutter.use_http_hooks or cookiecutter.use_logux %}


def _shared_cache(name):
    """A cache shared by every process in every container: Redis when REDIS_URL is set,
    else the table ``<name>_cache`` in the database (`migrate` creates it). Never files
    (the image's root filesystem is read-only and not shared) nor process memory."""
    if REDIS_URL:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": name,
            "OPTIONS": REDIS_TIMEOUTS,
        }
    return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": f"{name}_cache"}
{%- endif %}


# --- Users ------------------------------------------------------------------

AUTH_USER_MODEL = "users.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

ADMIN_URL = env.str("DJANGO_ADMIN_URL", default="admin/")
if ADMIN_URL.startswith("/") or not ADMIN_URL.endswith("/"):
    raise ImproperlyConfigured(
        "DJANGO_ADMIN_URL must be a relative path ending in a slash, e.g. admin/ or ops/admin/."
    )

# --- Internationalisation ---------------------------------------------------

LANGUAGE_CODE = env.str("DJANGO_LANGUAGE_CODE", default="en-us")
TIME_ZONE = env.time_zone("DJANGO_TIME_ZONE", default="{{ cookiecutter.timezone }}")
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------

STATIC_URL = env.str("DJANGO_STATIC_URL", default="static/")
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = env.str("DJANGO_MEDIA_URL", default="media/")
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Security ---------------------------------------------------------------

SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Behind a TLS-terminating proxy, set this to "HTTP_X_FORWARDED_PROTO,https" (and
# make sure the proxy overwrites that header) so Django knows requests were HTTPS.
_proxy_ssl_header = env.tuple("DJANGO_SECURE_PROXY_SSL_HEADER", default=())
if _proxy_ssl_header:
    if len(_proxy_ssl_header) != 2:
        raise ImproperlyConfigured(
            "DJANGO_SECURE_PROXY_SSL_HEADER must be HEADER,VALUE, "
            "e.g. HTTP_X_FORWARDED_PROTO,https."
        )
    SECURE_PROXY_SSL_HEADER = _proxy_ssl_header
# The health probes stay reachable over plain HTTP even if HealthCheckMiddleware
# is ever moved below SecurityMiddleware.
SECURE_REDIRECT_EXEMPT = [r"^__(lb)?heartbeat__/?$"]
{%- if cookiecutter.use_logux %}
# The Logux server posts to /logux/ from inside the network and does not follow
# redirects; its requests are authenticated by the control secret, not by TLS.
SECURE_REDIRECT_EXEMPT.append(r"^logux/?$")
{%- endif %}
# Submitting a domain to the browsers' HSTS preload list is a deliberate,
# hard-to-undo decision, so it is off by default and its reminder is silenced.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# --- Email ------------------------------------------------------------------

# EMAIL_URL (e.g. smtp+tls://user:password@smtp.example.com:587) sets EMAIL_BACKEND,
# EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD and EMAIL_USE_TLS/SSL.
globals().update(
    env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="{{ cookiecutter.email }}")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Correlation ids (platform/guid) ----------------------------------------

DJANGO_GUID = {
    "GUID_HEADER_NAME": "Correlation-ID",
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": True,
{%- if not cookiecutter.use_sentry and cookiecutter.task_executor == "sync" %}
    "INTEGRATIONS": [],
{%- else %}
    "INTEGRATIONS": [
{%- endif %}
{%- if cookiecutter.use_sentry %}
        SentryIntegration(),
{%- endif %}
{%- if cookiecutter.task_executor == "celery" %}
        # Ids travel in task headers; worker logs use LOGGING below; each task
        # run also gets its own id, with its parent's (CeleryTracing).
        CeleryIntegration(use_django_logging=True, log_parent=True),
{%- elif cookiecutter.task_executor == "django_q" %}
        DjangoQIntegration(),  # ids travel in the task package to the cluster
{%- elif cookiecutter.task_executor == "django_tasks" %}
        DjangoTasksIntegration(),  # ids travel with the task's arguments to db_worker
{%- elif cookiecutter.task_executor == "dramatiq" %}
        DramatiqIntegration(),  # ids travel in the message options to the workers
{%- elif cookiecutter.task_executor == "huey" %}
        HueyIntegration(),  # ids travel with the task's arguments to the consumer
{%- endif %}
{%- if cookiecutter.use_sentry or cookiecutter.task_executor != "sync" %}
    ],
{%- endif %}
    "IGNORE_URLS": [],
    "UUID_FORMAT": "hex",
}

# --- Dockerflow (platform/dockerflow) ---------------------------------------

_checks = f"{_package}.platform.dockerflow.checks"
DOCKERFLOW_CHECKS = [f"{_checks}.check_database_connected", f"{_checks}.check_migrations_applied"]
if REDIS_URL:
    DOCKERFLOW_CHECKS.append(f"{_checks}.check_cache_connected")
{%- if cookiecutter.task_executor not in ["sync", "django_tasks"] %}
# The task queue's broker: the heartbeat fails when workers could not get tasks.
_queue = f"{_package}.platform.airlock.executors.{{ cookiecutter.task_executor }}"
DOCKERFLOW_CHECKS.append(f"{_queue}.check_broker_connected")
{%- endif %}
{%- if cookiecutter.task_executor != "sync" %}
# Effects the queue refused long ago (airlock's outbox): a warning, still 200.
DOCKERFLOW_CHECKS.append(f"{_package}.platform.airlock.checks.check_outbox_backlog")
{%- endif %}
DOCKERFLOW_HEARTBEAT_FAILED_STATUS_CODE = env.int(
    "DOCKERFLOW_HEARTBEAT_FAILED_STATUS_CODE", default=500
)
DOCKERFLOW_CHECK_TIMEOUT = env.float("DOCKERFLOW_CHECK_TIMEOUT", default=3.0)
# Unapplied migrations make the heartbeat "warning" (still 200) by default, so a
# new release can pass its probes while `migrate` runs; set true to fail instead.
DOCKERFLOW_MIGRATIONS_FAIL_HEARTBEAT = env.bool(
    "DOCKERFLOW_MIGRATIONS_FAIL_HEARTBEAT", default=False
)
# Callers sending "Authorization: Bearer <token>" see the checks' messages.
DOCKERFLOW_HEARTBEAT_DETAILS_TOKEN = env.str("DOCKERFLOW_HEARTBEAT_DETAILS_TOKEN", default="")
DOCKERFLOW_SUMMARY_LOG_QUERYSTRING = env.bool("DOCKERFLOW_SUMMARY_LOG_QUERYSTRING", default=False)

# --- Airlock side effects (platform/airlock) --------------------------------

_airlock = f"{_package}.platform.airlock"
AIRLOCK = {
{%- if cookiecutter.task_executor == "sync" %}
    # Effects run in this process after commit (no worker needed).
{%- else %}
    # Effects go to the task queue after commit; `make worker` runs them.
{%- endif %}
    "EXECUTOR": f"{_airlock}.executors.{{ cookiecutter.task_executor }}.{{ cookiecutter.task_executor }}_executor",
    "POLICY": f"{_airlock}.policies.AllowAll",
    "SCOPE": f"{_airlock}.transaction_scope.DjangoScope",
    "SCOPE_KWARGS": {},
{%- if cookiecutter.task_executor != "sync" %}
    # Released effects are stored in the outbox (in the request's transaction
    # when one is open) and sent again until the queue takes them: a broker
    # outage loses none. relay_effects sends those left behind.
    "DURABLE": env.bool("AIRLOCK_DURABLE", default=True),
    "RELAY_AFTER": env.int("AIRLOCK_RELAY_AFTER", default=60),
    "BACKLOG_WARNING": env.int("AIRLOCK_BACKLOG_WARNING", default=300),
{%- endif %}
}

{%- if cookiecutter.use_http_hooks %}

# --- HTTP hooks (platform/http_hooks) ---------------------------------------

# Hook changes made in any process reach every other one through this cache
# (without Redis: one indexed read per save of a model some hook watches).
CACHES["http_hooks"] = _shared_cache("http_hooks")
DJANGO_HTTP_HOOKS_CACHE = "http_hooks"
# Seconds a process goes without reading that cache when saving models no hook
# watches: a hook on such a model starts firing in other processes within this
# time (0: read before every save). Changes to watched models apply at once.
DJANGO_HTTP_HOOKS_REGISTRY_MAX_AGE = env.float("DJANGO_HTTP_HOOKS_REGISTRY_MAX_AGE", default=1.0)
# Seconds one delivery may take, and how many go out at once per sender.
DJANGO_HTTP_HOOKS_TIMEOUT = env.float("DJANGO_HTTP_HOOKS_TIMEOUT", default=15.0)
DJANGO_HTTP_HOOKS_CONCURRENCY = env.int("DJANGO_HTTP_HOOKS_CONCURRENCY", default=50)
# Seconds a sender holds the callbacks it claimed; a sender that dies mid-batch
# leaves them to be sent again once this has passed.
DJANGO_HTTP_HOOKS_LEASE = env.int("DJANGO_HTTP_HOOKS_LEASE", default=300)
# Seconds before each retry of a failed delivery (then the callback is an error).
DJANGO_HTTP_HOOKS_RETRY_SCHEDULE = env.list(
    "DJANGO_HTTP_HOOKS_RETRY_SCHEDULE",
    cast=float,
    default=[5, 300, 1800, 7200, 18000, 36000, 36000],
)
# Private, loopback and link-local targets are refused unless listed here
# (in development: this machine, so hooks can call local receivers).
DJANGO_HTTP_HOOKS_ALLOWED_NETWORKS = env.list(
    "DJANGO_HTTP_HOOKS_ALLOWED_NETWORKS",
    default=["127.0.0.0/8", "::1/128"] if DEBUG else [],
)
# Fields never put in default payloads (password fields never are): "field" or
# "app_label.model.field".
DJANGO_HTTP_HOOKS_EXCLUDED_FIELDS = env.list("DJANGO_HTTP_HOOKS_EXCLUDED_FIELDS", default=[])
# Raise (failing the save that fired the hook) instead of recording an error callback.
DJANGO_HTTP_HOOKS_RAISE_EXCEPTIONS = env.bool("DJANGO_HTTP_HOOKS_RAISE_EXCEPTIONS", default=False)
# Switch hooks off: no callbacks are written (the admin and the sender still work).
DJANGO_HTTP_HOOKS_SHUT_DOWN = env.bool("DJANGO_HTTP_HOOKS_SHUT_DOWN", default=False)
{%- endif %}
{%- if cookiecutter.use_logux %}

# --- Logux back-end at /logux/ (platform/logux) -----------------------------
# The Logux server (@logux/server 0.13.1) runs with LOGUX_BACKEND=<this site>/logux/
# and the same LOGUX_CONTROL_SECRET. Required with debug off; the app refuses to
# start without one (16 characters or more; with debug on, any, with a warning).
LOGUX_CONTROL_SECRET = env.str("LOGUX_CONTROL_SECRET", default="") or (
    "logux-insecure-development-only" if DEBUG else ""
)
# Where add() sends actions: the Logux server's HTTP endpoint (its WebSocket port).
LOGUX_URL = env.str("LOGUX_URL", default="http://127.0.0.1:31337/")
# Who a client is: dotted path of f(user_id, token, cookie, headers) -> bool. The
# default trusts a token from issue_token(user), or the Django session cookie a
# browser sends with the WebSocket.
LOGUX_AUTH_FUNC = env.str(
    "LOGUX_AUTH_FUNC",
    default=f"{_package}.platform.logux.auth.session_auth",
)
# The subprotocol answered to clients, and the range of client subprotocols accepted.
LOGUX_SUBPROTOCOL = env.str("LOGUX_SUBPROTOCOL", default="1.0.0")
LOGUX_SUPPORTS = env.str("LOGUX_SUPPORTS", default="^1.0.0")
# Seconds add() waits for the Logux server.
LOGUX_TIMEOUT = env.float("LOGUX_TIMEOUT", default=5.0)
# Proxies whose X-Forwarded-For is believed when counting wrong secrets per client.
LOGUX_TRUSTED_PROXIES = env.list("LOGUX_TRUSTED_PROXIES", default=[])
# Wrong secrets are counted per client across every process.
CACHES["logux"] = _shared_cache("logux")
LOGUX_CACHE = "logux"
# The largest request body the Logux server may post, in bytes (Django's own
# DATA_UPLOAD_MAX_MEMORY_SIZE does not apply to /logux/).
LOGUX_MAX_BODY_SIZE = env.int("LOGUX_MAX_BODY_SIZE", default=2621440)
{%- endif %}

{%- if cookiecutter.task_executor != "sync" %}

# --- Task queue (`make worker`) ---------------------------------------------

# Worker processes (or threads) that run tasks side by side.
WORKER_CONCURRENCY = env.int("WORKER_CONCURRENCY", default=2)
if WORKER_CONCURRENCY < 1:
    raise ImproperlyConfigured("WORKER_CONCURRENCY must be a whole number of at least 1.")
{%- if cookiecutter.task_executor in ["celery", "django_q", "django_tasks"] %}
# Seconds a task may run. A task taken by a worker that dies (SIGKILL, OOM, a
# lost node) is given to another worker once TASK_REDELIVERY_AFTER has passed:
# long enough that a task still running is never given out twice.
TASK_TIME_LIMIT = env.int("TASK_TIME_LIMIT", default=300)
if TASK_TIME_LIMIT < 1:
    raise ImproperlyConfigured("TASK_TIME_LIMIT must be a whole number of seconds, 1 or more.")
TASK_REDELIVERY_AFTER = TASK_TIME_LIMIT + max(10, TASK_TIME_LIMIT // 5)
{%- endif %}
{%- endif %}
{%- if cookiecutter.task_executor == "celery" %}

# The broker: CELERY_BROKER_URL, else REDIS_URL; without either, a folder next to
# manage.py in development (Kombu's filesystem transport: no server needed) and
# Redis on 127.0.0.1 otherwise (the heartbeat reports it if it is not there).
_default_broker = "filesystem://localhost//" if DEBUG else "redis://127.0.0.1:6379/0"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or _default_broker)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _celery_folder = BASE_DIR / ".celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_folder / "queue"),
        "data_folder_out": str(_celery_folder / "queue"),
        "processed_folder": str(_celery_folder / "processed"),
        "control_folder": str(_celery_folder / "control"),
        "store_processed": False,
    }
    CELERY_BEAT_SCHEDULE_FILENAME = str(_celery_folder / "beat-schedule")
else:
    # visibility_timeout: an unacknowledged task (its worker died) goes back to
    # the queue after this long (Kombu's default is an hour). A countdown or eta
    # further away than this is delivered again each time it passes: keep delays
    # shorter, or schedule them with beat.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **REDIS_TIMEOUTS,
        "visibility_timeout": TASK_REDELIVERY_AFTER,
        # Look for such tasks every 10 s (Kombu's default scans every 100 s).
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }
CELERY_TASK_TIME_LIMIT = TASK_TIME_LIMIT
# Publishing waits at most BROKER_PUBLISH_RETRIES + 1 connection attempts of
# CELERY_BROKER_CONNECTION_TIMEOUT seconds (about 4.5 s with the defaults).
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
BROKER_PUBLISH_RETRIES = env.int("BROKER_PUBLISH_RETRIES", default=1)
if BROKER_PUBLISH_RETRIES < 0:
    raise ImproperlyConfigured("BROKER_PUBLISH_RETRIES must be 0 or more.")
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": BROKER_PUBLISH_RETRIES,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged once it has run, so a worker that dies mid-task does
# not lose it (tasks should be idempotent).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CONCURRENCY = WORKER_CONCURRENCY
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Periodic tasks (celery beat): add entries here, e.g.
# {"nightly-report": {"task": "app.tasks.report", "schedule": 24 * 3600}}.
CELERY_BEAT_SCHEDULE = {
    # Effects airlock's outbox still holds (the broker refused them, or their
    # process died after the commit).
    "airlock-relay-effects": {
        "task": "airlock.run_effect",
        "schedule": 30.0,
        "args": [f"{_package}.platform.airlock.outbox.relay", [], {}],
    },
{%- if cookiecutter.use_http_hooks %}
    # Deliveries of HTTP hooks whose retry is due.
    "http-hooks-send-due-callbacks": {
        "task": "airlock.run_effect",
        "schedule": 30.0,
        "args": [f"{_package}.platform.http_hooks.delivery.send_due_callbacks", [], {}],
    },
{%- endif %}
}
{%- elif cookiecutter.task_executor == "django_q" %}

# The broker: Redis when REDIS_URL is set, else the database (django-q's ORM
# broker: no server needed). The cluster also runs the schedules (admin: Scheduled tasks).
Q_CLUSTER = {
    "name": _package,
    "workers": WORKER_CONCURRENCY,
    "timeout": TASK_TIME_LIMIT,  # seconds a task may run
    # Seconds before an unacknowledged task is given out again: the ORM broker
    # only (Redis's takes a task off the queue when a worker gets it).
    "retry": TASK_REDELIVERY_AFTER,
    "max_attempts": 3,
    "catch_up": False,
    "label": "Tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = _with_redis_timeouts(REDIS_URL)
else:
    Q_CLUSTER["orm"] = "default"
{%- elif cookiecutter.task_executor == "django_tasks" %}

# The database backend: tasks are rows, `manage.py db_worker` runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
{%- elif cookiecutter.task_executor == "dramatiq" %}

# Dramatiq needs a broker server: REDIS_URL (default: Redis on 127.0.0.1).
DRAMATIQ_BROKER = {
    "BROKER": "dramatiq.brokers.redis.RedisBroker",
    "OPTIONS": {
        "url": REDIS_URL or "redis://127.0.0.1:6379/0",
        **REDIS_TIMEOUTS,
        # A worker that stops sending heartbeats for this long (ms) is dead: its
        # unacknowledged messages go back to their queue at the next maintenance,
        # which runs on one broker command in ten (Dramatiq's default: one in a
        # thousand, so an idle queue could wait hours).
        "heartbeat_timeout": env.int("DRAMATIQ_HEARTBEAT_TIMEOUT", default=60_000),
        "maintenance_chance": 100_000,
    },
    "MIDDLEWARE": [
        "dramatiq.middleware.AgeLimit",
        "dramatiq.middleware.TimeLimit",
        "dramatiq.middleware.Callbacks",
        "dramatiq.middleware.Retries",
        "django_dramatiq.middleware.DbConnectionsMiddleware",
    ],
}
DRAMATIQ_AUTODISCOVER_MODULES = ["tasks"]
{%- elif cookiecutter.task_executor == "huey" %}

# Huey's storage: Redis at REDIS_URL; without it, a SQLite file next to manage.py
# in development (no server needed) and Redis on 127.0.0.1 otherwise (a file
# would sit on the image's read-only root and not be shared by the containers;
# the heartbeat reports Redis missing). The consumer also runs periodic tasks.
HUEY = {
    "name": _package,
    "immediate": False,  # tasks always go through the queue, as in production
    "utc": True,
    # SIGTERM (docker stop, Kubernetes) lets running tasks finish, for up to 50 s
    # (Huey's default is to interrupt them, losing tasks already taken off the queue).
    "consumer": {
        "workers": WORKER_CONCURRENCY,
        "worker_type": "thread",
        "graceful_signal": "TERM",
        "shutdown_timeout": 50,
    },
}
if REDIS_URL or not DEBUG:
    _huey_redis = REDIS_URL or "redis://127.0.0.1:6379/0"
    HUEY.update(
        {"huey_class": "huey.RedisHuey", "connection": {"url": _with_redis_timeouts(_huey_redis)}}
    )
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(BASE_DIR / "huey.sqlite3")})
{%- endif %}

# --- Logging ----------------------------------------------------------------

LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
LOG_LEVEL = env.choice("DJANGO_LOG_LEVEL", LOG_LEVELS, default="INFO", upper=True)
LOG_FORMAT = env.choice("DJANGO_LOG_FORMAT", {"text", "json"}, default="text" if DEBUG else "json")


def _not_a_request_line(record):
    """runserver's own per-request lines repeat request.summary: one line per request."""
    return not hasattr(record, "status_code")


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)-8s [%(correlation_id)s] %(name)s %(message)s",
        },
        # Dockerflow's mozlog JSON, one object per line; the correlation id is in Fields.
        "json": {
            "()": f"{_package}.platform.dockerflow.formatters.MozlogFormatter",
            "logger_name": _package,
        },
    },
    "filters": {
        # Every line carries the request's (or task's, or command's) correlation id.
        "correlation_id": {
            "()": f"{_package}.platform.guid.CorrelationId",
            "default": "-" if LOG_FORMAT == "text" else None,
        },
        "not_a_request_line": {
            "()": "django.utils.log.CallbackFilter",
            "callback": _not_a_request_line,
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["correlation_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Through the root handler only: Django's own DEBUG-time console handler
        # would print every django.* line a second time.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"handlers": [], "filters": ["not_a_request_line"], "propagate": True},
        "request.summary": {"level": "INFO"},
{%- if cookiecutter.task_executor == "celery" %}
        # In development, beat's "Sending due task" every 30 s (the HTTP hooks'
        # retries) and each task's "received" and "succeeded" lines are routine: the
        # tasks log what they did, and a failure is still an ERROR line. Production
        # keeps them, for the log aggregator.
        "celery.beat": {"level": "WARNING" if DEBUG else LOG_LEVEL},
        "celery.worker.strategy": {"level": "WARNING" if DEBUG else LOG_LEVEL},
        "celery.app.trace": {"level": "WARNING" if DEBUG else LOG_LEVEL},
{%- endif %}
{%- if cookiecutter.task_executor == "huey" %}
        # run_huey adds a text handler of its own to a "huey" logger without one.
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
{%- endif %}
    },
}
{%- if cookiecutter.use_sentry %}

# --- Sentry -----------------------------------------------------------------

SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
if not 0.0 <= SENTRY_TRACES_SAMPLE_RATE <= 1.0:
    raise ImproperlyConfigured("SENTRY_TRACES_SAMPLE_RATE must be between 0.0 and 1.0.")
if SENTRY_DSN:
    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        release=env.str(
            "SENTRY_RELEASE",
            default=f"{_package}@{{ cookiecutter.version }}",
        ),
        integrations=[
            DjangoIntegration(),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
        send_default_pii=False,
        # Secrets are replaced by value, whatever the variable holding them is called.
        before_send=scrub_event,
        before_send_transaction=scrub_event,
    )
{%- endif %}
