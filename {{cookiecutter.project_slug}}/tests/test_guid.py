"""Correlation ids (platform/guid): middleware, validation, settings, context and logging."""

import asyncio
import json
import logging
import re
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import AsyncClient, Client, override_settings

from .conftest import PRODUCTION_ENV, platform_module, run_python

guid = platform_module("guid")
conf = platform_module("guid", "conf")

pytestmark = [pytest.mark.guid, pytest.mark.urls("tests.urls")]
HEX32 = re.compile(r"[0-9a-f]{32}")
HEADER = "Correlation-ID"


def guid_settings(**options):
    return override_settings(DJANGO_GUID={**conf.DEFAULTS, **options})


def sent(client, value, path="/echo/"):
    return client.get(path, headers={HEADER: value})


# --- Incoming header --------------------------------------------------------


def test_absent_header_gets_a_new_hex_id(client):
    response = client.get("/echo/")
    body = response.json()
    assert HEX32.fullmatch(body["guid"])
    assert body["attribute"] == body["guid"]
    assert response[HEADER] == body["guid"]


def test_string_format_generates_dashed_ids(client):
    with guid_settings(UUID_FORMAT="string"):
        body = client.get("/echo/").json()
    assert str(uuid.UUID(body["guid"])) == body["guid"]


@pytest.mark.parametrize("uuid_format", ["hex", "string"])
def test_generated_ids_are_random_version_4_uuids(uuid_format):
    """What other services' validators (django-guid's among them) accept as a UUID4."""
    with guid_settings(UUID_FORMAT=uuid_format):
        ids = [guid.generate_guid() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for value in ids:
        parsed = uuid.UUID(value)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert (parsed.hex if uuid_format == "hex" else str(parsed)) == value
        assert uuid.UUID(value, version=4) == parsed  # the version bits already said 4


@pytest.mark.parametrize(
    "value",
    [
        uuid.uuid4().hex,
        str(uuid.uuid4()),
        str(uuid.uuid4()).upper(),
        "{" + str(uuid.uuid4()) + "}",
        "urn:uuid:" + str(uuid.uuid4()),
        str(uuid.uuid1()),
    ],
)
@pytest.mark.parametrize("uuid_format", ["hex", "string"])
def test_valid_uuids_are_kept_as_sent(client, value, uuid_format):
    with guid_settings(UUID_FORMAT=uuid_format):
        response = sent(client, value)
    assert response.json()["guid"] == value
    assert response[HEADER] == value


def test_ids_shortened_by_uuid_length_survive_the_next_hop(client):
    with guid_settings(UUID_LENGTH=12):
        generated = client.get("/echo/").json()["guid"]
        assert len(generated) == 12
        assert sent(client, generated).json()["guid"] == generated
    with guid_settings(UUID_LENGTH=13, UUID_FORMAT="string"):
        generated = client.get("/echo/").json()["guid"]
        assert len(generated) == 13 and generated[8] == "-"
        assert sent(client, generated).json()["guid"] == generated


# uuid.UUID() takes these; they are no usual spelling of a UUID, so not accepted.
NOT_UUID_SPELLINGS = {
    "0x prefix": "0x" + "a" * 30,
    "underscores": "0123456789abcdef0123456789abc_de",
    "brace runs": "{" * 2 + "b" * 32 + "}" * 2,
    "dash runs": "0123--4567-89ab-cdef-0123-456789abcdef"[:36] + "ab",
    "urn without dashes": "urn:uuid:" + "c" * 32,
}
HOSTILE = {
    "not a uuid": "not-a-uuid-at-all",
    "CR/LF": "0123456789abcdef0123456789abcdef\r\nX-Injected: yes",
    "10 kB": "a" * 10_240,
    "non-ASCII": "0123456789abcdef0123456789abcdeü",
    "control character": "0123456789abcdef\x000123456789abcdef",
}


@pytest.mark.parametrize(
    "value",
    [*HOSTILE.values(), *NOT_UUID_SPELLINGS.values()],
    ids=[*HOSTILE, *NOT_UUID_SPELLINGS],
)
@pytest.mark.parametrize("uuid_format", ["hex", "string"])
def test_invalid_or_hostile_values_are_replaced_and_never_echoed(
    client, caplog, value, uuid_format
):
    with guid_settings(UUID_FORMAT=uuid_format), caplog.at_level(logging.WARNING):
        response = sent(client, value)
    assigned = response.json()["guid"]
    assert assigned != value
    assert len(assigned) == conf.FULL_LENGTH[uuid_format]
    assert response[HEADER] == assigned
    [warning] = [r for r in caplog.records if r.name.endswith("guid.middleware")]
    assert warning.levelno == logging.WARNING
    assert assigned in warning.getMessage()
    assert value not in warning.getMessage()
    assert "\n" not in warning.getMessage()


def test_without_validation_any_short_visible_value_is_kept(client):
    with guid_settings(VALIDATE_GUID=False):
        assert sent(client, "order-42:retry#3").json()["guid"] == "order-42:retry#3"


@pytest.mark.parametrize(
    "value",
    [v for k, v in HOSTILE.items() if k != "not a uuid"],
    ids=[k for k in HOSTILE if k != "not a uuid"],
)
def test_without_validation_unsafe_values_are_still_refused(client, value):
    with guid_settings(VALIDATE_GUID=False):
        assigned = sent(client, value).json()["guid"]
    assert assigned != value
    assert HEX32.fullmatch(assigned)


def test_header_name_is_configurable_and_override_settings_applies(client):
    value = uuid.uuid4().hex
    with guid_settings(GUID_HEADER_NAME="X-Request-ID"):
        response = client.get("/echo/", headers={"X-Request-ID": value})
    assert response.json()["guid"] == value
    assert response["X-Request-ID"] == value
    assert HEADER not in response


# --- Response headers -------------------------------------------------------


@pytest.mark.parametrize(
    ("return_header", "expose_header", "returned", "exposed"),
    [
        (True, True, True, True),
        (True, False, True, False),
        (False, True, False, False),
        (False, False, False, False),
    ],
)
def test_return_and_expose_header_settings(client, return_header, expose_header, returned, exposed):
    with guid_settings(RETURN_HEADER=return_header, EXPOSE_HEADER=expose_header):
        response = client.get("/echo/")
    assert (HEADER in response) is returned
    assert ("Access-Control-Expose-Headers" in response) is exposed
    if exposed:
        assert response["Access-Control-Expose-Headers"] == HEADER


def test_expose_header_is_appended_to_an_existing_value(client):
    response = client.get("/expose/")
    assert response["Access-Control-Expose-Headers"] == f"X-Total-Count, {HEADER}"


# --- IGNORE_URLS ------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/ignored/", "/ignored/?page=2&sort=name", "/skip/me/", "/skip/me/?x=1"],
)
def test_ignored_urls_get_no_id_with_or_without_query_string(client, path):
    ignore = ["/ignored/", re.compile(r"^/skip/")]
    with guid_settings(IGNORE_URLS=ignore):
        response = client.get(path, headers={HEADER: uuid.uuid4().hex})
    assert response.json() == {"guid": None, "attribute": None}
    assert HEADER not in response


