"""HTTP hooks delivery against real HTTP receivers on 127.0.0.1.

In-process tests cover signing, ids, retries, timeouts, refused connections,
410, 429, redirects, SSRF and leases. The tests at the end run real processes
against a PostgreSQL database of their own (POSTGRES_TEST_URL, default the
server on 127.0.0.1:5432): concurrent senders, a sender killed mid-batch, and a
hook edited in one process while another keeps running. Without PostgreSQL
they fail under CI and are skipped elsewhere, saying why.
"""

import datetime
import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from standardwebhooks import Webhook

from .conftest import PROJECT_DIR, platform_module, run_python
from .test_http_hooks import _fresh_registry  # noqa: F401 (autouse here too)
from .webhook_receiver import WebhookReceiver

http_hooks = platform_module("http_hooks")
models = platform_module("http_hooks", "models")
delivery = platform_module("http_hooks", "delivery")
Callback, Hook = models.Callback, models.Hook
POST_SAVE = "django.db.models.signals.post_save"
GUID = "0123456789abcdef0123456789abcdef"
POSTGRES_URL = os.environ.get(
    "POSTGRES_TEST_URL", "postgres://postgres:postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def _hook_settings(settings):
    settings.DJANGO_HTTP_HOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.DJANGO_HTTP_HOOKS_RETRY_SCHEDULE = [0, 0]
    settings.DJANGO_HTTP_HOOKS_RETRY_JITTER = 0
    settings.DJANGO_HTTP_HOOKS_TIMEOUT = 1.0


@pytest.fixture
def receiver():
    with WebhookReceiver() as server:
        yield server


def hook_to(url, **fields):
    return http_hooks.create_hook([POST_SAVE], model="users.user", target_url=url, **fields)


def save_user(capture, username="ada"):
    """Create a user in a committed transaction (so its callbacks are delivered)."""
    with capture(execute=True):
        return get_user_model().objects.create(username=username)


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


pytestmark = [pytest.mark.http_hooks, pytest.mark.django_db]


def test_delivery_is_signed_and_carries_its_ids(receiver, django_capture_on_commit_callbacks):
    hook = hook_to(receiver.url, headers="X-Token: s3cr:et")
    guid = platform_module("guid")
    with guid.guid_scope(GUID):
        user = save_user(django_capture_on_commit_callbacks)
    (request,) = receiver.wait_for(1)
    callback = Callback.objects.get()
    assert callback.status == "sent"
    assert callback.status_details == "status_code:200"
    assert callback.last_response_code == 200
    assert callback.last_response_body == "ok"
    assert callback.attempts == 1
    assert callback.sent_datetime is not None
    assert request.method == "POST"
    assert request.headers["webhook-id"] == callback.message_id
    assert request.headers["Correlation-ID"] == GUID
    assert request.headers["X-Token"] == "s3cr:et"
    assert request.headers["Content-Type"] == "application/json"
    verified = Webhook(hook.secret).verify(request.body, request.headers)
    assert verified["object_id"] == user.pk
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + "A" * 32).verify(request.body, request.headers)


def test_the_response_excerpt_is_decompressed_and_bounded(
    receiver, settings, django_capture_on_commit_callbacks
):
    settings.DJANGO_HTTP_HOOKS_RESPONSE_EXCERPT = 64
    answer = "accepted: " + "é" * 200
    receiver.answers = [
        {"body": gzip.compress(answer.encode()), "headers": {"Content-Encoding": "gzip"}}
    ]
    hook_to(receiver.url)
    save_user(django_capture_on_commit_callbacks)
    callback = Callback.objects.get()
    assert callback.status == "sent"
    # 64 bytes of the decompressed answer: "é" is two bytes, so 27 of them fit.
    assert callback.last_response_body == "accepted: " + "é" * 27


def test_nothing_is_sent_for_a_rolled_back_change(receiver, django_capture_on_commit_callbacks):
    from django.db import transaction

    hook_to(receiver.url)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        get_user_model().objects.create(username="kept")
        with pytest.raises(RuntimeError), transaction.atomic():
            get_user_model().objects.create(username="rolled-back")
            raise RuntimeError
    (request,) = receiver.wait_for(1)
    assert json.loads(request.body)["object_serialization"]["username"] == "kept"
    assert Callback.objects.count() == 1


