"""Errors reach Sentry: the real sentry-sdk sends to a local endpoint that records envelopes."""

import gzip
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .conftest import PRODUCTION_ENV, run_python

pytestmark = [pytest.mark.guid, pytest.mark.project]


class EnvelopeRecorder(BaseHTTPRequestHandler):
    """Accepts what sentry-sdk posts to /api/<project>/envelope/ and keeps the events."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        lines = body.split(b"\n")
        # An envelope is a header line, then item header / payload line pairs.
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                self.server.events.append(json.loads(payload))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), EnvelopeRecorder)
    server.events = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_logged_errors_become_sentry_events(sentry_endpoint):
    port = sentry_endpoint.server_address[1]
    code = (
        "import django, logging, sentry_sdk; django.setup()\n"
        "logging.getLogger('service.orders').error('payment provider unreachable')\n"
        "sentry_sdk.flush(timeout=10)\n"
    )
    env = {
        **PRODUCTION_ENV,
        "SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/1",
        "SENTRY_ENVIRONMENT": "staging",
        "SENTRY_RELEASE": "service@9.9.9",
    }
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    [event] = sentry_endpoint.events
    assert event["level"] == "error"
    assert event["logentry"]["message"] == "payment provider unreachable"
    assert event["environment"] == "staging"
    assert event["release"] == "service@9.9.9"
    # Outside a request the event carries the process's own correlation id.
    assert re.fullmatch(r"[0-9a-f]{32}", event["tags"]["transaction_id"])


def test_errors_raised_in_a_request_are_tagged_with_its_correlation_id(sentry_endpoint):
    port = sentry_endpoint.server_address[1]
    value = uuid.uuid4().hex
    code = (
        "import django, sentry_sdk; django.setup()\n"
        "from django.test import Client, override_settings\n"
        "with override_settings(ROOT_URLCONF='tests.urls', ALLOWED_HOSTS=['testserver']):\n"
        "    client = Client(raise_request_exception=False)\n"
        f"    headers = {json.dumps({'Correlation-ID': value})}\n"
        "    response = client.get('/boom/', secure=True, headers=headers)\n"
        "    assert response.status_code == 500, response.status_code\n"
        "sentry_sdk.flush(timeout=10)\n"
    )
    env = {**PRODUCTION_ENV, "SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/1"}
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    crashes = [
        event
        for event in sentry_endpoint.events
        if any(
            exc["type"] == "RuntimeError" for exc in event.get("exception", {}).get("values", [])
        )
    ]
    assert crashes, sentry_endpoint.events
    for event in crashes:
        assert event["tags"]["transaction_id"] == value


SECRETS = {
    "DJANGO_SECRET_KEY": "sentry-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    "DOCKERFLOW_HEARTBEAT_DETAILS_TOKEN": "details-token-5f3c9a1e7b",
    "REDIS_URL": "redis://:redis-pass-8c21d7@127.0.0.1:1/0",
}


def test_no_configured_secret_reaches_sentry_whatever_holds_it(sentry_endpoint):
    port = sentry_endpoint.server_address[1]
    code = (
        "import django, sentry_sdk; django.setup()\n"
        "from django.conf import settings\n"
        "from django.test import Client, override_settings\n"
        "settings.DATABASES['default']['PASSWORD'] = 'db-pass-4e81b6'\n"
        "with override_settings(ROOT_URLCONF='tests.urls', ALLOWED_HOSTS=['testserver']):\n"
        "    client = Client(raise_request_exception=False)\n"
        "    response = client.get('/boom-holding-secrets/', secure=True)\n"
        "    assert response.status_code == 500, response.status_code\n"
        "import json\n"
        "shared = [getattr(settings, n) for n in dir(settings) if n.endswith('_SECRET')]\n"
        "print(json.dumps(shared))\n"
        "sentry_sdk.flush(timeout=10)\n"
    )
    env = {**PRODUCTION_ENV, **SECRETS, "SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/1"}
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    events = json.dumps(sentry_endpoint.events)
    crashed = [e for e in sentry_endpoint.events if "exception" in e]
    assert crashed, sentry_endpoint.events
    # The frame's locals were sent (sentry-sdk includes them), with the values replaced.
    frames = crashed[0]["exception"]["values"][-1]["stacktrace"]["frames"]
    assert "key" in frames[-1]["vars"] and frames[-1]["vars"]["key"] == "'[Filtered]'"
    shared = json.loads(result.stdout.splitlines()[-1])  # the apps' shared secrets, if any
    secrets = [
        SECRETS["DJANGO_SECRET_KEY"],
        SECRETS["DOCKERFLOW_HEARTBEAT_DETAILS_TOKEN"],
        "redis-pass-8c21d7",
        "db-pass-4e81b6",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        *shared,
    ]
    assert [s for s in secrets if s in events] == []
    assert "[Filtered]" in events


def test_sentry_stays_off_without_a_dsn(sentry_endpoint):
    code = "import django, sentry_sdk; django.setup()\nprint(sentry_sdk.get_client().is_active())\n"
    result = run_python(code, PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_sample_rate_out_of_range_stops_startup():
    result = run_python(
        "import django; django.setup()", {**PRODUCTION_ENV, "SENTRY_TRACES_SAMPLE_RATE": "2"}
    )
    assert result.returncode != 0
    assert "SENTRY_TRACES_SAMPLE_RATE must be between 0.0 and 1.0" in result.stderr
