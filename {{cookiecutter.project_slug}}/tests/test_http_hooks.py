"""HTTP hooks: events become callbacks (payloads, headers, signals, validation), admin, commands.

Delivery over HTTP is in test_http_hooks_delivery.py. Hooks here listen to the
user model, which every generated project has.
"""

import json
from xml.etree import ElementTree

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from .conftest import platform_module, run_python

http_hooks = platform_module("http_hooks")
models = platform_module("http_hooks", "models")
Callback, Hook, Signal = models.Callback, models.Hook, models.Signal
POST_SAVE = "django.db.models.signals.post_save"
PRE_SAVE = "django.db.models.signals.pre_save"
POST_DELETE = "django.db.models.signals.post_delete"
TARGET = "https://receiver.example/hooks"
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
DATABASE_CACHE = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "http_hooks_cache",
}

pytestmark = [pytest.mark.http_hooks, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _fresh_registry():
    """Each test's hooks roll back with its database: the registry must forget them too."""
    yield
    platform_module("http_hooks", "registry").registry.invalidate()


@pytest.fixture(autouse=True)
def _public_targets_only(settings):
    """Production's default: no private, loopback or link-local target is allowed."""
    settings.DJANGO_HTTP_HOOKS_ALLOWED_NETWORKS = []


def make_user(username="ada", **fields):
    return get_user_model().objects.create_user(
        username=username, password="pw-1234-secret", **fields
    )


def hook(signals=(POST_SAVE,), **fields):
    fields.setdefault("target_url", TARGET)
    return http_hooks.create_hook(list(signals), model="users.user", **fields)


class UserSerializer:
    """Anything with to_representation(instance) works as a serializer (DRF is not needed)."""

    def to_representation(self, instance):
        return {"name": instance.username, "staff": instance.is_staff}


class BrokenSerializer:
    def to_representation(self, instance):
        raise RuntimeError("serializer exploded")


class CountingSerializer:
    calls = 0

    def to_representation(self, instance):
        CountingSerializer.calls += 1
        return {"name": instance.username, "call": CountingSerializer.calls}


# --- Events ------------------------------------------------------------------


def test_a_hook_fires_for_its_model_only():
    hook(http_method="PUT", headers="X-Token: 12345")
    http_hooks.create_hook([POST_SAVE], model="auth.group", target_url=TARGET + "/groups")
    make_user()
    (callback,) = Callback.objects.all()
    assert callback.target_url == TARGET
    assert callback.http_method == "PUT"
    assert callback.headers == {"X-Token": "12345"}
    assert callback.status == "waiting"
    assert callback.event_type == "created"
    assert callback.message_id.startswith("msg_")


def test_event_types_follow_the_signal():
    hook([PRE_SAVE, POST_SAVE, POST_DELETE])
    user = make_user()
    user.first_name = "Ada"
    user.save()
    user.delete()
    events = list(Callback.objects.order_by("pk").values_list("event_type", flat=True))
    assert events == ["created", "created", "updated", "updated", "deleted"]


def test_several_hooks_on_one_model_each_get_a_callback():
    hook(name="one")
    hook(name="two", target_url=TARGET + "/2")
    hook([POST_DELETE], name="three")
    make_user()
    assert sorted(Callback.objects.values_list("hook__name", flat=True)) == ["one", "two"]


def test_a_disabled_hook_writes_nothing():
    hook(enabled=False)
    make_user()
    assert not Callback.objects.exists()


def test_disabling_a_hook_takes_effect_at_once():
    h = hook()
    make_user("first")
    h.enabled = False
    h.save()
    make_user("second")
    h.enabled = True
    h.target_url = TARGET + "/new"
    h.save()
    make_user("third")
    urls = list(Callback.objects.order_by("pk").values_list("target_url", flat=True))
    assert urls == [TARGET, TARGET + "/new"]


def test_a_rollback_leaves_no_callback():
    hook()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_user()
        assert Callback.objects.count() == 1
        raise RuntimeError("business failure")
    assert not Callback.objects.exists()
    assert not get_user_model().objects.exists()


@pytest.fixture
def cache_server(settings):
    """A token cache outside the database (Redis in production): rollbacks do not undo it."""
    settings.CACHES = {**settings.CACHES, "http_hooks": {"BACKEND": LOCMEM}}


@pytest.mark.parametrize("change", ["disable", "create"])
def test_a_rolled_back_hook_change_stops_applying_in_the_process_that_made_it(change, cache_server):
    """Every save below runs in a transaction (as under ATOMIC_REQUESTS), never outside one."""
    existing = hook() if change == "disable" else None
    with pytest.raises(RuntimeError), transaction.atomic():
        if existing:
            existing.enabled = False
            existing.save()
        else:
            hook(name="never committed")
        make_user("in the transaction")  # this process now holds the uncommitted hooks
        raise RuntimeError("the change is rolled back")
    with transaction.atomic():
        make_user()
    expected = [existing.pk] if existing else []
    assert list(Callback.objects.values_list("hook_id", flat=True)) == expected


def test_a_hook_change_rolled_back_to_a_savepoint_stops_applying(cache_server):
    h = hook()
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            Hook.objects.filter(pk=h.pk).update(enabled=False)
            platform_module("http_hooks", "registry").registry.invalidate_now_and_on_commit()
            make_user("while disabled")
            raise RuntimeError("back to the savepoint")
        make_user("after the savepoint")
    assert list(Callback.objects.values_list("object_id", flat=True)) == [
        str(get_user_model().objects.get(username="after the savepoint").pk)
    ]


def test_a_deleted_hook_never_breaks_the_save_that_raced_it():
    h = hook()
    Hook.objects.filter(pk=h.pk).delete()  # a queryset delete: as if another process did it
    make_user()  # the token changed, so this process no longer knows the hook
    assert not Callback.objects.exists()


def queries_of_an_unhooked_save():
    hook()  # hooks exist, on another model
    group_model = get_user_model()._meta.get_field("groups").related_model
    group_model.objects.create(name="warm-up")
    with CaptureQueriesContext(connection) as queries:
        group_model.objects.create(name="staff")
    return [q["sql"] for q in queries]


def test_saving_an_unhooked_model_costs_no_query_with_a_cache_server(settings):
    settings.CACHES = {**settings.CACHES, "http_hooks": {"BACKEND": LOCMEM}}
    assert len(queries_of_an_unhooked_save()) == 1


def test_with_the_database_cache_an_unhooked_save_costs_no_read_within_the_max_age(settings):
    settings.CACHES = {**settings.CACHES, "http_hooks": DATABASE_CACHE}
    call_command("createcachetable", "http_hooks_cache", verbosity=0)
    settings.DJANGO_HTTP_HOOKS_REGISTRY_MAX_AGE = 3600
    assert len(queries_of_an_unhooked_save()) == 1


def test_with_a_max_age_of_0_every_save_reads_the_token(settings):
    settings.CACHES = {**settings.CACHES, "http_hooks": DATABASE_CACHE}
    call_command("createcachetable", "http_hooks_cache", verbosity=0)
    settings.DJANGO_HTTP_HOOKS_REGISTRY_MAX_AGE = 0
    queries = queries_of_an_unhooked_save()
    assert len(queries) == 2, queries
    assert "http_hooks_cache" in queries[0]


def test_a_save_of_a_watched_model_always_reads_the_token(settings, cache_server):
    """Another process disabled the hook (its token reached the cache): the next save obeys,
    however long the max age."""
    settings.DJANGO_HTTP_HOOKS_REGISTRY_MAX_AGE = 3600
    h = hook()
    make_user("fires")
    assert Callback.objects.count() == 1
    Hook.objects.filter(pk=h.pk).update(enabled=False)  # no signal: as in another process
    registry_module = platform_module("http_hooks", "registry")
    caches["http_hooks"].set(registry_module.TOKEN_KEY, "changed-by-another-process", None)
    make_user("does not fire")
    assert Callback.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_hook_deleted_elsewhere_writes_nothing_and_breaks_no_save(settings):
    """On PostgreSQL the token comes back with the callbacks' INSERT (no read of its own):
    a changed token there means the callbacks are taken back before the commit, which
    would otherwise fail on the deleted hook's foreign key."""
    settings.CACHES = {**settings.CACHES, "http_hooks": DATABASE_CACHE}
    call_command("createcachetable", "http_hooks_cache", verbosity=0)
    settings.DJANGO_HTTP_HOOKS_REGISTRY_MAX_AGE = 3600
    registry_module = platform_module("http_hooks", "registry")
    h = hook()
    with transaction.atomic():
        make_user("fires")
    assert Callback.objects.count() == 1
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        make_user("fires again")
    token_reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    expected_reads = 0 if connection.vendor == "postgresql" else 1
    assert len(token_reads) == expected_reads, queries.captured_queries
    # Another process deletes the hook (no signal reaches this one) and publishes it.
    db = Hook.objects.db
    Callback.objects.all()._raw_delete(db)
    Hook.signals.through.objects.filter(hook_id=h.pk)._raw_delete(db)
    Hook.objects.filter(pk=h.pk)._raw_delete(db)
    caches["http_hooks"].set(registry_module.TOKEN_KEY, "changed-elsewhere", None)
    with transaction.atomic():
        make_user("after the delete")
    assert not Callback.objects.exists()
    assert get_user_model().objects.filter(username="after the delete").exists()


def test_a_model_nothing_watched_is_checked_again_once_the_max_age_has_passed(
    settings, cache_server
):
    registry = platform_module("http_hooks", "registry").registry
    settings.DJANGO_HTTP_HOOKS_REGISTRY_MAX_AGE = 3600
    make_user("no hooks yet")  # the token is read now, and trusted for an hour
    reads = []
    original = registry._cache
    registry._cache = lambda: reads.append(1) or original()
    try:
        make_user("trusted")
        assert reads == []
        registry._checked_at -= 3601  # an hour later
        make_user("checked")
        assert reads
    finally:
        registry._cache = original


def test_without_redis_migrate_puts_the_token_in_a_database_cache(tmp_path):
    """Shared by every process of every container, and no file under the read-only /app."""
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.core.management import call_command\n"
        "from django.db import connection\n"
        "call_command('migrate', verbosity=0)\n"
        "print(settings.CACHES['http_hooks'])\n"
        "print('http_hooks_cache' in connection.introspection.table_names())\n"
    )
    env = {"DJANGO_DEBUG": "true", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = run_python(code, env)
    assert result.stdout.splitlines()[-2:] == [str(DATABASE_CACHE), "True"], result.stderr


def test_fixtures_being_loaded_are_not_events():
    hook()
    user = get_user_model()(username="raw")
    user.save_base(raw=True)
    assert not Callback.objects.exists()


# --- Payloads ----------------------------------------------------------------


def test_json_template_values_are_json_escaped_not_html_escaped():
    template = (
        '{"id": {{ instance.id }}, "name": "{{ instance.first_name }}", '
        '"year": {{ instance.date_joined.year }}, "staff": {{ instance.is_staff }}, '
        '"event": "{{ event_type }}", "created": {{ created }}}'
    )
    hook(payload_template=template)
    tricky = 'a"<&b>\n\\ \u00e9\u2603'
    user = make_user(first_name=tricky)
    data = json.loads(Callback.objects.get().payload)
    assert data == {
        "id": user.pk,
        "name": tricky,
        "year": user.date_joined.year,
        "staff": False,
        "event": "created",
        "created": True,
    }


def test_xml_template_values_are_xml_escaped():
    template = (
        '<user id="{{ instance.id }}" name="{{ instance.first_name }}">'
        "<event>{{ event_type }}</event><last>{{ instance.last_name }}</last></user>"
    )
    hook(payload_template=template, content_type="application/xml")
    make_user(first_name='"quoted" & <tagged>', last_name="O'Hara & <Sons>")
    root = ElementTree.fromstring(Callback.objects.get().payload)
    assert root.get("name") == '"quoted" & <tagged>'
    assert root.find("last").text == "O'Hara & <Sons>"
    assert root.find("event").text == "created"


def test_safe_inserts_a_value_as_it_is():
    hook(payload_template='{"raw": {{ instance.first_name|safe }}}')
    make_user(first_name="[1, 2]")
    assert json.loads(Callback.objects.get().payload) == {"raw": [1, 2]}


def test_default_payload_has_the_fields_but_never_the_password(settings):
    settings.DJANGO_HTTP_HOOKS_EXCLUDED_FIELDS = ["users.user.email"]
    hook()
    user = make_user(email="ada@example.com")
    data = json.loads(Callback.objects.get().payload)
    assert data["object_type"] == "users.user"
    assert data["object_id"] == user.pk
    assert data["event_type"] == "created"
    fields = data["object_serialization"]
    assert fields["username"] == "ada"
    assert "password" not in fields
    assert "email" not in fields
    assert fields["date_joined"].startswith(str(user.date_joined.year))


def test_a_serializer_class_makes_the_payload():
    hook(serializer_class=f"{__name__}.UserSerializer")
    make_user()
    assert json.loads(Callback.objects.get().payload) == {"name": "ada", "staff": False}


def test_hooks_configured_alike_render_one_payload_per_event():
    CountingSerializer.calls = 0
    for n in range(3):
        hook(serializer_class=f"{__name__}.CountingSerializer", target_url=f"{TARGET}/{n}")
    hook(payload_template='{"user": "{{ instance.username }}"}')
    make_user()
    payloads = sorted(Callback.objects.values_list("payload", flat=True))
    assert payloads == ['{"name": "ada", "call": 1}'] * 3 + ['{"user": "ada"}']
    assert CountingSerializer.calls == 1
    assert len(set(Callback.objects.values_list("message_id", flat=True))) == 4


def test_a_failing_serializer_leaves_an_error_callback_not_nothing():
    hook(serializer_class=f"{__name__}.BrokenSerializer")
    make_user()
    callback = Callback.objects.get()
    assert callback.status == "error"
    assert "serializer exploded" in callback.status_details


def test_raise_exceptions_makes_the_save_fail_instead(settings):
    settings.DJANGO_HTTP_HOOKS_RAISE_EXCEPTIONS = True
    hook(serializer_class=f"{__name__}.BrokenSerializer")
    with pytest.raises(http_hooks.InvalidPayloadError, match="serializer exploded"):
        make_user()


def test_a_value_that_breaks_the_json_is_recorded_as_an_error():
    hook(payload_template='{"name": {{ instance.first_name }}}')  # unquoted: fine for a number
    make_user(first_name="not a number")
    callback = Callback.objects.get()
    assert callback.status == "error"
    assert "not valid JSON" in callback.status_details


# --- Validation when a hook is saved ----------------------------------------


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"payload_template": '{"a": {% if %}}'}, "InvalidPayloadError", "does not compile"),
        ({"payload_template": '{"a": "{{ instance.id }}"'}, "InvalidPayloadError", "JSON"),
        (
            {"payload_template": "<a><b></a>", "content_type": "text/xml"},
            "InvalidPayloadError",
            "XML",
        ),
        ({"content_type": "application/xml"}, "InvalidPayloadError", "write a template"),
        ({"serializer_class": "no.such.Serializer"}, "InvalidPayloadError", "Cannot import"),
        ({"serializer_class": "json.dumps"}, "InvalidPayloadError", "to_representation"),
        ({"headers": "X-Token 12345"}, "InvalidHeadersError", "no colon"),
        ({"headers": "X-Token: a\rInjected: yes"}, "InvalidHeadersError", "line break"),
        ({"headers": "Bad Name: 1"}, "InvalidHeadersError", "not a valid header name"),
        ({"headers": "webhook-signature: v1,forged"}, "InvalidHeadersError", "set by the sender"),
        ({"target_url": "ftp://example.com/"}, "InvalidTargetError", "http"),
        ({"target_url": "http://10.1.2.3/"}, "InvalidTargetError", "private"),
        ({"target_url": "http://169.254.169.254/latest"}, "InvalidTargetError", "link-local"),
        ({"target_url": "http://localhost:8000/"}, "InvalidTargetError", "loopback"),
        ({"target_url": "http://[::1]/"}, "InvalidTargetError", "loopback"),
        # IPv6 forms that carry an IPv4 address inside: the IPv4 address is what counts.
        ({"target_url": "http://[64:ff9b::a9fe:a9fe]/"}, "InvalidTargetError", "169.254"),
        ({"target_url": "http://[64:ff9b:1::a00:1]/"}, "InvalidTargetError", "10.0.0.1"),
        ({"target_url": "http://[2002:7f00:1::]/"}, "InvalidTargetError", "127.0.0.1"),
        ({"target_url": "http://[::a9fe:a9fe]/"}, "InvalidTargetError", "169.254"),
        ({"target_url": "http://[::ffff:10.0.0.1]/"}, "InvalidTargetError", "10.0.0.1"),
        (  # Teredo: the client's address, obfuscated
            {"target_url": "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/"},
            "InvalidTargetError",
            "10.0.0.1",
        ),
        ({"target_url": "http://[fec0::1]/"}, "InvalidTargetError", "site-local"),
        # What resolvers read as IPv4 without dots in four parts, and local names.
        ({"target_url": "http://2130706433/"}, "InvalidTargetError", "127.0.0.1"),
        ({"target_url": "http://0x7f000001/"}, "InvalidTargetError", "127.0.0.1"),
        ({"target_url": "http://0177.0.0.1/"}, "InvalidTargetError", "127.0.0.1"),
        ({"target_url": "http://127.1/"}, "InvalidTargetError", "127.0.0.1"),
        ({"target_url": "http://10.1/"}, "InvalidTargetError", "10.0.0.1"),
        ({"target_url": "http://localhost./"}, "InvalidTargetError", "loopback"),
        ({"target_url": "http://api.localhost/"}, "InvalidTargetError", "loopback"),
    ],
)
def test_a_hook_that_cannot_work_is_refused_and_nothing_is_saved(fields, error, message):
    with pytest.raises(getattr(http_hooks, error), match=message):
        hook(**fields)
    assert not Hook.objects.exists()


