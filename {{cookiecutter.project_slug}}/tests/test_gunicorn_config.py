"""gunicorn.conf.py turns environment variables into gunicorn settings."""

import runpy
import shutil
import subprocess
import sys

import pytest

from .conftest import PRODUCTION_ENV, PROJECT_DIR

pytestmark = pytest.mark.project

CONFIG = PROJECT_DIR / "gunicorn.conf.py"
SETTINGS_READ = ("HOST", "PORT", "WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "GUNICORN_PRELOAD")


def load(monkeypatch, config=CONFIG, **env):
    for name in (*SETTINGS_READ, "DJANGO_DEBUG", "DJANGO_LOG_FORMAT", "GUNICORN_ACCESS_LOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DJANGO_READ_DOT_ENV_FILE", "false")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(config))


def test_defaults_listen_on_loopback(monkeypatch):
    config = load(monkeypatch)
    assert config["bind"] == ["127.0.0.1:8000"]
    assert config["workers"] >= 1
    assert config["max_requests"] > 0
    assert config["max_requests_jitter"] > 0
    assert config["accesslog"] is None  # request.summary is the one line per request


def test_production_logs_gunicorns_own_lines_as_mozlog_json(monkeypatch):
    config = load(monkeypatch)
    assert config["logger_class"].__name__ == "MozlogLogger"
    assert "logger_class" not in load(monkeypatch, DJANGO_DEBUG="true")
    assert "logger_class" not in load(monkeypatch, DJANGO_LOG_FORMAT="text")
    assert load(monkeypatch, DJANGO_DEBUG="true", DJANGO_LOG_FORMAT="json")["logger_class"]


def test_the_access_log_is_opt_in(monkeypatch):
    assert load(monkeypatch, GUNICORN_ACCESS_LOG="-")["accesslog"] == "-"


def test_an_unknown_log_format_is_refused_by_name(monkeypatch):
    with pytest.raises(SystemExit, match="DJANGO_LOG_FORMAT must be text or json"):
        load(monkeypatch, DJANGO_LOG_FORMAT="xml")


def test_environment_sets_bind_workers_and_timeout(monkeypatch):
    config = load(
        monkeypatch, HOST="0.0.0.0", PORT="9000", WEB_CONCURRENCY="4", GUNICORN_TIMEOUT="60"
    )
    assert config["bind"] == ["0.0.0.0:9000"]
    assert config["workers"] == 4
    assert config["timeout"] == 60


def test_non_numeric_values_are_refused_by_name(monkeypatch):
    with pytest.raises(SystemExit, match="PORT must be an integer"):
        load(monkeypatch, PORT="eighty")


def test_non_boolean_values_are_refused_by_name(monkeypatch):
    with pytest.raises(SystemExit, match="GUNICORN_PRELOAD must be true or false"):
        load(monkeypatch, GUNICORN_PRELOAD="sometimes")


def test_dotenv_is_read_and_the_real_environment_wins(monkeypatch, tmp_path):
    config = tmp_path / "gunicorn.conf.py"
    shutil.copy(CONFIG, config)
    (tmp_path / ".env").write_text("PORT=9123\nWEB_CONCURRENCY=5\n")
    loaded = load(monkeypatch, config, DJANGO_READ_DOT_ENV_FILE="true", WEB_CONCURRENCY="2")
    assert loaded["bind"] == ["127.0.0.1:9123"]
    assert loaded["workers"] == 2


def test_gunicorn_accepts_the_configuration():
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "config.wsgi"],
        cwd=PROJECT_DIR,
        env={**PRODUCTION_ENV, "DJANGO_READ_DOT_ENV_FILE": "false", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
