"""The settings read the environment strictly and default to production-safe values."""

import pytest

from .conftest import PRODUCTION_ENV, load_settings, run_python

pytestmark = pytest.mark.project

SETUP = "import django; django.setup()"


def test_secret_key_is_required_when_debug_is_off():
    result = run_python(SETUP, {"DJANGO_DEBUG": "false"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr


def test_debug_is_off_unless_set():
    env = {name: value for name, value in PRODUCTION_ENV.items() if name != "DJANGO_DEBUG"}
    values = load_settings(["DEBUG"], env)
    assert values["DEBUG"] is False


def test_development_runs_without_a_secret_key():
    values = load_settings(["DEBUG", "SECRET_KEY"], {"DJANGO_DEBUG": "true"})
    assert values["DEBUG"] is True
    assert values["SECRET_KEY"].startswith("django-insecure-")


def test_production_defaults_are_secure():
    values = load_settings(
        [
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "SECURE_HSTS_SECONDS",
            "ALLOWED_HOSTS",
            "CSRF_TRUSTED_ORIGINS",
            "LOG_FORMAT",
            "ADMIN_URL",
        ],
        PRODUCTION_ENV,
    )
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] > 0
    # The production domain given when the project was generated.
    [domain] = values["ALLOWED_HOSTS"]
    assert domain not in {"*", "localhost", "127.0.0.1"}
    assert values["CSRF_TRUSTED_ORIGINS"] == [f"https://{domain}"]
    assert values["LOG_FORMAT"] == "json"
    assert values["ADMIN_URL"] == "admin/"


def test_environment_overrides_reach_the_settings():
    env = {
        **PRODUCTION_ENV,
        "DJANGO_ALLOWED_HOSTS": "a.example.org,b.example.org",
        "DJANGO_SECURE_SSL_REDIRECT": "off",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "DJANGO_ADMIN_URL": "ops/admin/",
        "DATABASE_URL": "postgres://user:secret@db.internal:5433/service",
        "REDIS_URL": "redis://127.0.0.1:6379/3",
    }
    values = load_settings(
        [
            "ALLOWED_HOSTS",
            "SECURE_SSL_REDIRECT",
            "SECURE_PROXY_SSL_HEADER",
            "ADMIN_URL",
            "DATABASES",
            "CACHES",
        ],
        env,
    )
    assert values["ALLOWED_HOSTS"] == ["a.example.org", "b.example.org"]
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["ADMIN_URL"] == "ops/admin/"
    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["HOST"] == "db.internal"
    assert database["PORT"] == 5433
    assert database["NAME"] == "service"
    cache = values["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://127.0.0.1:6379/3"


def test_default_database_is_the_embedded_sqlite_file():
    values = load_settings(["DATABASES", "CACHES"], PRODUCTION_ENV)
    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"].endswith("db.sqlite3")
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DJANGO_DEBUG", "maybe", "Environment variable DJANGO_DEBUG is invalid"),
        ("DJANGO_CONN_MAX_AGE", "soon", "Environment variable DJANGO_CONN_MAX_AGE is invalid"),
        ("DATABASE_URL", "mysqlx://nowhere", "DATABASE_URL is not a database URL"),
        ("DJANGO_ADMIN_URL", "/admin", "DJANGO_ADMIN_URL must be a relative path"),
        ("DJANGO_LOG_FORMAT", "xml", "DJANGO_LOG_FORMAT must be one of: json, text"),
        ("DJANGO_LOG_LEVEL", "LOUD", "DJANGO_LOG_LEVEL must be one of"),
        ("DJANGO_SECURE_PROXY_SSL_HEADER", "X_PROTO", "DJANGO_SECURE_PROXY_SSL_HEADER must be"),
        ("EMAIL_URL", "bogus://mail", "Environment variable EMAIL_URL has an unknown scheme"),
        ("DJANGO_TIME_ZONE", "Mars/Olympus", "DJANGO_TIME_ZONE is not a known time zone"),
    ],
)
def test_invalid_values_stop_startup_naming_the_variable(variable, value, message):
    result = run_python(SETUP, {**PRODUCTION_ENV, variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_time_zone_follows_the_environment():
    overridden = load_settings(["TIME_ZONE"], {**PRODUCTION_ENV, "DJANGO_TIME_ZONE": "Asia/Tokyo"})
    assert overridden["TIME_ZONE"] == "Asia/Tokyo"


def test_lists_are_stripped_and_log_level_is_case_insensitive():
    env = {
        **PRODUCTION_ENV,
        "DJANGO_ALLOWED_HOSTS": "a.example.org, b.example.org ,",
        "DJANGO_LOG_LEVEL": "warning",
    }
    values = load_settings(["ALLOWED_HOSTS", "LOG_LEVEL"], env)
    assert values["ALLOWED_HOSTS"] == ["a.example.org", "b.example.org"]
    assert values["LOG_LEVEL"] == "WARNING"


def test_email_url_configures_the_mail_backend():
    env = {**PRODUCTION_ENV, "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587"}
    values = load_settings(["EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS"], env)
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (values["EMAIL_HOST"], values["EMAIL_PORT"]) == ("smtp.example.org", 587)
    assert values["EMAIL_USE_TLS"] is True