def test_header_values_may_contain_colons_and_json_headers_work():
    hook(headers="X-Url: http://a.example:8080/x\r\nX-Time: 12:30\n\n")
    make_user()
    assert Callback.objects.get().headers == {"X-Url": "http://a.example:8080/x", "X-Time": "12:30"}
    hook(headers='{"test-token": "12345"}', target_url=TARGET + "/2")
    make_user("grace")
    assert Callback.objects.filter(target_url=TARGET + "/2").get().headers == {
        "test-token": "12345"
    }


@pytest.mark.parametrize(
    "url",
    [
        "http://[64:ff9b::808:808]/",  # NAT64 of 8.8.8.8
        "http://[2002:808:808::1]/",  # 6to4 of 8.8.8.8
        "http://[2606:4700::1111]/",
        "http://8.8.8.8/",
        "http://receiver.example/",
        "http://1.example/",
    ],
)
def test_public_targets_in_any_form_are_accepted(url):
    assert hook(target_url=url).pk


def test_allowed_networks_let_hooks_reach_private_addresses(settings):
    settings.DJANGO_HTTP_HOOKS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert hook(target_url="http://10.1.2.3/").pk
    with pytest.raises(http_hooks.InvalidTargetError):
        hook(target_url="http://192.168.1.1/")


