"""Dockerflow (platform/dockerflow): endpoints, checks, signals, summary logs, version.json."""

import json
import logging
import threading
import time
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings

from .conftest import PRODUCTION_ENV, manage, platform_module, run_python

pytestmark = pytest.mark.dockerflow

dockerflow = platform_module("dockerflow")
checks_module = platform_module("dockerflow", "checks")
CHECKS = "tests.dockerflow_checks."
BUILT_IN = [
    f"{checks_module.__name__}.check_database_connected",
    f"{checks_module.__name__}.check_migrations_applied",
]
VERSION = {
    "source": "https://example.org/repo",
    "version": "1.2.3",
    "commit": "abc123",
    "build": "",
}


def with_checks(*names, **extra):
    return override_settings(DOCKERFLOW_CHECKS=[CHECKS + n for n in names], **extra)


# --- /__lbheartbeat__ -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/__lbheartbeat__", "/__lbheartbeat__/"])
def test_lbheartbeat_answers_200_empty_without_touching_the_database(
    client, django_assert_num_queries, path
):
    with django_assert_num_queries(0):
        response = client.get(path)
    assert response.status_code == 200
    assert response.content == b""
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/__lbheartbeat__", "/__heartbeat__/"])
@pytest.mark.django_db
def test_probes_answer_plain_http_with_an_ip_host_despite_https_redirect(client, settings, path):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["service.example.com"]
    with with_checks("passing"):
        response = client.get(path, HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200


@pytest.mark.django_db
def test_other_paths_keep_host_validation_and_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["service.example.com"]
    assert client.get("/__version__", HTTP_HOST="10.1.2.3:8000").status_code == 400
    assert client.get("/admin/login/", HTTP_HOST="10.1.2.3").status_code == 400
    redirect = client.get("/admin/login/", HTTP_HOST="service.example.com")
    assert redirect.status_code == 301
    assert redirect["Location"].startswith("https://service.example.com/")


def test_async_stack_answers_the_probes():
    import asyncio

    from django.test import AsyncClient

    async def probe():
        client = AsyncClient()
        return await client.get("/__lbheartbeat__")

    assert asyncio.run(probe()).status_code == 200


# --- /__heartbeat__ ---------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "status", "code"),
    [
        ("passing", "ok", 200),
        ("warning", "warning", 200),
        ("error", "error", 500),
        ("critical", "critical", 500),
    ],
)
def test_heartbeat_levels_and_status_codes(client, check, status, code):
    names = dict.fromkeys(["passing", check])  # "passing" once when check is "passing"
    with with_checks(*names):
        response = client.get("/__heartbeat__")
    assert response.status_code == code
    body = response.json()
    assert body["status"] == status
    assert body["checks"] == {"passing": "ok", check: status}


def test_failed_status_code_is_configurable(client):
    with with_checks("error", DOCKERFLOW_HEARTBEAT_FAILED_STATUS_CODE=503):
        assert client.get("/__heartbeat__").status_code == 503


def test_details_are_hidden_unless_debug_or_authorised(client, settings):
    with with_checks("error", DOCKERFLOW_HEARTBEAT_DETAILS_TOKEN="s3cret-token"):
        hidden = client.get("/__heartbeat__").json()
        assert hidden["details"] == {"error": {"status": "error", "level": 40}}
        assert "10.0.0.5" not in json.dumps(hidden)
        wrong = client.get("/__heartbeat__", HTTP_AUTHORIZATION="Bearer nope").json()
        assert "messages" not in wrong["details"]["error"]
        shown = client.get("/__heartbeat__", HTTP_AUTHORIZATION="Bearer s3cret-token").json()
        settings.DEBUG = True
        debug = client.get("/__heartbeat__").json()
    expected = [
        {"id": "tests.E001", "level": "error", "message": "queue broker at 10.0.0.5 refused"}
    ]
    assert shown["details"]["error"]["messages"] == expected
    assert debug["details"]["error"]["messages"] == expected


