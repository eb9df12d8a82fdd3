"""The Logux back-end at /logux/: back-end protocol 4, answer by answer, and add().

Every answer and error the protocol defines, hostile bodies (which must get a
4xx or an ``error`` answer, never a 500), the settings, registration, and
add() against a real HTTP server on 127.0.0.1 standing in for the Logux
server's control endpoint.
"""

import http.client
import json
import socket
import time
import uuid
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from .conftest import PRODUCTION_ENV, free_port, gunicorn, manage, platform_module, run_python
from .webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.logux

logux_app = platform_module("logux")
throttling = platform_module("logux", "throttling")
ActionCommand, ChannelCommand, logux = (
    logux_app.ActionCommand,
    logux_app.ChannelCommand,
    logux_app.logux,
)
guid = platform_module("guid")
SECRET = "test-secret-0123456789"
SLOW = 2.0  # seconds a slow command takes; arrival gaps are asserted at SLOW - 1
URL = "/logux/"
META_ID = "1564508138460 10:uImkcF4z 0"
effects = []
seen_guids = []


def token_auth(user_id, token, cookie, headers):
    """Tokens look like "<user id>:good"; a header asks for the error paths."""
    if headers.get("error") == "key":
        raise KeyError("token")
    if headers.get("error") == "bad":
        raise logux_app.LoguxBadAuthException("token expired")
    return token == f"{user_id}:good" or cookie.get("token") == f"{user_id}:good"


def record_effect(name):
    effects.append(name)


class RenameUser(ActionCommand):
    action_type = "users/name"

    def resend(self, action, meta):
        return [f"users/{action['payload']['userId']}"]

    def access(self, action, meta):
        return action["payload"]["userId"] == meta.user_id

    def process(self, action, meta):
        seen_guids.append(guid.get_guid())
        user = get_user_model().objects.get(pk=action["payload"]["userId"])
        user.first_name = action["payload"]["name"]
        user.save()
        platform_module("airlock").enqueue(record_effect, action["payload"]["name"])
        if action["payload"]["name"] == "explode":
            raise RuntimeError("boom")


class Broadcast(ActionCommand):
    action_type = "chat/say"

    def resend(self, action, meta):
        return {"users": ["10", "11"], "clients": ["12:abc"]}

    def access(self, action, meta):
        if action.get("crash"):
            raise ValueError("access crashed")
        return True


class Slow(ActionCommand):
    """Takes SLOW seconds in access() ("slow/access") or in process() ("slow/process")."""

    action_type = "slow/process"

    def resend(self, action, meta):
        return ["slow"]

    def access(self, action, meta):
        return True

    def process(self, action, meta):
        time.sleep(SLOW)


class SlowAccess(ActionCommand):
    action_type = "slow/access"

    def access(self, action, meta):
        time.sleep(SLOW)
        return True


class UserChannel(ChannelCommand):
    channel_pattern = r"users/(?P<user_id>\w+)"

    def access(self, action, meta):
        return self.params["user_id"] == meta.user_id

    def load(self, action, meta):
        if self.params["user_id"] == "13":
            return "not an action"
        return [
            {"type": "users/name", "payload": {"userId": self.params["user_id"], "name": "A"}},
            ({"type": "users/seen"}, {"reasons": ["seen"]}),
        ]


@pytest.fixture(autouse=True)
def _logux(settings):
    settings.LOGUX_CONTROL_SECRET = SECRET
    settings.LOGUX_AUTH_FUNC = token_auth
    settings.LOGUX_SUBPROTOCOL = "1.0.0"
    settings.LOGUX_SUPPORTS = "^1.0.0"
    settings.LOGUX_WRONG_SECRET_LIMIT = 3
    settings.LOGUX_TRUSTED_PROXIES = []
    # Counted in memory here; across processes (the shipped default) further down.
    settings.LOGUX_CACHE = "default"
    cache.clear()
    throttling._passed.clear()
    effects.clear()
    seen_guids.clear()
    for cls in (RenameUser, Broadcast, Slow, SlowAccess):
        logux.actions.register(cls)
    logux.channels.register(UserChannel)
    yield
    for cls in (RenameUser, Broadcast, Slow, SlowAccess):
        logux.actions.unregister(cls.action_type)
    logux.channels.unregister(UserChannel.channel_pattern)