def test_paths_not_listed_are_not_ignored(client):
    with guid_settings(IGNORE_URLS=["ignored", re.compile(r"^/skip/$")]):
        assert client.get("/skip/me/").json()["guid"] is not None
        assert client.get("/echo/").json()["guid"] is not None


# --- Isolation between requests, threads and tasks --------------------------


def test_the_id_is_gone_after_the_request(client):
    response = client.get("/echo/")
    assert response.json()["guid"]
    assert guid.get_guid() is None


def test_streamed_bodies_keep_the_id_until_the_response_is_closed(client):
    value = uuid.uuid4().hex
    response = sent(client, value, "/stream/")
    # The test client closes the response once its body is consumed, as a server would.
    assert b"".join(response.streaming_content) == f"{value}|{value}".encode()
    assert guid.get_guid() is None


def test_concurrent_async_requests_each_see_only_their_own_id():
    async def many():
        client = AsyncClient()
        values = [uuid.uuid4().hex for _ in range(100)]
        responses = await asyncio.gather(
            *(client.get("/async/", headers={HEADER: value}) for value in values)
        )
        return values, responses

    values, responses = asyncio.run(many())
    for value, response in zip(values, responses, strict=True):
        assert response.json() == {"guid": value, "attribute": value}
        assert response[HEADER] == value


def test_sync_requests_in_threads_each_see_only_their_own_id():
    local = threading.local()

    def one(value):
        if not hasattr(local, "client"):
            local.client = Client()
        response = local.client.get("/slow/", headers={HEADER: value})
        return value, response.json()["guid"], guid.get_guid()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, [uuid.uuid4().hex for _ in range(100)]))
    for value, seen, after in results:
        assert seen == value
        assert after is None


# --- Python API -------------------------------------------------------------


def test_set_get_clear():
    with guid.guid_scope():
        assert guid.set_guid("abc") == "abc"
        assert guid.get_guid() == "abc"
        guid.clear_guid()
        assert guid.get_guid() is None