def test_a_check_that_raises_becomes_an_error_entry(client, settings):
    settings.DEBUG = True
    with with_checks("passing", "raising"):
        response = client.get("/__heartbeat__")
    assert response.status_code == 500
    body = response.json()
    assert body["checks"] == {"passing": "ok", "raising": "error"}
    [message] = body["details"]["raising"]["messages"]
    assert message["id"] == "dockerflow.E009"
    assert "ConnectionResetError: backend hung up" in message["message"]


def test_each_failing_or_warning_check_is_logged_with_its_reason_never_as_an_error(client, caplog):
    with caplog.at_level(logging.INFO), with_checks("passing", "warning", "error"):
        response = client.get("/__heartbeat__")
    assert response.status_code == 500
    lines = {(r.levelno, r.getMessage()) for r in caplog.records}
    assert (
        logging.WARNING,
        "Heartbeat check error: queue broker at 10.0.0.5 refused (tests.E001)",
    ) in lines
    assert (
        logging.INFO,
        "Heartbeat check warning: disk 85% full on db-7.internal (tests.W001)",
    ) in lines
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no django.request
    assert "10.0.0.5" not in response.content.decode()  # reasons stay out of the response


def test_silenced_system_checks_apply_to_the_heartbeat(client):
    with with_checks("passing", "error", SILENCED_SYSTEM_CHECKS=["tests.E001"]):
        response = client.get("/__heartbeat__")
    assert response.status_code == 200
    assert response.json()["checks"] == {"passing": "ok", "error": "ok"}


def test_a_check_that_hangs_is_cut_off_by_the_time_limit(client, settings):
    settings.DEBUG = True
    start = time.monotonic()
    with with_checks("passing", "hanging", DOCKERFLOW_CHECK_TIMEOUT=0.3):
        response = client.get("/__heartbeat__")
    assert time.monotonic() - start < 5  # the check hangs for far longer: it was cut off
    assert response.status_code == 500
    body = response.json()
    assert body["checks"]["hanging"] == "error"
    assert body["details"]["hanging"]["messages"][0]["id"] == "dockerflow.E008"


def test_a_hung_check_holds_one_thread_however_often_the_probe_comes(client, settings):
    settings.DEBUG = True
    for _ in range(12):
        with with_checks("passing", "hanging", DOCKERFLOW_CHECK_TIMEOUT=0.05):
            body = client.get("/__heartbeat__").json()
        assert body["checks"] == {"passing": "ok", "hanging": "error"}
    hung = [t for t in threading.enumerate() if t.name == "heartbeat-hanging"]
    assert len(hung) == 1


def test_checks_run_with_the_request_correlation_id(client):
    from . import dockerflow_checks

    dockerflow_checks.seen_guids.clear()
    value = uuid.uuid4().hex
    with with_checks("remembers_guid"):
        client.get("/__heartbeat__", headers={"Correlation-ID": value})
    assert dockerflow_checks.seen_guids == [value]


def test_a_failing_signal_receiver_does_not_break_the_heartbeat(client, caplog):
    def broken(sender, level, **kwargs):
        raise RuntimeError("statsd is down")

    dockerflow.heartbeat_passed.connect(broken)
    try:
        with with_checks("passing"):
            response = client.get("/__heartbeat__")
    finally:
        dockerflow.heartbeat_passed.disconnect(broken)
    assert response.status_code == 200
    assert "statsd is down" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_built_in_checks_pass_on_a_migrated_database(client):
    with override_settings(DOCKERFLOW_CHECKS=BUILT_IN):
        response = client.get("/__heartbeat__")
    assert response.status_code == 200
    assert response.json()["checks"] == {
        "check_database_connected": "ok",
        "check_migrations_applied": "ok",
    }


HEARTBEAT_IN_SUBPROCESS = (
    "import django, json; django.setup()\n"
    "from django.test import Client\n"
    "r = Client().get('/__heartbeat__', HTTP_HOST='10.0.0.9')\n"
    "print(r.status_code, json.dumps(r.json()))\n"
)