def test_an_invalid_signal_is_refused_and_leaves_no_hook():
    with pytest.raises(http_hooks.InvalidSignalError, match="Cannot import"):
        http_hooks.create_signal("django.db.models.signals.no_such_signal")
    with pytest.raises(http_hooks.InvalidSignalError, match="not a Django signal"):
        http_hooks.create_signal("django.db.models.Model")
    with pytest.raises(http_hooks.InvalidSignalError):
        hook(["django.db.models.signals.no_such_signal"])
    assert not Hook.objects.exists()
    assert http_hooks.create_signal(POST_SAVE, create=False) is not None


def test_the_common_model_signals_are_seeded():
    seeded = set(Signal.objects.values_list("signal", flat=True))
    for name in ("post_save", "pre_save", "post_delete", "pre_delete", "m2m_changed"):
        assert f"django.db.models.signals.{name}" in seeded


def test_a_custom_signal_fires_hooks():
    hook(
        ["django.contrib.auth.signals.user_logged_in"], payload_template='{"e": "{{ event_type }}"}'
    )
    from django.contrib.auth.signals import user_logged_in

    user = make_user()
    assert not Callback.objects.exists()  # post_save is not among this hook's signals
    user_logged_in.send(sender=type(user), request=None, user=user)
    (callback,) = Callback.objects.all()
    assert json.loads(callback.payload) == {"e": "django.contrib.auth.signals.user_logged_in"}


