"""Log lines go to stdout: readable in development, mozlog JSON lines in production."""

import json

import pytest

from .conftest import PRODUCTION_ENV, run_python

pytestmark = [pytest.mark.project, pytest.mark.guid, pytest.mark.dockerflow]

LOG_A_LINE = (
    "import django, logging; django.setup()\n"
    "logging.getLogger('service.test').warning('order %s shipped', 'A-1')\n"
)


def test_production_lines_are_mozlog_json():
    result = run_python(LOG_A_LINE, PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout.strip().splitlines()[-1])
    assert record["Fields"]["msg"] == "order A-1 shipped"
    assert record["Severity"] == 4  # syslog's warning
    assert record["Type"] == "service.test"
    assert record["EnvVersion"] == "2.0"
    assert isinstance(record["Timestamp"], int)
    assert isinstance(record["Pid"], int)


def test_development_lines_are_text():
    result = run_python(LOG_A_LINE, {"DJANGO_DEBUG": "true"})
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip().splitlines()[-1]
    assert "WARNING" in line
    assert line.endswith("service.test order A-1 shipped")


def test_development_server_writes_one_line_per_request_the_summary():
    """runserver's own request lines are dropped (request.summary says it all); its
    other lines stay."""
    code = (
        "import django, logging; django.setup()\n"
        "server = logging.getLogger('django.server')\n"
        "server.info('\"GET / HTTP/1.1\" 200 10', extra={'status_code': 200})\n"
        "server.info('- Broken pipe from %s', ('127.0.0.1', 5000))\n"
    )
    result = run_python(code, {"DJANGO_DEBUG": "true"})
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "django.server" in line]
    assert len(lines) == 1
    assert lines[0].endswith("Broken pipe from ('127.0.0.1', 5000)")