def post(client, body, path=URL, **extra):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(path, data, content_type="application/json", **extra)


def answers(client, commands, path=URL, **extra):
    body = {"version": 4, "secret": SECRET, "commands": commands}
    response = post(client, body, path, **extra)
    assert response.status_code == 200, response
    assert response["Content-Type"] == "application/json"
    return json.loads(b"".join(response.streaming_content))


def auth(user_id="10", token="10:good", subprotocol="1.0.0", **fields):
    return {
        "command": "auth",
        "authId": "a1",
        "userId": user_id,
        "token": token,
        "subprotocol": subprotocol,
        "cookie": {},
        "headers": {},
        **fields,
    }


def action(action_body, meta_id=META_ID, **fields):
    meta = {"id": meta_id, "time": 1564508138460, "subprotocol": "1.0.0"}
    return {"command": "action", "action": action_body, "meta": meta, "headers": {}, **fields}


def rename(user_id="10", name="Ada"):
    return action({"type": "users/name", "payload": {"userId": user_id, "name": name}})


# --- The request: method, body, secret, version ---------------------------------


def test_only_post_is_accepted(client):
    response = client.get(URL)
    assert (response.status_code, response.content) == (405, b"Wrong method")
    assert response["Allow"] == "POST"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b"null",
        json.dumps({"version": 4, "commands": []}),
        json.dumps({"version": "4", "secret": SECRET, "commands": []}),
        json.dumps({"version": True, "secret": SECRET, "commands": []}),
        json.dumps({"version": 4, "secret": 42, "commands": []}),
        json.dumps({"version": 4, "secret": SECRET, "commands": {"command": "auth"}}),
        "[" * 100_000,
    ],
    ids=[
        "not-json",
        "not-utf8",
        "array",
        "null",
        "no-secret",
        "version-string",
        "version-bool",
        "secret-number",
        "commands-object",
        "deeply-nested",
    ],
)
def test_a_malformed_body_is_400_wrong_body(client, body):
    response = post(client, body)
    assert (response.status_code, response.content) == (400, b"Wrong body")


def test_the_body_limit_is_logux_max_body_size_and_answered_in_plain_text(client, settings):
    body = {"version": 4, "secret": SECRET, "commands": [auth()] * 20}
    size = len(json.dumps(body))
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100  # Django's limit does not apply here
    settings.LOGUX_MAX_BODY_SIZE = size
    assert len(answers(client, body["commands"])) == 20
    settings.LOGUX_MAX_BODY_SIZE = size - 1
    response = post(client, body)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content == f"Wrong body: over LOGUX_MAX_BODY_SIZE ({size - 1} bytes)".encode()


def test_a_lone_surrogate_in_the_secret_is_a_wrong_secret(client):
    response = post(client, '{"version": 4, "secret": "\\ud800", "commands": []}')
    assert (response.status_code, response.content) == (403, b"Wrong secret")


def raw_answers(client, commands_json):
    """Answers to a body written by hand (JSON that json.dumps would not produce)."""
    body = json.dumps({"version": 4, "secret": SECRET, "commands": ["@"]})
    body = body.replace('"@"', commands_json)
    response = post(client, body)
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    return json.loads(data.decode("utf-8"))  # strict UTF-8: the whole array is readable


def test_ids_that_utf8_cannot_hold_get_error_answers_and_the_others_theirs(client):
    ok = json.dumps(auth())
    bad_auth = json.dumps(auth()).replace('"a1"', '"a\\ud800"')
    bad_meta = json.dumps(action({"type": "chat/say"})).replace(META_ID, "1 10:x\\udc00 0")
    result = raw_answers(client, ",".join([ok, bad_auth, bad_meta, ok]))
    assert [a["answer"] for a in result] == ["authenticated", "error", "error", "authenticated"]
    assert result[1]["authId"] == "a\ud800"  # echoed as sent, so the server can match it
    assert result[2]["id"] == "1 10:x\udc00 0"