def test_failures_are_retried_with_the_same_id_until_sent(
    receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [500, {"status": 503, "body": "busy"}]
    hook_to(receiver.url)
    save_user(django_capture_on_commit_callbacks)
    callback = Callback.objects.get()
    # The event's own delivery, then (same task) the retries already due: ours.
    assert callback.status == "waiting"
    assert callback.attempts == 2
    assert callback.last_response_code == 503
    assert callback.last_response_body == "busy"
    assert "attempt 2 failed: status_code:503" in callback.status_details
    call_command("send_callbacks")
    callback.refresh_from_db()
    assert callback.status == "sent"
    assert callback.attempts == 3
    requests = receiver.wait_for(3)
    assert {r.headers["webhook-id"] for r in requests} == {callback.message_id}


def test_retries_end_in_error_when_the_schedule_is_exhausted(
    receiver, django_capture_on_commit_callbacks
):
    receiver.default = 500
    hook_to(receiver.url)
    save_user(django_capture_on_commit_callbacks)
    call_command("send_callbacks")
    callback = Callback.objects.get()
    assert callback.status == "error"
    assert callback.attempts == 3
    assert callback.status_details == "status_code:500 (after 3 attempts)"
    assert len(receiver.requests) == 3


def test_backoff_waits_before_the_next_attempt(
    receiver, settings, django_capture_on_commit_callbacks
):
    settings.DJANGO_HTTP_HOOKS_RETRY_SCHEDULE = [60, 600]
    settings.DJANGO_HTTP_HOOKS_RETRY_JITTER = 0.1
    receiver.answers = [502]
    hook_to(receiver.url)
    save_user(django_capture_on_commit_callbacks)
    callback = Callback.objects.get()
    wait = (callback.next_attempt_at - timezone.now()).total_seconds()
    assert 50 < wait <= 66
    call_command("send_callbacks")  # not due yet: nothing is sent
    assert len(receiver.requests) == 1
    call_command("send_callbacks", "--callbacks", str(callback.pk))  # by id: now
    callback.refresh_from_db()
    assert callback.status == "sent"


def test_a_queued_delivery_leaves_callbacks_waiting_for_their_retry_alone(
    receiver, settings, django_capture_on_commit_callbacks
):
    """The task an event enqueued may run late (its worker was down): not before the backoff."""
    settings.DJANGO_HTTP_HOOKS_RETRY_SCHEDULE = [300]
    receiver.answers = [502]
    hook_to(receiver.url)
    save_user(django_capture_on_commit_callbacks)
    callback = Callback.objects.get()
    assert callback.status == "waiting" and len(receiver.requests) == 1
    delivery.deliver_callbacks([callback.pk])  # as the queued task, run again
    assert len(receiver.requests) == 1
    callback.refresh_from_db()
    assert callback.attempts == 1


def test_a_retry_wait_keeps_its_fraction_of_a_second(
    receiver, settings, django_capture_on_commit_callbacks
):
    settings.DJANGO_HTTP_HOOKS_RETRY_SCHEDULE = [5.75]
    receiver.answers = [502]
    hook_to(receiver.url)
    before = timezone.now()
    save_user(django_capture_on_commit_callbacks)
    callback = Callback.objects.get()
    wait = (callback.next_attempt_at - callback.update_datetime).total_seconds()
    assert wait == pytest.approx(5.75, abs=0.001)
    assert callback.next_attempt_at - before >= datetime.timedelta(seconds=5.75)


def test_a_timeout_is_retried(receiver, settings, django_capture_on_commit_callbacks):
    settings.DJANGO_HTTP_HOOKS_TIMEOUT = 0.3
    settings.DJANGO_HTTP_HOOKS_RETRY_SCHEDULE = [30]
    receiver.answers = [{"status": 200, "delay": 3}]
    hook_to(receiver.url)
    save_user(django_capture_on_commit_callbacks)
    callback = Callback.objects.get()
    assert callback.status == "waiting"
    assert "no answer within 0.3 s" in callback.status_details
    assert 250 <= callback.last_duration_ms < 2500  # cut at 0.3 s, well before the 3 s answer
    receiver.wait_for(1)
    call_command("send_callbacks", "--callbacks", str(callback.pk))
    callback.refresh_from_db()
    assert callback.status == "sent"


def test_a_refused_connection_is_retried_then_fails(django_capture_on_commit_callbacks):
    hook_to(closed_port_url())
    save_user(django_capture_on_commit_callbacks)
    callback = Callback.objects.get()
    assert callback.status == "waiting"
    assert "Connection refused" in callback.status_details
    assert callback.last_response_code is None
    call_command("send_callbacks")
    callback.refresh_from_db()
    assert callback.status == "error"
    assert callback.attempts == 3


def test_410_gone_disables_the_hook(receiver, django_capture_on_commit_callbacks):
    hook = hook_to(receiver.url)
    receiver.answers = [410]
    save_user(django_capture_on_commit_callbacks)
    callback = Callback.objects.get()
    assert callback.status == "error"
    assert callback.status_details.startswith("410 Gone")
    hook.refresh_from_db()
    assert not hook.enabled
    assert "410 Gone" in hook.disabled_reason
    save_user(django_capture_on_commit_callbacks, "after")
    assert Callback.objects.count() == 1


def test_429_retry_after_is_honoured(receiver, settings, django_capture_on_commit_callbacks):
    settings.DJANGO_HTTP_HOOKS_RETRY_SCHEDULE = [1]
    receiver.answers = [{"status": 429, "headers": {"Retry-After": "120"}}]
    hook_to(receiver.url)
    save_user(django_capture_on_commit_callbacks)
    callback = Callback.objects.get()
    assert callback.status == "waiting"
    assert (callback.next_attempt_at - timezone.now()).total_seconds() > 110


def test_retry_after_as_an_http_date():
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=90)
    seconds = delivery.retry_after_seconds(later.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    assert 80 < seconds <= 90
    assert delivery.retry_after_seconds("soon") is None


def test_a_redirect_is_not_followed(receiver, settings, django_capture_on_commit_callbacks):
    settings.DJANGO_HTTP_HOOKS_RETRY_SCHEDULE = [30]
    receiver.answers = [{"status": 302, "headers": {"Location": "http://10.0.0.1/"}}]
    hook_to(receiver.url)
    save_user(django_capture_on_commit_callbacks)
    callback = Callback.objects.get()
    assert callback.status == "waiting"
    assert callback.last_response_code == 302
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_private_targets_are_refused_at_send_time(
    receiver, settings, host, django_capture_on_commit_callbacks
):
    url = receiver.url.replace("127.0.0.1", host)
    hook_to(url)  # allowed when saved...
    settings.DJANGO_HTTP_HOOKS_ALLOWED_NETWORKS = []  # ...but no longer when sent
    save_user(django_capture_on_commit_callbacks)
    callback = Callback.objects.get()
    assert callback.status == "error"
    assert "refused" in callback.status_details
    assert "127.0.0.1" in callback.status_details
    assert receiver.requests == []


def test_a_leased_callback_waits_for_its_lease(receiver):
    hook = hook_to(receiver.url)
    Callback.objects.create(hook=hook, target_url=receiver.url, http_method="POST", payload="{}")
    found, _, claimed = delivery.Sender().claim(Callback.objects.all())  # a sender that dies
    assert found
    assert len(claimed) == 1
    assert http_hooks.send_callbacks().total == 0
    Callback.objects.update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    assert http_hooks.send_callbacks().sent == 1
    assert Callback.objects.get().attempts == 2  # the lost attempt is counted


def test_send_callbacks_by_hook_and_by_ids(receiver, capsys):
    first, second = hook_to(receiver.url), hook_to(receiver.url + "/2")
    rows = [
        Callback.objects.create(hook=h, target_url=h.target_url, http_method="POST", payload="{}")
        for h in (first, first, second, second)
    ]
    call_command("send_callbacks", "--hook_id", str(second.pk))
    assert "Callbacks: 2 sent, 0 to retry, 0 failed." in capsys.readouterr().out
    call_command("send_callbacks", "--callbacks", str(rows[0].pk))
    statuses = [Callback.objects.get(pk=r.pk).status for r in rows]
    assert statuses == ["sent", "waiting", "sent", "sent"]
    call_command("send_callbacks")
    call_command("send_callbacks")
    assert "No callback to send." in capsys.readouterr().out


def test_callbacks_go_out_concurrently(receiver, settings):
    settings.DJANGO_HTTP_HOOKS_CONCURRENCY = 20
    receiver.default = {"status": 200, "delay": 0.5}  # long enough to overlap under load
    hook = hook_to(receiver.url)
    Callback.objects.bulk_create(
        Callback(hook=hook, target_url=receiver.url, http_method="POST", payload="{}")
        for _ in range(60)
    )
    assert http_hooks.send_callbacks().sent == 60
    assert 10 <= receiver.peak_in_flight <= 20


def test_a_deleted_hooks_callbacks_end_in_error(receiver):
    hook = hook_to(receiver.url)
    callback = Callback.objects.create(
        hook_id=hook.pk + 1000, target_url=receiver.url, http_method="POST"
    )
    http_hooks.send_callbacks()
    callback.refresh_from_db()
    assert callback.status == "error"
    assert "hook was deleted" in callback.status_details


# --- Real processes on PostgreSQL ---------------------------------------------


@pytest.fixture
def postgres():
    """Environment for processes using a fresh PostgreSQL database (dropped afterwards)."""
    import psycopg

    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL is needed at {POSTGRES_URL} (POSTGRES_TEST_URL): {exc}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    name = f"hooks_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            env = {
                "DJANGO_DEBUG": "true",
                "DATABASE_URL": urlsplit(POSTGRES_URL)._replace(path=f"/{name}").geturl(),
                "DJANGO_HTTP_HOOKS_ALLOWED_NETWORKS": "127.0.0.1/32",
                "DJANGO_HTTP_HOOKS_TIMEOUT": "2",
                "DJANGO_HTTP_HOOKS_RETRY_SCHEDULE": "0",
            }
            django(
                env,
                "from django.core.management import call_command\n"
                "call_command('migrate', verbosity=0)",
            )
            yield env
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def django(env, code):
    """Run ``code`` in a fresh Django process; its last line of output, parsed as JSON."""
    result = run_python("import django, json\ndjango.setup()\n" + code, env, timeout=180)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines and lines[-1][:1] in "[{0123456789" else None