@pytest.mark.parametrize(
    "database_url",
    ["sqlite:////nonexistent-dir/cannot/open.sqlite3", "postgres://app@127.0.0.1:1/unreachable"],
    ids=["unopenable sqlite path", "stopped postgresql"],
)
def test_an_unavailable_database_fails_the_heartbeat_naming_the_check(database_url):
    env = {**PRODUCTION_ENV, "DATABASE_URL": database_url, "DJANGO_DEBUG": "false"}
    result = run_python(HEARTBEAT_IN_SUBPROCESS, env)
    assert result.returncode == 0, result.stderr
    code, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert code == "500"
    body = json.loads(body)
    assert body["status"] == "error"
    assert body["checks"]["check_database_connected"] == "error"


def test_unapplied_migrations_warn_by_default_and_fail_when_configured(tmp_path):
    env = {**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    result = run_python(HEARTBEAT_IN_SUBPROCESS, env)
    code, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert (code, json.loads(body)["checks"]["check_migrations_applied"]) == ("200", "warning")
    env["DOCKERFLOW_MIGRATIONS_FAIL_HEARTBEAT"] = "true"
    result = run_python(HEARTBEAT_IN_SUBPROCESS, env)
    code, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert (code, json.loads(body)["checks"]["check_migrations_applied"]) == ("500", "error")


def test_the_migrations_check_reports_only_the_apps_it_is_given(tmp_path):
    env = {**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    code = (
        "import django; django.setup()\n"
        "from django.apps import apps\n"
        "from django.core.checks import run_checks\n"
        "found = run_checks([apps.get_app_config('sessions')], databases=['default'])\n"
        "print(sorted(m.msg for m in found if m.id == 'dockerflow.W001'))\n"
    )
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['Unapplied migration sessions.0001_initial']"


def test_migrate_is_quiet_and_check_sums_unapplied_migrations_up_in_one_line(tmp_path):
    env = {**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}
    checked = manage("check", "--database", "default", env=env)
    lines = [line for line in checked.stderr.splitlines() if "dockerflow.W001" in line]
    assert len(lines) == 1, checked.stderr
    assert "unapplied migrations (" in lines[0]
    migrated = manage("migrate", "--noinput", env=env)
    assert "dockerflow.W001" not in migrated.stdout + migrated.stderr
    assert "Applying sessions.0001_initial... OK" in migrated.stdout


def test_migrate_runs_even_when_unapplied_migrations_fail_the_heartbeat(tmp_path):
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "DOCKERFLOW_MIGRATIONS_FAIL_HEARTBEAT": "true",
    }
    code = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
    )
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    result = run_python(HEARTBEAT_IN_SUBPROCESS, env)
    assert result.stdout.strip().splitlines()[-1].startswith("200 ")


def test_cache_check_reports_an_unreachable_redis(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    [message] = dockerflow.check_cache_connected()
    assert message.id == "dockerflow.E005"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert dockerflow.check_cache_connected() == []


def test_checks_run_under_manage_py_check_only_with_database():
    plain = run_python(
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('check')\n",
        {**PRODUCTION_ENV, "DATABASE_URL": "postgres://app@127.0.0.1:1/unreachable"},
    )
    assert plain.returncode == 0, plain.stderr
    with_database = run_python(
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('check', databases=['default'])\n",
        {**PRODUCTION_ENV, "DATABASE_URL": "postgres://app@127.0.0.1:1/unreachable"},
    )
    assert with_database.returncode != 0
    assert "dockerflow.E001" in with_database.stderr


# --- Signals ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "signal", "level"),
    [
        ("passing", "heartbeat_passed", 0),
        ("warning", "heartbeat_passed", 30),
        ("error", "heartbeat_failed", 40),
        ("critical", "heartbeat_failed", 50),
    ],
)
def test_signals_fire_with_the_worst_level(client, check, signal, level):
    received = []

    def receiver(sender, level, **kwargs):
        received.append((sender.__name__, level))

    other = "heartbeat_failed" if signal == "heartbeat_passed" else "heartbeat_passed"
    getattr(dockerflow, signal).connect(receiver)
    getattr(dockerflow, other).connect(receiver)
    try:
        with with_checks(check):
            client.get("/__heartbeat__")
    finally:
        dockerflow.heartbeat_passed.disconnect(receiver)
        dockerflow.heartbeat_failed.disconnect(receiver)
    assert received == [("heartbeat", level)]


# --- /__version__ and write_version_json ------------------------------------