def test_create_hook_takes_a_model_by_label_name_or_class():
    assert hook().model.model == "user"
    by_class = http_hooks.create_hook([POST_SAVE], model=get_user_model(), target_url=TARGET)
    assert by_class.model.app_label == "users"
    with pytest.raises(ValidationError, match="exactly one model"):
        http_hooks.create_hook([POST_SAVE], model="nosuchmodel", target_url=TARGET)


def test_secret_is_a_standard_webhooks_secret_and_unique():
    first, second = hook(), hook()
    assert first.secret.startswith("whsec_")
    assert first.secret != second.secret


# --- Settings and checks ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TIMEOUT", 0),
        ("CONCURRENCY", "ten"),
        ("RETRY_SCHEDULE", [5, "soon"]),
        ("ALLOWED_NETWORKS", ["not-a-network"]),
        ("RAISE_EXCEPTIONS", "yes"),
        ("CACHE", "missing"),
        ("LEASE", 1),
    ],
)
def test_settings_are_validated_naming_the_setting(settings, name, value):
    setattr(settings, f"DJANGO_HTTP_HOOKS_{name}", value)
    with pytest.raises(ImproperlyConfigured, match=f"DJANGO_HTTP_HOOKS_{name}"):
        platform_module("http_hooks", "conf").validate()