def test_guid_scope_gives_a_block_its_own_id_and_restores_the_previous_one():
    with guid.guid_scope("outer"):
        with guid.guid_scope() as inner:
            assert HEX32.fullmatch(inner)
            assert guid.get_guid() == inner
        assert guid.get_guid() == "outer"


def test_guid_scope_decorates_commands_with_a_fresh_id_per_call():
    @guid.guid_scope()
    def handle():
        return guid.get_guid()

    first, second = handle(), handle()
    assert HEX32.fullmatch(first) and HEX32.fullmatch(second)
    assert first != second


def test_carry_guid_hands_the_id_to_a_thread():
    seen = {}
    with guid.guid_scope("request-id-for-thread"):
        carried = threading.Thread(target=guid.carry_guid(lambda: seen.update(c=guid.get_guid())))
        plain = threading.Thread(target=lambda: seen.update(p=guid.get_guid()))
    carried.start(), plain.start()
    carried.join(), plain.join()
    assert seen == {"c": "request-id-for-thread", "p": None}


def test_outgoing_headers_forward_the_current_id():
    with guid.guid_scope("a1b2"):
        assert guid.outgoing_headers() == {HEADER: "a1b2"}
    with guid.guid_scope():
        guid.clear_guid()
        assert guid.outgoing_headers() == {}


# --- Settings validation ----------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"GUID_HEADER_NAME": "Bad Header"}, "DJANGO_GUID['GUID_HEADER_NAME'] must be"),
        ({"VALIDATE_GUID": "yes"}, "DJANGO_GUID['VALIDATE_GUID'] must be True or False"),
        ({"RETURN_HEADER": 1}, "DJANGO_GUID['RETURN_HEADER'] must be True or False"),
        ({"UUID_FORMAT": "base64"}, "DJANGO_GUID['UUID_FORMAT'] must be 'hex' or 'string'"),
        ({"UUID_LENGTH": 33}, "DJANGO_GUID['UUID_LENGTH'] must be an integer from 1 to 32"),
        ({"UUID_LENGTH": 0}, "DJANGO_GUID['UUID_LENGTH'] must be an integer from 1 to 32"),
        ({"UUID_FORMAT": "string", "UUID_LENGTH": 37}, "from 1 to 36"),
        ({"IGNORE_URLS": "/health/"}, "DJANGO_GUID['IGNORE_URLS'] must be a list"),
        ({"IGNORE_URLS": [42]}, "DJANGO_GUID['IGNORE_URLS'] must be a list"),
        ({"INTEGRATIONS": [object()]}, "DJANGO_GUID['INTEGRATIONS'] must be a list"),
        ({"SKIP_CLEANUP": True}, "DJANGO_GUID has unknown keys ['SKIP_CLEANUP']"),
    ],
)
def test_each_settings_mistake_names_the_key(options, message):
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        conf.load_config(options)


# --- Integrations -----------------------------------------------------------


class Recorder(guid.Integration):
    identifier = "Recorder"

    def __init__(self):
        super().__init__()
        self.calls = []

    def setup(self):
        self.calls.append(("setup",))

    def run(self, guid, **kwargs):
        self.calls.append(("run", guid, sorted(kwargs)))

    def cleanup(self, **kwargs):
        self.calls.append(("cleanup", sorted(kwargs)))


def test_integrations_are_set_up_once_and_wrap_each_request(client):
    recorder = Recorder()
    with guid_settings(INTEGRATIONS=[recorder]):
        value = sent(client, uuid.uuid4().hex).json()["guid"]
        client.get("/echo/")
    assert recorder.calls[0] == ("setup",)
    assert recorder.calls[1] == ("run", value, ["request"])
    assert recorder.calls[2] == ("cleanup", ["request", "response"])
    assert [c[0] for c in recorder.calls] == ["setup", "run", "cleanup", "run", "cleanup"]


def test_cleanup_runs_even_when_the_view_raises():
    recorder = Recorder()
    with guid_settings(INTEGRATIONS=[recorder]):
        response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert [c[0] for c in recorder.calls] == ["setup", "run", "cleanup"]


def test_an_integration_needs_an_identifier():
    class Nameless(guid.Integration):
        def run(self, guid, **kwargs):
            pass

    with pytest.raises(ImproperlyConfigured, match="`identifier` cannot be None"):
        Nameless()


@pytest.mark.parametrize("method", ["setup", "run", "cleanup"])
def test_a_method_that_is_not_callable_is_refused_naming_the_integration(method):
    class Odd(guid.Integration):
        identifier = "Odd"

        def run(self, guid, **kwargs):
            pass

    setattr(Odd, method, "not a method")
    with pytest.raises(ImproperlyConfigured, match=f"integration `Odd`: `{method}` must be a"):
        conf.load_config({"INTEGRATIONS": [Odd()]})