@pytest.mark.parametrize("path", ["/__version__", "/__version__/"])
def test_version_is_served_from_base_dir(client, settings, tmp_path, path):
    (tmp_path / "version.json").write_text(json.dumps(VERSION))
    settings.BASE_DIR = tmp_path
    response = client.get(path)
    assert response.status_code == 200
    assert response.json() == VERSION


def test_missing_version_is_a_json_404(client, settings, tmp_path):
    settings.BASE_DIR = tmp_path
    response = client.get("/__version__")
    assert response.status_code == 404
    assert response.json() == {"error": "version.json not found"}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "version.json is malformed: not valid JSON"),
        ("[1, 2]", "version.json is malformed: it must hold a JSON object"),
        ('{"source": "x", "version": "1"}', "it lacks string values for commit, build"),
    ],
)
def test_malformed_version_is_a_clear_json_error(client, settings, tmp_path, content, reason):
    (tmp_path / "version.json").write_text(content)
    settings.BASE_DIR = tmp_path
    response = client.get("/__version__")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert reason in response.json()["error"]


def test_a_failing_version_callback_is_a_json_error(client):
    def broken(base_dir):
        raise PermissionError("version.json is not readable")

    with override_settings(DOCKERFLOW_VERSION_CALLBACK=broken):
        response = client.get("/__version__")
    assert response.status_code == 500
    assert "the version callback failed" in response.json()["error"]


def test_version_callback_is_configurable(client):
    with override_settings(DOCKERFLOW_VERSION_CALLBACK=lambda base_dir: {**VERSION, "build": "42"}):
        assert client.get("/__version__").json()["build"] == "42"


def test_write_version_json_output_is_served(client, settings, tmp_path, monkeypatch):
    for name in ("GITHUB_SHA", "GITHUB_RUN_ID", "VERSION_COMMIT", "VERSION_BUILD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/orders")
    monkeypatch.setenv("GITHUB_SHA", "0123456789abcdef")
    monkeypatch.setenv("GITHUB_RUN_ID", "77")
    call_command(
        "write_version_json", "--output", tmp_path / "version.json", "--app-version", "2.0.0"
    )
    settings.BASE_DIR = tmp_path
    assert client.get("/__version__").json() == {
        "source": "https://github.com/acme/orders",
        "version": "2.0.0",
        "commit": "0123456789abcdef",
        "build": "https://github.com/acme/orders/actions/runs/77",
    }


@pytest.mark.parametrize(
    "source",
    [
        "https://x-access-token:ghp_s3cr3tT0ken@github.com/acme/orders.git",
        "https://ghp_s3cr3tT0ken@github.com/acme/orders.git",
    ],
)
def test_write_version_json_never_publishes_credentials_from_a_url(tmp_path, monkeypatch, source):
    monkeypatch.setenv("VERSION_SOURCE", source)
    call_command("write_version_json", "--output", tmp_path / "version.json")
    written = (tmp_path / "version.json").read_text()
    assert "s3cr3t" not in written
    assert json.loads(written)["source"] == "https://github.com/acme/orders.git"


# --- request.summary --------------------------------------------------------


@pytest.mark.django_db
def test_request_summary_has_the_mozlog_fields_and_the_correlation_id(client, caplog):
    correlation_id = uuid.uuid4().hex
    with caplog.at_level(logging.INFO, logger="request.summary"):
        client.get(
            "/admin/login/?next=/admin/",
            headers={
                "Correlation-ID": correlation_id,
                "User-Agent": "probe/1.0",
                "Accept-Language": "fr",
            },
        )
    [record] = [r for r in caplog.records if r.name == "request.summary"]
    line = json.loads(dockerflow.MozlogFormatter(logger_name="svc").format(record))
    assert set(line) == {
        "Timestamp",
        "Type",
        "Logger",
        "Hostname",
        "EnvVersion",
        "Severity",
        "Pid",
        "Fields",
    }
    assert (line["Type"], line["Logger"], line["EnvVersion"], line["Severity"]) == (
        "request.summary",
        "svc",
        "2.0",
        6,
    )
    fields = line["Fields"]
    assert fields["rid"] == correlation_id
    assert fields["agent"] == "probe/1.0"
    assert fields["lang"] == "fr"
    assert (fields["method"], fields["path"], fields["code"], fields["errno"]) == (
        "GET",
        "/admin/login/",
        200,
        0,
    )
    assert isinstance(fields["t"], int)
    assert fields["uid"] == ""
    assert "querystring" not in fields