def test_a_bad_environment_value_stops_startup_naming_it():
    result = run_python(
        "import django; django.setup()",
        {"DJANGO_DEBUG": "true", "DJANGO_HTTP_HOOKS_ALLOWED_NETWORKS": "10.0.0.0/33"},
    )
    assert result.returncode != 0
    assert "DJANGO_HTTP_HOOKS_ALLOWED_NETWORKS" in result.stderr


def test_checks_warn_about_a_process_local_cache_and_the_obsolete_reload(settings):
    checks = platform_module("http_hooks", "checks")
    assert checks.check_shared_cache(None) == []
    settings.CACHES = {
        **settings.CACHES,
        "http_hooks": {"BACKEND": LOCMEM},
    }
    assert [w.id for w in checks.check_shared_cache(None)] == ["http_hooks.W001"]
    settings.DJANGO_HTTP_HOOKS_RELOAD = ["touch", "config/wsgi.py"]
    assert [w.id for w in checks.check_obsolete_reload(None)] == ["http_hooks.W002"]


def test_shut_down_writes_no_callbacks():
    code = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from django.db.models.signals import post_save\n"
        "uid = 'http_hooks:django.db.models.signals.post_save'\n"
        "print('receivers', sum(r[0][0] == uid for r in post_save.receivers))\n"
    )
    env = {"DJANGO_DEBUG": "true", "DATABASE_URL": "sqlite://:memory:"}
    on = run_python(code, env)
    off = run_python(code, {**env, "DJANGO_HTTP_HOOKS_SHUT_DOWN": "true"})
    assert on.stdout.strip().endswith("receivers 1"), on.stderr
    assert off.stdout.strip().endswith("receivers 0"), off.stderr