@pytest.mark.parametrize("when", ["1e300", "1e20", "-1", "1e400", '"yesterday"'])
def test_a_meta_time_no_datetime_can_hold_is_an_error_answer(client, when):
    sent = json.dumps(action({"type": "chat/say"}))
    bad = sent.replace('"time": 1564508138460', f'"time": {when}')
    result = raw_answers(client, ",".join([bad, json.dumps(auth())]))
    assert [a["answer"] for a in result] == ["error", "authenticated"]
    assert result[0] == {
        "answer": "error",
        "id": META_ID,
        "details": "meta.time must be milliseconds since 1970 (a number)",
    }


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(client, constant):
    body = json.dumps({"version": 4, "secret": SECRET, "commands": [], "x": "@"})
    body = body.replace('"@"', constant)
    assert (post(client, body).status_code, post(client, body).content) == (400, b"Wrong body")


def test_an_answer_json_cannot_carry_is_an_error_answer(client, monkeypatch):
    monkeypatch.setattr(
        UserChannel, "load", lambda self, action, meta: {"type": "x", "at": float("nan")}
    )
    result = answers(client, [action({"type": "logux/subscribe", "channel": "users/10"}), auth()])
    assert [a["answer"] for a in result] == ["approved", "error", "authenticated"]


def test_a_wrong_secret_is_403_before_any_command_is_read(client):
    hostile = [None, 5, {"command": "auth"}, {"command": "action", "meta": 1}]
    response = post(client, {"version": 4, "secret": "wrong", "commands": hostile})
    assert (response.status_code, response.content) == (403, b"Wrong secret")
    response = post(client, {"version": 3, "secret": "wrong", "commands": []})
    assert response.status_code == 403


def test_an_unsupported_version_is_400(client):
    response = post(client, {"version": 3, "secret": SECRET, "commands": [auth()]})
    assert response.status_code == 400
    assert response.content == b"Back-end protocol version is not supported"


def test_repeated_wrong_secrets_are_throttled_by_connecting_address(client):
    wrong = {"version": 4, "secret": "wrong", "commands": []}
    for n in range(3):
        forwarded = {"HTTP_X_FORWARDED_FOR": f"203.0.113.{n}"}  # spoofed: ignored
        assert post(client, wrong, **forwarded).status_code == 403
    response = post(client, {"version": 4, "secret": SECRET, "commands": [auth()]})
    assert (response.status_code, response.content) == (429, b"Too many wrong secret attempts")
    other = post(client, {"version": 4, "secret": SECRET, "commands": []}, REMOTE_ADDR="10.1.1.1")
    assert other.status_code == 200


def test_the_right_secret_reads_the_shared_count_once_a_second_per_address(client, monkeypatch):
    monkeypatch.setattr(throttling, "TRUSTED_FOR", 3600.0)  # however slow this machine is
    reads = []
    blocked = throttling.blocked
    monkeypatch.setattr(
        throttling, "blocked", lambda address: reads.append(address) or blocked(address)
    )
    right = {"version": 4, "secret": SECRET, "commands": []}
    for _ in range(5):
        assert post(client, right).status_code == 200
    assert reads == ["127.0.0.1"]
    throttling._passed["127.0.0.1"] -= throttling.TRUSTED_FOR  # that long later
    assert post(client, right).status_code == 200
    assert reads == ["127.0.0.1"] * 2