def test_request_summary_of_a_failure_carries_the_status_and_error(caplog):
    from django.test import Client

    urls = override_settings(ROOT_URLCONF="tests.urls", DOCKERFLOW_SUMMARY_LOG_QUERYSTRING=True)
    with urls, caplog.at_level(logging.INFO, logger="request.summary"):
        Client(raise_request_exception=False).get("/boom/?page=2")
    [record] = [r for r in caplog.records if r.name == "request.summary"]
    fields = json.loads(dockerflow.MozlogFormatter().format(record))["Fields"]
    assert (fields["code"], fields["errno"], fields["querystring"]) == (500, 500, "page=2")
    assert "the view failed on purpose" in fields["error"]
    # WARNING, not ERROR: the error is reported once already (Sentry, django.request).
    assert record.levelno == logging.WARNING


def test_production_log_lines_are_mozlog_json():
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "Client().get('/__lbheartbeat__', headers={'Correlation-ID': '%s'})\n"
    )
    correlation_id = uuid.uuid4().hex
    result = run_python(code % correlation_id, PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    [summary] = [line for line in lines if line["Type"] == "request.summary"]
    assert summary["Fields"]["rid"] == correlation_id
    assert summary["Fields"]["path"] == "/__lbheartbeat__"
    assert summary["Fields"]["correlation_id"] == correlation_id


# --- Settings validation ----------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("DOCKERFLOW_CHECKS", "tests.dockerflow_checks.passing", "must be a list"),
        ("DOCKERFLOW_CHECKS", ["tests.dockerflow_checks.missing"], "cannot import"),
        ("DOCKERFLOW_VERSION_CALLBACK", "tests.nowhere.get", "cannot import"),
        ("DOCKERFLOW_HEARTBEAT_FAILED_STATUS_CODE", 200, "must be an HTTP error status"),
        ("DOCKERFLOW_CHECK_TIMEOUT", 0, "must be a number of seconds above 0"),
        ("DOCKERFLOW_MIGRATIONS_FAIL_HEARTBEAT", "yes", "must be True or False"),
        ("DOCKERFLOW_CHECK_TIMEOUT", float("nan"), "must be a number of seconds above 0"),
        (
            "DOCKERFLOW_CHECKS",
            [
                "tests.dockerflow_checks.passing",
                "tests.urls.echo",
                "tests.dockerflow_checks.passing",
            ],
            "two checks are named 'passing'",
        ),
    ],
)
def test_each_settings_mistake_names_the_setting(setting, value, message):
    conf = platform_module("dockerflow", "conf")
    with override_settings(**{setting: value}), pytest.raises(ImproperlyConfigured) as error:
        conf.validate()
    assert setting in str(error.value)
    assert message in str(error.value)


def test_a_sloppy_number_in_the_environment_stops_startup():
    result = run_python(
        "import django; django.setup()", {**PRODUCTION_ENV, "DOCKERFLOW_CHECK_TIMEOUT": "3s"}
    )
    assert result.returncode != 0
    assert "Environment variable DOCKERFLOW_CHECK_TIMEOUT is invalid" in result.stderr


@pytest.mark.parametrize(
    ("level", "severity"), [(50, 2), (45, 3), (40, 3), (35, 4), (25, 6), (5, 7)]
)
def test_custom_log_levels_map_to_the_syslog_severity_below(level, severity):
    formatters = platform_module("dockerflow", "formatters")
    assert formatters.severity(level) == severity


def test_a_bad_setting_stops_startup():
    env = {**PRODUCTION_ENV, "DOCKERFLOW_HEARTBEAT_FAILED_STATUS_CODE": "200"}
    result = run_python("import django; django.setup()", env)
    assert result.returncode != 0
    assert "DOCKERFLOW_HEARTBEAT_FAILED_STATUS_CODE must be an HTTP error status" in result.stderr