# --- Commands -----------------------------------------------------------------


def test_monitor_callbacks_exits_1_above_the_limit(capsys):
    hook(serializer_class=f"{__name__}.BrokenSerializer")
    for name in ("a", "b", "c"):
        make_user(name)
    call_command("monitor_callbacks", "--status", "error", "--callbacks_limit", "3")
    assert "3 error callbacks in all (limit 3)" in capsys.readouterr().out
    with pytest.raises(CommandError) as failure:
        call_command(
            "monitor_callbacks", "--status", "error", "--callbacks_limit", "2", "--minutes_ago", "5"
        )
    assert failure.value.returncode == 1
    call_command("monitor_callbacks", "--status", "waiting", "--callbacks_limit", "0")


def test_monitor_callbacks_rejects_an_unknown_status():
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("monitor_callbacks", "--status", "sent")


def test_delete_old_callbacks_keeps_recent_and_waiting_ones(capsys):
    from datetime import timedelta

    from django.utils import timezone

    h = hook()
    for status in ("sent", "error", "waiting", "sent"):
        Callback.objects.create(hook=h, target_url=TARGET, http_method="POST", status=status)
    last = Callback.objects.order_by("pk").last()
    old = timezone.now() - timedelta(days=40)
    Callback.objects.exclude(pk=last.pk).update(create_datetime=old)
    call_command("delete_old_callbacks", "30")
    out = capsys.readouterr().out
    assert "Deleted 2 callbacks" in out
    assert "kept 1 still waiting" in out
    assert sorted(Callback.objects.values_list("status", flat=True)) == ["sent", "waiting"]


# --- Admin --------------------------------------------------------------------


@pytest.fixture
def staff_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-123")
    client.force_login(admin)
    return client