def test_a_missing_run_method_is_refused_at_startup():
    class NoRun(guid.Integration):
        identifier = "NoRun"

    with pytest.raises(ImproperlyConfigured, match="The integration `NoRun` is missing a `run`"):
        conf.load_config({"INTEGRATIONS": [NoRun()]})


@pytest.mark.parametrize("method", ["run", "cleanup"])
def test_methods_without_kwargs_are_refused_at_startup(method):
    class Strict(guid.Integration):
        identifier = "Strict"

        def run(self, guid, **kwargs):
            pass

    setattr(Strict, method, lambda self, guid=None: None)
    with pytest.raises(ImproperlyConfigured, match=f"`Strict`: its `{method}` method must accept"):
        conf.load_config({"INTEGRATIONS": [Strict()]})


def test_a_broken_integration_stops_django_setup():
    code = "import django; django.setup()"
    env = {**PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "tests.settings_broken_integration"}
    result = run_python(code, env)
    assert result.returncode != 0
    assert "The integration `NoRun` is missing a `run` method" in result.stderr


def test_sentry_integration_needs_sentry_sdk(monkeypatch):
    monkeypatch.setitem(sys.modules, "sentry_sdk", None)  # as if it were not installed
    with pytest.raises(ImproperlyConfigured, match="SentryIntegration needs the sentry-sdk"):
        guid.SentryIntegration().setup()


# --- Logging ----------------------------------------------------------------

LOG_A_REQUEST = (
    "import django, logging; django.setup()\n"
    "from django.test import Client, override_settings\n"
    "with override_settings(ROOT_URLCONF='tests.urls', ALLOWED_HOSTS=['testserver']):\n"
    "    Client().get('/echo/', secure=True, headers={'Correlation-ID': '%s'})\n"
    "logging.getLogger('tests.after').warning('after the request')\n"
)


def test_json_log_lines_carry_the_request_id_and_none_once_it_finished():
    value = uuid.uuid4().hex
    result = run_python(LOG_A_REQUEST % value, PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    fields = [line["Fields"] for line in lines]
    [in_view] = [f for f in fields if f.get("msg") == "echo view answered"]
    assert in_view["correlation_id"] == value
    [after] = [f for f in fields if f.get("msg") == "after the request"]
    assert after["correlation_id"] is None


def test_text_log_lines_carry_the_request_id():
    value = uuid.uuid4().hex
    result = run_python(LOG_A_REQUEST % value, {"DJANGO_DEBUG": "true"})
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if "echo view answered" in line]
    assert f"[{value}]" in line


def test_a_command_or_script_logs_with_one_id_from_start_to_end():
    code = (
        "import django, logging; django.setup()\n"
        "log = logging.getLogger('tests.script')\n"
        "log.warning('first'); log.warning('second')\n"
    )
    result = run_python(code, {**PRODUCTION_ENV, "DJANGO_LOG_FORMAT": "text"})
    assert result.returncode == 0, result.stderr
    ids = re.findall(r"\[([0-9a-f]{32})\] tests\.script", result.stdout)
    assert len(ids) == 2 and ids[0] == ids[1]


@pytest.mark.parametrize(
    ("argv", "serves"),
    [
        (["manage.py", "shell"], False),
        (["manage.py", "send_callbacks"], False),
        (["script.py"], False),
        ([], False),
        (["manage.py", "runserver"], True),
        (["manage.py", "qcluster"], True),
        (["/venv/bin/gunicorn", "config.wsgi"], True),
        (["/venv/bin/celery", "-A", "config", "worker"], True),
        (["/venv/lib/python3.11/site-packages/dramatiq/__main__.py", "x"], True),
    ],
)
def test_servers_and_workers_are_told_from_commands(argv, serves):
    assert platform_module("guid", "apps").serves_requests_or_tasks(argv) is serves


def test_a_worker_logs_no_id_between_tasks_while_a_command_has_one_throughout():
    code = (
        "import sys; sys.argv = ['manage.py', {command!r}]\n"
        "import django; django.setup()\n"
        "from django.apps import apps\n"
        "import importlib\n"
        "guid = importlib.import_module(apps.get_app_config('guid').module.__name__)\n"
        "print(guid.get_guid())\n"
    )
    worker = run_python(code.format(command="qcluster"), PRODUCTION_ENV)
    command = run_python(code.format(command="send_callbacks"), PRODUCTION_ENV)
    assert worker.stdout.split()[-1] == "None", worker.stderr
    assert command.stdout.split()[-1] != "None", command.stderr