def make_callbacks(env, url, count):
    return django(
        env,
        "from django.contrib.contenttypes.models import ContentType\n"
        "from django.apps import apps\n"
        "Hook = apps.get_model('http_hooks', 'Hook')\n"
        "Callback = apps.get_model('http_hooks', 'Callback')\n"
        "hook = Hook.objects.create(model=ContentType.objects.get(model='user'), "
        f"target_url={url!r})\n"
        "Callback.objects.bulk_create(Callback(hook=hook, target_url=hook.target_url, "
        f"http_method='POST', payload='{{}}') for _ in range({count}))\n"
        "print(json.dumps(list(Callback.objects.values_list('message_id', flat=True))))",
    )


def statuses(env):
    return django(
        env,
        "from django.apps import apps\nfrom django.db.models import Count\n"
        "Callback = apps.get_model('http_hooks', 'Callback')\n"
        "rows = Callback.objects.values('status').annotate(n=Count('id'))\n"
        "print(json.dumps({r['status']: r['n'] for r in rows}))",
    )


def sender_process(env, *args):
    return subprocess.Popen(
        [sys.executable, "manage.py", "send_callbacks", *args],
        cwd=PROJECT_DIR,
        env={**os.environ, "DJANGO_READ_DOT_ENV_FILE": "false", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.defaults_only
def test_two_concurrent_senders_deliver_each_callback_exactly_once(postgres, receiver):
    ids = make_callbacks(postgres, receiver.url, 1000)
    senders = [sender_process(postgres, "--batch-size", "50") for _ in range(2)]
    outputs = [s.communicate(timeout=300) for s in senders]
    assert all(s.returncode == 0 for s in senders), outputs
    received = [r.headers["webhook-id"] for r in receiver.requests]
    assert sorted(received) == sorted(ids)  # every one, and none twice
    assert statuses(postgres) == {"sent": 1000}
    assert all("sent" in out for out, _ in outputs), "both senders took part"


@pytest.mark.defaults_only
def test_a_sender_killed_mid_batch_loses_nothing(postgres, receiver):
    # A lease far longer than any step of the test takes, even on a loaded machine;
    # its end is then brought forward in the database instead of waited for.
    env = {**postgres, "DJANGO_HTTP_HOOKS_LEASE": "600"}
    ids = make_callbacks(env, receiver.url, 40)
    receiver.default = {"status": 200, "delay": 1.0}
    sender = sender_process(env, "--batch-size", "40")
    deadline = time.monotonic() + 60
    while receiver.arrivals < 10 and time.monotonic() < deadline:
        time.sleep(0.02)
    sender.send_signal(signal.SIGKILL)
    sender.wait(timeout=30)
    assert statuses(env) == {"waiting": 40}  # claimed, never recorded
    receiver.default = 200
    again = sender_process(env)
    out, err = again.communicate(timeout=120)
    assert "No callback to send." in out, err  # still leased to the dead sender
    leases = django(
        env,
        "import datetime\nfrom django.apps import apps\nfrom django.utils import timezone\n"
        "Callback = apps.get_model('http_hooks', 'Callback')\n"
        "past = timezone.now() - datetime.timedelta(seconds=1)\n"
        "print(Callback.objects.filter(lease_until__isnull=False).update(lease_until=past))",
    )
    assert leases == 40  # every one was still held by the dead sender
    out, err = sender_process(env).communicate(timeout=120)
    assert "40 sent" in out, err
    assert statuses(env) == {"sent": 40}
    assert set(ids) <= {r.headers["webhook-id"] for r in receiver.requests}


@pytest.mark.defaults_only
@pytest.mark.parametrize("max_age", ["0", None])
def test_a_hook_edited_in_one_process_takes_effect_in_another_without_restart(postgres, max_age):
    """With DJANGO_HTTP_HOOKS_REGISTRY_MAX_AGE=0 every change applies to the next save; with
    the default (1 s), a hook on a model nothing watched yet within that time, and changes
    to hooks on a watched model still to the next save."""
    script = (
        "import django, json, sys\ndjango.setup()\n"
        "from django.apps import apps\nfrom django.db import transaction\n"
        "from django.contrib.auth import get_user_model\n"
        "Callback = apps.get_model('http_hooks', 'Callback')\n"
        "print('ready', flush=True)\n"
        "for line in sys.stdin:\n"
        "    with transaction.atomic():\n"
        "        user = get_user_model().objects.create(username=line.strip())\n"
        "    urls = list(Callback.objects.filter(object_id=str(user.pk))"
        ".values_list('target_url', flat=True))\n"
        "    print('urls', json.dumps(sorted(urls)), flush=True)\n"
    )
    env = {**os.environ, "DJANGO_READ_DOT_ENV_FILE": "false", **postgres}
    env.pop("DJANGO_HTTP_HOOKS_REGISTRY_MAX_AGE", None)
    if max_age is not None:
        env["DJANGO_HTTP_HOOKS_REGISTRY_MAX_AGE"] = max_age
    web = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=PROJECT_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert web.stdout.readline().strip() == "ready"

        def save(name):
            web.stdin.write(name + "\n")
            web.stdin.flush()
            line = web.stdout.readline()
            while not line.startswith("urls "):  # log lines of the delivery attempts
                line = web.stdout.readline()
            return json.loads(line.removeprefix("urls "))

        def admin(code):
            django(
                postgres,
                "from django.apps import apps\n"
                "Hook = apps.get_model('http_hooks', 'Hook')\n" + code,
            )

        assert save("before") == []
        admin(
            "from django.contrib.contenttypes.models import ContentType\n"
            "hook = Hook.objects.create(name='h', "
            "model=ContentType.objects.get(model='user'), target_url='https://a.example/')\n"
            "hook.signals.add(apps.get_model('http_hooks', 'Signal').objects.get("
            "signal='django.db.models.signals.post_save'))"
        )

        def starts_firing(name):
            """The URLs of the first save that fires: the next one with a max age of 0,
            else one within the max age (1 s; polled, with a margin for a loaded machine)."""
            if max_age == "0":
                return save(name)
            deadline, n = time.monotonic() + 1 + 10, 0
            while (urls := save(f"{name}-{n}")) == [] and time.monotonic() < deadline:
                n += 1
                time.sleep(0.05)
            return urls

        assert starts_firing("created") == ["https://a.example/"]
        admin("h = Hook.objects.get(name='h'); h.target_url = 'https://b.example/'; h.save()")
        assert save("edited") == ["https://b.example/"]
        admin("h = Hook.objects.get(name='h'); h.enabled = False; h.save()")
        assert save("disabled") == []
        admin("h = Hook.objects.get(name='h'); h.enabled = True; h.save()")
        assert starts_firing("enabled") == ["https://b.example/"]  # nothing watched users
        admin("Hook.objects.get(name='h').delete()")
        assert save("deleted") == []
    finally:
        web.stdin.close()
        web.wait(timeout=30)