def test_admin_pages_and_search_work(staff_client):
    hook(name="orders")
    make_user()
    for url in (
        "/admin/http_hooks/hook/",
        "/admin/http_hooks/hook/?q=orders",
        "/admin/http_hooks/hook/add/",
        "/admin/http_hooks/callback/",
        "/admin/http_hooks/callback/?q=receiver&status__exact=waiting",
        f"/admin/http_hooks/callback/{Callback.objects.first().pk}/change/",
        "/admin/http_hooks/signal/",
    ):
        assert staff_client.get(url).status_code == 200, url


def test_admin_callback_page_is_read_only_and_the_list_says_why(staff_client):
    hook(serializer_class=f"{__name__}.BrokenSerializer")
    make_user()
    failed = Callback.objects.get()
    page = staff_client.get(f"/admin/http_hooks/callback/{failed.pk}/change/").content.decode()
    assert 'name="_save"' not in page and 'name="_continue"' not in page
    assert "serializer exploded" in page
    listing = staff_client.get("/admin/http_hooks/callback/").content.decode()
    assert "serializer exploded" in listing  # the status details, in the list
    # Done callbacks (sent or failed) have no next attempt: the list shows none.
    assert '<td class="field-next_attempt">-</td>' in listing
    response = staff_client.post(
        f"/admin/http_hooks/callback/{failed.pk}/change/", {"status": "sent"}
    )
    assert response.status_code == 403
    failed.refresh_from_db()
    assert failed.status == "error"


def test_admin_form_shows_an_invalid_template_beside_the_field(staff_client):
    from django.contrib.contenttypes.models import ContentType

    response = staff_client.post(
        "/admin/http_hooks/hook/add/",
        {
            "name": "broken",
            "model": ContentType.objects.get_for_model(get_user_model()).pk,
            "signals": [Signal.objects.get(signal=POST_SAVE).pk],
            "enabled": "on",
            "target_url": TARGET,
            "http_method": "POST",
            "content_type": "application/json",
            "payload_template": '{"a": {{ instance.id }',
            "secret": "whsec_" + "A" * 32,
        },
    )
    assert response.status_code == 200
    assert "payload_template" in response.context["adminform"].form.errors
    assert not Hook.objects.exists()


def test_admin_actions_enable_disable_and_retry(staff_client, django_capture_on_commit_callbacks):
    h = hook(serializer_class=f"{__name__}.BrokenSerializer")
    url = "/admin/http_hooks/hook/"
    staff_client.post(url, {"action": "disable_hooks", "_selected_action": [h.pk]})
    make_user("after-disable")
    assert not Callback.objects.exists()
    staff_client.post(url, {"action": "enable_hooks", "_selected_action": [h.pk]})
    make_user("after-enable")
    failed = Callback.objects.get(status="error")
    with (
        platform_module("airlock", "testing").recorded_effects() as effects,
        django_capture_on_commit_callbacks(execute=True),
    ):
        staff_client.post(
            "/admin/http_hooks/callback/",
            {"action": "retry_now", "_selected_action": [failed.pk]},
        )
    failed.refresh_from_db()
    assert failed.status == "waiting"
    assert effects.names[-1].endswith("deliver_callbacks")


def test_admin_retry_skips_callbacks_of_a_disabled_hook(staff_client):
    h = hook(serializer_class=f"{__name__}.BrokenSerializer")
    make_user("fails")
    failed = Callback.objects.get(status="error")
    staff_client.post(
        "/admin/http_hooks/hook/", {"action": "disable_hooks", "_selected_action": [h.pk]}
    )
    response = staff_client.post(
        "/admin/http_hooks/callback/",
        {"action": "retry_now", "_selected_action": [failed.pk]},
        follow=True,
    )
    failed.refresh_from_db()
    assert failed.status == "error"
    assert "0 callback(s) queued for delivery (1 skipped" in response.content.decode()


def test_admin_send_test_event_queues_a_callback(staff_client, django_capture_on_commit_callbacks):
    h = hook(payload_template='{"event": "{{ event_type }}", "id": {{ instance.id }}}')
    with (
        platform_module("airlock", "testing").recorded_effects() as effects,
        django_capture_on_commit_callbacks(execute=True),
    ):
        staff_client.post(
            "/admin/http_hooks/hook/", {"action": "send_test_event", "_selected_action": [h.pk]}
        )
    callback = Callback.objects.get(event_type="test")
    assert json.loads(callback.payload)["event"] == "test"
    assert len(effects) == 1