def test_wrong_secrets_after_right_ones_are_still_counted_and_blocked(client):
    right = {"version": 4, "secret": SECRET, "commands": []}
    wrong = {"version": 4, "secret": "wrong", "commands": []}
    assert post(client, right).status_code == 200
    assert [post(client, wrong).status_code for _ in range(4)] == [403, 403, 403, 429]
    assert post(client, right).status_code == 429  # trusted no longer


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(client, settings):
    settings.LOGUX_TRUSTED_PROXIES = ["127.0.0.0/8"]
    wrong = {"version": 4, "secret": "wrong", "commands": []}
    for _ in range(3):
        post(client, wrong, HTTP_X_FORWARDED_FOR="203.0.113.7")
    blocked = post(client, wrong, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert blocked.status_code == 429
    assert post(client, wrong, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 403


def test_the_endpoint_is_not_redirected_to_https(client, settings):
    # The Logux server posts over the internal network and follows no redirect.
    settings.SECURE_SSL_REDIRECT = True
    assert answers(client, [auth()])[0]["answer"] == "authenticated"
    assert answers(client, [auth()], path="/logux")[0]["answer"] == "authenticated"
    assert client.get("/admin/login/").status_code == 301


@pytest.mark.parametrize("debug", [True, False])
def test_the_endpoint_answers_without_its_trailing_slash(client, settings, debug):
    settings.DEBUG = debug  # APPEND_SLASH: a 500 for a POST in debug, a 301 otherwise
    assert answers(client, [auth()], path="/logux")[0]["answer"] == "authenticated"


def test_an_empty_command_list_gets_an_error_answer(client):
    assert answers(client, []) == [{"answer": "error", "details": "command list is empty"}]


def test_too_many_commands_are_refused(client, settings):
    settings.LOGUX_MAX_COMMANDS = 5
    response = post(client, {"version": 4, "secret": SECRET, "commands": [auth()] * 6})
    assert response.status_code == 400
    assert b"Too many commands" in response.content


# --- auth ---------------------------------------------------------------------------


def test_auth_answers(client):
    assert answers(client, [auth()]) == [
        {"answer": "authenticated", "authId": "a1", "subprotocol": "1.0.0"}
    ]
    assert answers(client, [auth(token="10:bad")]) == [{"answer": "denied", "authId": "a1"}]
    assert answers(client, [auth(user_id=10, token=None, cookie={"token": "10:good"})])[0][
        "answer"
    ] == ("authenticated")


@pytest.mark.parametrize("subprotocol", ["2.0.0", "0.9.1", "not-a-version"])
def test_auth_with_an_unsupported_subprotocol(client, subprotocol):
    assert answers(client, [auth(subprotocol=subprotocol)]) == [
        {"answer": "wrongSubprotocol", "authId": "a1", "supported": "^1.0.0"}
    ]


def test_auth_function_errors_become_error_answers(client):
    (missing,) = answers(client, [auth(headers={"error": "key"})])
    assert missing == {"answer": "error", "authId": "a1", "details": "missing auth token: 'token'"}
    (bad,) = answers(client, [auth(headers={"error": "bad"})])
    assert bad == {"answer": "error", "authId": "a1", "details": "token expired"}


@pytest.mark.parametrize(
    ("command", "details"),
    [
        ({"command": "auth", "userId": "10", "subprotocol": "1.0.0"}, "authId must be a string"),
        ({"command": "auth", "authId": "a1", "subprotocol": "1.0.0"}, "userId must be a string"),
        ({"command": "auth", "authId": "a1", "userId": "1"}, "subprotocol must be a string"),
        (auth(token=["x"]), "token must be a string"),
        (auth(cookie="sessionid=1"), "cookie must be an object"),
        (auth(headers=[]), "headers must be an object"),
    ],
)
def test_malformed_auth_commands_get_error_answers(client, command, details):
    (answer,) = answers(client, [command])
    assert answer["answer"] == "error"
    assert answer["details"] == details


# --- actions ----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_approved_action_is_resent_processed_and_its_effects_released(
    client, django_capture_on_commit_callbacks
):
    user = get_user_model().objects.create(pk=10, username="ten")
    header = platform_module("guid", "conf").get_config().header_name
    correlation_id = uuid.uuid4().hex
    with django_capture_on_commit_callbacks(execute=True):
        result = answers(client, [rename()], headers={header: correlation_id})
    assert result == [
        {"answer": "resend", "id": META_ID, "channels": ["users/10"]},
        {"answer": "approved", "id": META_ID},
        {"answer": "processed", "id": META_ID},
    ]
    user.refresh_from_db()
    assert user.first_name == "Ada"
    assert effects == ["Ada"]
    assert seen_guids == [correlation_id]  # the request's correlation id, inside process()


@pytest.mark.django_db
def test_a_failing_process_rolls_back_and_releases_no_effect(
    client, django_capture_on_commit_callbacks
):
    user = get_user_model().objects.create(pk=10, username="ten", first_name="Before")
    with django_capture_on_commit_callbacks(execute=True):
        result = answers(client, [rename(name="explode")])
    assert [a["answer"] for a in result] == ["resend", "approved", "error"]
    assert "RuntimeError: boom" in result[-1]["details"]
    user.refresh_from_db()
    assert user.first_name == "Before"
    assert effects == []


def test_a_forbidden_action(client):
    assert answers(client, [rename(user_id="11")]) == [{"answer": "forbidden", "id": META_ID}]


def test_resend_to_users_and_clients_and_access_errors(client):
    result = answers(client, [action({"type": "chat/say"})])
    assert result[0] == {
        "answer": "resend",
        "id": META_ID,
        "users": ["10", "11"],
        "clients": ["12:abc"],
    }
    assert [a["answer"] for a in result] == ["resend", "approved", "processed"]
    (error,) = answers(client, [action({"type": "chat/say", "crash": True})])
    assert error["answer"] == "error"
    assert "access crashed" in error["details"]


def test_an_unknown_action(client):
    assert answers(client, [action({"type": "nobody/handles"})]) == [
        {"answer": "unknownAction", "id": META_ID}
    ]


@pytest.mark.parametrize(
    "command",
    [
        {"command": "action", "action": {"type": "users/name"}},
        {"command": "action", "action": {"type": "users/name"}, "meta": {"id": 5}},
        {"command": "action", "action": {"type": "users/name"}, "meta": []},
        action({"type": 5}),
        action(["users/name"]),
        action({"type": "users/name"}, headers="x"),
        action({"type": "logux/subscribe", "channel": 7}),
        {"command": "explode"},
        42,
        None,
        [],
    ],
)
def test_malformed_commands_get_error_answers_never_a_500(client, command):
    (answer,) = answers(client, [command])
    assert answer["answer"] == "error"
    assert answer["details"]


def test_a_bug_in_an_action_is_an_error_answer(client):
    # users/name with no payload: access() raises KeyError
    (answer,) = answers(client, [action({"type": "users/name"})])
    assert answer["answer"] == "error"
    assert answer["id"] == META_ID


# --- channels -----------------------------------------------------------------------


def test_a_subscription_sends_the_loaded_actions_then_processed(client):
    result = answers(client, [action({"type": "logux/subscribe", "channel": "users/10"})])
    assert result == [
        {"answer": "approved", "id": META_ID},
        {
            "answer": "action",
            "id": META_ID,
            "action": {"type": "users/name", "payload": {"userId": "10", "name": "A"}},
            "meta": {"clients": ["10:uImkcF4z"]},
        },
        {
            "answer": "action",
            "id": META_ID,
            "action": {"type": "users/seen"},
            "meta": {"clients": ["10:uImkcF4z"], "reasons": ["seen"]},
        },
        {"answer": "processed", "id": META_ID},
    ]


def test_subscription_refusals(client):
    forbidden = action({"type": "logux/subscribe", "channel": "users/11"})
    unknown = action({"type": "logux/subscribe", "channel": "nope"})
    assert answers(client, [forbidden]) == [{"answer": "forbidden", "id": META_ID}]
    assert answers(client, [unknown]) == [{"answer": "unknownChannel", "id": META_ID}]


def test_a_wrong_load_result_is_an_error_answer(client):
    meta_id = "1 13:client 0"
    result = answers(
        client, [action({"type": "logux/subscribe", "channel": "users/13"}, meta_id=meta_id)]
    )
    assert [a["answer"] for a in result] == ["approved", "error"]
    assert "load() returned str" in result[-1]["details"]


# --- several commands ---------------------------------------------------------------


@pytest.mark.django_db
def test_every_command_of_a_request_is_answered_in_order(client):
    get_user_model().objects.create(pk=10, username="ten")
    commands = [
        auth(),
        rename(),
        action({"type": "nobody/handles"}, meta_id="2 10:x 0"),
        "garbage",
        action({"type": "logux/subscribe", "channel": "nope"}, meta_id="3 10:x 0"),
    ]
    result = answers(client, commands)
    assert [a["answer"] for a in result] == [
        "authenticated",
        "resend",
        "approved",
        "processed",
        "unknownAction",
        "error",
        "unknownChannel",
    ]


def timed_answers(live_server, commands):
    """POST to a real server; each answer with the seconds after sending when it arrived."""
    parts = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    body = json.dumps({"version": 4, "secret": SECRET, "commands": commands})
    started = time.monotonic()
    connection.request("POST", URL, body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 200
    received, arrivals = b"", []
    while chunk := response.read1(65536):
        received += chunk
        arrivals.append((time.monotonic() - started, len(received)))
    connection.close()
    decoder, text, position, timed = json.JSONDecoder(), received.decode(), 1, []
    while text[position] != "]":
        answer, end = decoder.raw_decode(text, position)
        at = next(t for t, size in arrivals if size >= len(text[:end].encode()))
        timed.append((answer["answer"], round(at, 2)))
        position = end + 1 if text[end] == "," else end
    return timed


@pytest.mark.django_db(transaction=True)
def test_resend_and_approved_leave_before_a_slow_process_runs(live_server):
    slow = action({"type": "slow/process"}, meta_id="5 10:x 0")
    timed = timed_answers(live_server, [auth(), slow])
    answers_only = [name for name, _ in timed]
    assert answers_only == ["authenticated", "resend", "approved", "processed"]
    arrived = dict(timed)
    # process() sleeps SLOW seconds after approved was written: the gap is on the wire.
    assert arrived["processed"] - arrived["approved"] >= SLOW - 1, timed
    assert arrived["processed"] - arrived["authenticated"] >= SLOW - 1, timed


@pytest.mark.django_db(transaction=True)
def test_a_slow_command_does_not_hold_back_the_answers_before_it(live_server):
    slow = action({"type": "slow/access"}, meta_id="6 10:x 0")
    timed = timed_answers(live_server, [auth(), auth(token="x"), slow, auth()])
    assert [name for name, _ in timed] == [
        "authenticated",
        "denied",
        "approved",
        "processed",
        "authenticated",
    ]
    _, denied, approved, _, last = (at for _, at in timed)
    assert approved - denied >= SLOW - 1, timed
    assert last >= approved


def test_a_thousand_commands_are_all_answered(client):
    commands = [dict(auth(), authId=f"a{n}") for n in range(1000)]
    result = answers(client, commands)
    assert [a["authId"] for a in result] == [f"a{n}" for n in range(1000)]


# --- registration -------------------------------------------------------------------


def test_registration_refuses_incomplete_and_duplicate_classes():
    error = logux_app.LoguxRegistrationError

    class NoType(ActionCommand):
        def access(self, action, meta):
            return True

    class NoAccess(ActionCommand):
        action_type = "x/y"

    class Twice(ActionCommand):
        action_type = "users/name"

        def access(self, action, meta):
            return True

    class NoLoad(ChannelCommand):
        channel_pattern = r"things/\d+"

        def access(self, action, meta):
            return True

    class BadPattern(ChannelCommand):
        channel_pattern = r"things/("

        def access(self, action, meta):
            return True

        def load(self, action, meta):
            return []

    with pytest.raises(error, match="has no action_type"):
        logux.actions.register(NoType)
    with pytest.raises(error, match="does not implement access"):
        logux.actions.register(NoAccess)
    with pytest.raises(error, match="already handled by RenameUser"):
        logux.actions.register(Twice)
    with pytest.raises(error, match="does not implement load"):
        logux.channels.register(NoLoad)
    with pytest.raises(error, match="channel_pattern"):
        logux.channels.register(BadPattern)
    with pytest.raises(error, match="not a ChannelCommand"):
        logux.channels.register(RenameUser)


# --- add() and undo -----------------------------------------------------------------


@pytest.fixture
def logux_server(settings):
    with WebhookReceiver(default={"status": 200, "body": ""}) as server:
        settings.LOGUX_URL = server.url
        settings.LOGUX_TIMEOUT = 2.0
        yield server


def test_add_posts_a_protocol_4_action_to_the_logux_server(logux_server):
    logux_app.add({"type": "users/name", "payload": {"name": "Z"}}, {"channels": ["users/10"]})
    (request,) = logux_server.wait_for(1)
    assert json.loads(request.body) == {
        "version": 4,
        "secret": SECRET,
        "commands": [
            {
                "command": "action",
                "action": {"type": "users/name", "payload": {"name": "Z"}},
                "meta": {"channels": ["users/10"]},
            }
        ],
    }


def test_add_fails_clearly(logux_server, settings):
    logux_server.answers = [{"status": 403, "body": "Wrong secret"}]
    with pytest.raises(logux_app.LoguxProxyException, match="refused the action \\(403\\)"):
        logux_app.add({"type": "x"})
    logux_server.answers = [{"status": 200, "delay": 3}]
    settings.LOGUX_TIMEOUT = 0.5
    with pytest.raises(logux_app.LoguxProxyException, match="was not reached"):
        logux_app.add({"type": "x"})
    with pytest.raises(TypeError, match="string 'type'"):
        logux_app.add({"no": "type"})


@pytest.mark.django_db(transaction=True)
def test_add_on_commit_waits_for_the_commit(logux_server):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        logux_app.add_on_commit({"type": "never"})
        raise RuntimeError
    with transaction.atomic():
        logux_app.add_on_commit({"type": "after"})
        assert logux_server.requests == []
    (request,) = logux_server.wait_for(1)
    assert json.loads(request.body)["commands"][0]["action"] == {"type": "after"}


def test_undo_works_without_extra(logux_server):
    command = RenameUser(rename())
    command.undo("denied")
    (request,) = logux_server.wait_for(1)
    sent = json.loads(request.body)["commands"][0]
    assert sent["action"] == {"type": "logux/undo", "id": META_ID, "reason": "denied"}
    assert sent["meta"] == {"status": "processed", "clients": ["10:uImkcF4z"]}


# --- settings and the default auth -------------------------------------------------


def test_startup_fails_clearly_without_a_control_secret():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "LOGUX_CONTROL_SECRET"}
    result = run_python("import django; django.setup()", env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: LOGUX_CONTROL_SECRET must be" in result.stderr
    short = run_python("import django; django.setup()", {**env, "LOGUX_CONTROL_SECRET": "hunter2"})
    assert "got 7 characters" in short.stderr
    assert "hunter2" not in short.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LOGUX_SUPPORTS", "not a range", "LOGUX_SUPPORTS must be an npm version range"),
        ("LOGUX_AUTH_FUNC", "no.such.function", "LOGUX_AUTH_FUNC cannot be imported"),
        ("LOGUX_URL", "ftp://x", "LOGUX_URL must be the Logux server's http(s) URL"),
        ("LOGUX_SUBPROTOCOL", "one", "LOGUX_SUBPROTOCOL must be a semantic version"),
    ],
)
def test_bad_settings_fail_at_startup(name, value, message):
    result = run_python("import django; django.setup()", {**PRODUCTION_ENV, name: value})
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.django_db
def test_the_default_auth_trusts_the_django_session_cookie(client, settings):
    from django.conf import settings as django_settings

    settings.LOGUX_AUTH_FUNC = logux_app.__name__ + ".auth.session_auth"
    user = get_user_model().objects.create_user("ada", password="pw-ada-123456")
    client.force_login(user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    cookie = {django_settings.SESSION_COOKIE_NAME: session}
    ok = answers(client, [auth(user_id=str(user.pk), token=None, cookie=cookie)])
    wrong_user = answers(client, [auth(user_id=str(user.pk + 1), token=None, cookie=cookie)])
    no_cookie = answers(client, [auth(user_id=str(user.pk), token=None)])
    assert [ok[0]["answer"], wrong_user[0]["answer"], no_cookie[0]["answer"]] == [
        "authenticated",
        "denied",
        "denied",
    ]
    user.set_password("changed-pw-456789")  # ends the session's validity, as in Django
    user.save()
    after = answers(client, [auth(user_id=str(user.pk), token=None, cookie=cookie)])
    assert after[0]["answer"] == "denied"


@pytest.mark.django_db
def test_the_default_auth_accepts_a_signed_token(client, settings):
    auth_module = platform_module("logux", "auth")
    settings.LOGUX_AUTH_FUNC = auth_module.session_auth
    user = get_user_model().objects.create_user("grace")
    token = auth_module.issue_token(user)
    ok = answers(client, [auth(user_id=str(user.pk), token=token)])
    other = answers(client, [auth(user_id=str(user.pk + 1), token=token)])
    forged = answers(client, [auth(user_id=str(user.pk), token=token[:-2] + "xx")])
    assert [ok[0]["answer"], other[0]["answer"], forged[0]["answer"]] == [
        "authenticated",
        "denied",
        "denied",
    ]
    user.is_active = False
    user.save()
    assert answers(client, [auth(user_id=str(user.pk), token=token)])[0]["answer"] == "denied"


def test_with_debug_on_a_short_secret_starts_with_a_warning():
    env = {"DJANGO_DEBUG": "true", "LOGUX_CONTROL_SECRET": "parole"}
    checked = manage("check", env=env, check=False, timeout=60)
    assert checked.returncode == 0, checked.stderr
    assert "logux.W001" in checked.stderr
    assert "parole" not in checked.stderr


def test_wrong_secrets_are_counted_across_worker_processes_by_default(tmp_path):
    """The shipped settings without REDIS_URL, under gunicorn with 3 workers that each
    answer one request and are replaced: every attempt meets a process of its own."""
    port = free_port()
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "3",
        "GUNICORN_MAX_REQUESTS": "1",
        "GUNICORN_MAX_REQUESTS_JITTER": "0",
    }
    manage("migrate", "--noinput", "-v", "0", env=env)
    with gunicorn(env, tmp_path / "gunicorn.log"):
        statuses = [_post_wrong_secret(port, deadline=time.monotonic() + 60) for _ in range(4)]
    text = (tmp_path / "gunicorn.log").read_text()
    assert statuses == [403, 403, 403, 429], text[-3000:]
    assert "counting in this process only" not in text


def _post_wrong_secret(port, deadline):
    """One POST on a new connection (so gunicorn may hand it to any worker); its status."""
    body = json.dumps({"version": 4, "secret": "wrong", "commands": []})
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("POST", URL, body, {"Content-Type": "application/json"})
            status = connection.getresponse().status
            connection.close()
            return status
        except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected):
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)


def test_with_its_cache_down_the_endpoint_still_checks_and_counts_in_process(client, settings):
    with socket.socket() as sock:  # a port nothing listens on: Redis refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {
        **settings.CACHES,
        "down": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        },
    }
    settings.LOGUX_CACHE = "down"
    assert answers(client, [auth()])[0]["answer"] == "authenticated"
    wrong = {"version": 4, "secret": "wrong", "commands": []}
    statuses = [post(client, wrong, REMOTE_ADDR="198.51.100.9").status_code for _ in range(4)]
    assert statuses == [403, 403, 403, 429]
    assert answers(client, [auth()])[0]["answer"] == "authenticated"  # another address
