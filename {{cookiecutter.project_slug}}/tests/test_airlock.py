"""Airlock (platform/airlock): scopes, nesting, policies, the middleware and commands."""

import asyncio
import threading
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand
from django.http import HttpResponse
from django.test import AsyncClient, override_settings

from . import urls
from .conftest import PRODUCTION_ENV, platform_module, run_python

pytestmark = pytest.mark.airlock

airlock = platform_module("airlock")
conf = platform_module("airlock", "conf")


@pytest.fixture
def ran():
    """Record what tasks ran, and run them plainly (the bare Scope's executor)."""
    calls = []

    def task(*args, **kwargs):
        calls.append((args, kwargs))

    task.calls = calls
    return task


@pytest.fixture(autouse=True)
def _forget_effects():
    urls.effects.clear()


# --- Scopes -----------------------------------------------------------------


def test_effects_run_only_when_the_scope_succeeds(ran):
    with airlock.scope(_cls=airlock.Scope):
        airlock.enqueue(ran, 1, x=2)
        assert ran.calls == []
    assert ran.calls == [((1,), {"x": 2})]
    with pytest.raises(ZeroDivisionError), airlock.scope(_cls=airlock.Scope):
        airlock.enqueue(ran, 3)
        1 / 0  # noqa: B018
    assert ran.calls == [((1,), {"x": 2})]


def test_enqueue_without_a_scope_says_how_to_open_one(ran):
    with pytest.raises(airlock.NoScopeError, match=r"Wrap the code in `with airlock\.scope"):
        airlock.enqueue(ran)


def test_scope_lifecycle_errors(ran):
    s = airlock.Scope()
    s.enter()
    with pytest.raises(airlock.ScopeStateError):
        s.enter()
    with pytest.raises(airlock.ScopeStateError):
        s.flush()  # still active
    s.exit()
    s.flush()
    with pytest.raises(airlock.ScopeStateError):
        s.flush()
    with pytest.raises(airlock.ScopeStateError):
        s._add(airlock.Intent(ran))


def test_a_scope_discarded_while_active_is_no_longer_current(ran):
    with airlock.scope(_cls=airlock.Scope) as outer:
        with airlock.scope(_cls=airlock.Scope) as inner:
            airlock.enqueue(ran, "dropped")
            inner.discard()
            assert airlock.get_current_scope() is outer
            airlock.enqueue(ran, "kept")  # goes to the enclosing scope
        assert airlock.get_current_scope() is outer
    assert ran.calls == [(("kept",), {})]
    with airlock.scope(_cls=airlock.Scope) as alone:
        alone.discard()
        assert airlock.get_current_scope() is None
        with pytest.raises(airlock.NoScopeError):
            airlock.enqueue(ran, "nowhere")
    assert airlock.get_current_scope() is None


def test_a_view_that_discards_its_scope_leaves_no_scope_behind(rf):
    def view(request):
        request.airlock_scope.discard()
        return HttpResponse("discarded")

    middleware = airlock.AirlockMiddleware(view)
    for _ in range(3):
        assert middleware(rf.get("/")).status_code == 200
        assert airlock.get_current_scope() is None


def test_the_upstream_surface_configuration_executor_and_a_none_executor(settings):
    config = airlock.get_configuration()
    assert set(config) == {"scope_cls", "policy", "executor", "scope_kwargs"}
    config["executor"] = "changed"  # a copy: changing it changes nothing
    assert airlock.get_configuration()["executor"] != "changed"
    assert "Executor" in airlock.__all__
    settings.AIRLOCK = {"EXECUTOR": None}  # upstream's way of saying "the sync executor"
    conf.validate()
    assert conf.get_executor() is platform_module("airlock", "executors.sync").sync_executor


def test_scoped_decorates_sync_and_async_functions(ran):
    @airlock.scoped(_cls=airlock.Scope)
    def work():
        airlock.enqueue(ran, "sync")

    @airlock.scoped(_cls=airlock.Scope)
    async def async_work():
        airlock.enqueue(ran, "async")

    work()
    asyncio.run(async_work())
    assert ran.calls == [(("sync",), {}), (("async",), {})]


def test_intent_names_and_rendering(ran):
    class CeleryLike:
        name = "orders.tasks.send_mail"

        def __call__(self):
            pass

    assert airlock.Intent(CeleryLike()).name == "send_mail"
    assert airlock.Intent(ran, (1,), {"a": "b"}).name == "task"
    assert str(airlock.Intent(ran, (1,), {"a": "b"})) == "task(1, a='b')"
    assert airlock.Intent(ran, _explicit_name="custom").name == "custom"
    with pytest.raises(TypeError):
        hash(airlock.Intent(ran))


# --- Nesting ----------------------------------------------------------------


def test_inner_effects_wait_for_the_outermost_scope(ran):
    with airlock.scope(_cls=airlock.Scope) as outer:
        with airlock.scope(_cls=airlock.Scope):
            airlock.enqueue(ran, "inner")
        assert ran.calls == []
        assert [i.args for i in outer.captured_intents] == [("inner",)]
    assert ran.calls == [(("inner",), {})]


def test_an_inner_failure_discards_only_its_own_effects(ran):
    with airlock.scope(_cls=airlock.Scope):
        airlock.enqueue(ran, "outer")
        with pytest.raises(KeyError), airlock.scope(_cls=airlock.Scope):
            airlock.enqueue(ran, "inner")
            raise KeyError("x")
    assert ran.calls == [(("outer",), {})]


def test_an_inner_restrictive_policy_applies_even_when_captured(ran):
    with airlock.scope(_cls=airlock.Scope):
        with airlock.scope(airlock.DropAll(), _cls=airlock.Scope):
            airlock.enqueue(ran, "dropped by the inner policy")
        airlock.enqueue(ran, "kept")
    assert ran.calls == [(("kept",), {})]


def test_before_descendant_flushes_can_let_inner_effects_through(ran):
    class PassThrough(airlock.Scope):
        def before_descendant_flushes(self, exiting_scope, intents):
            return list(intents)

    with airlock.scope(_cls=PassThrough):
        with airlock.scope(_cls=airlock.Scope):
            airlock.enqueue(ran, "inner")
        assert ran.calls == [(("inner",), {})]


# --- Policies ---------------------------------------------------------------


def test_policies(ran, caplog):
    with airlock.scope(airlock.DropAll(), _cls=airlock.Scope) as dropped:
        airlock.enqueue(ran, 1)
    assert ran.calls == [] and dropped.is_flushed

    strict = airlock.scope(airlock.AssertNoEffects(), _cls=airlock.Scope)
    with pytest.raises(airlock.PolicyViolation, match="Unexpected side effect: task"), strict:
        airlock.enqueue(ran)

    blocked = airlock.BlockTasks({"task"})
    with airlock.scope(blocked, _cls=airlock.Scope):
        airlock.enqueue(ran, "blocked")
    assert ran.calls == []

    refusing = airlock.scope(
        airlock.BlockTasks({"task"}, raise_on_enqueue=True), _cls=airlock.Scope
    )
    with pytest.raises(airlock.PolicyViolation), refusing:
        airlock.enqueue(ran)

    logging_scope = airlock.scope(airlock.LogOnFlush(), _cls=airlock.Scope)
    with caplog.at_level("INFO", logger="airlock"), logging_scope:
        airlock.enqueue(ran, "logged")
    assert "Dispatching task('logged')" in caplog.text
    assert ran.calls == [(("logged",), {})]


def test_a_local_policy_filters_only_its_block(ran):
    with airlock.scope(_cls=airlock.Scope):
        with airlock.policy(airlock.DropAll()):
            airlock.enqueue(ran, "quiet")
        airlock.enqueue(ran, "loud")
    assert ran.calls == [(("loud",), {})]


def test_enqueue_inside_a_policy_is_refused(ran):
    class Sneaky(airlock.AllowAll):
        def on_enqueue(self, intent):
            airlock.enqueue(ran)

    with pytest.raises(airlock.PolicyEnqueueError), airlock.scope(Sneaky(), _cls=airlock.Scope):
        airlock.enqueue(ran)


# --- Isolation --------------------------------------------------------------


def test_scopes_are_isolated_per_thread(ran):
    seen = {}

    def other_thread():
        seen["scope"] = airlock.get_current_scope()

    with airlock.scope(_cls=airlock.Scope) as mine:
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert airlock.get_current_scope() is mine
    assert seen["scope"] is None


def test_scopes_are_isolated_per_asyncio_task(ran):
    async def one(label):
        with airlock.scope(_cls=airlock.Scope) as s:
            await asyncio.sleep(0.001)
            airlock.enqueue(ran, label)
            await asyncio.sleep(0.001)
            return [i.args for i in s.intents]

    async def many():
        return await asyncio.gather(*(one(n) for n in range(20)))

    assert asyncio.run(many()) == [[(n,)] for n in range(20)]


# --- Middleware -------------------------------------------------------------


@pytest.mark.urls("tests.urls")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("status", "runs"),
    [(200, True), (201, True), (302, True), (400, False), (404, False), (500, False)],
)
def test_middleware_flushes_on_success_and_discards_on_errors(client, status, runs):
    value = uuid.uuid4().hex
    client.get(f"/effects/status/{status}/", headers={"Correlation-ID": value})
    assert urls.effects == ([(f"status {status}", value)] if runs else [])


@pytest.mark.urls("tests.urls")
@pytest.mark.django_db(transaction=True)
def test_an_exception_discards_the_effects():
    from django.test import Client

    response = Client(raise_request_exception=False).get("/effects/raise/")
    assert response.status_code == 500
    assert urls.effects == []


@pytest.mark.urls("tests.urls")
@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_drops_its_effects(client):
    client.get("/effects/rollback/")
    assert [label for label, _ in urls.effects] == ["after rollback"]


@pytest.mark.django_db(transaction=True)
def test_effects_released_inside_a_transaction_wait_for_its_commit():
    from django.db import transaction

    with transaction.atomic():
        with airlock.scope():
            airlock.enqueue(urls.record_effect, "committed")
        assert urls.effects == []
    assert [label for label, _ in urls.effects] == ["committed"]
    urls.effects.clear()
    with pytest.raises(ValueError), transaction.atomic():
        with airlock.scope():
            airlock.enqueue(urls.record_effect, "rolled back after release")
        raise ValueError("undo")
    assert urls.effects == []


@pytest.mark.urls("tests.urls")
@pytest.mark.django_db(transaction=True)
def test_one_failing_effect_does_not_stop_the_others(client, caplog):
    value = uuid.uuid4().hex
    response = client.get("/effects/one-fails/", headers={"Correlation-ID": value})
    assert response.status_code == 201
    assert urls.effects == [("first", value), ("third", value)]
    [failure] = [r for r in caplog.records if "failing_effect() failed" in r.getMessage()]
    assert "mail server down" in failure.exc_text


@pytest.mark.urls("tests.urls")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("status", "runs"), [(200, True), (503, False)])
def test_async_stack(status, runs):
    async def call():
        return await AsyncClient().get(f"/effects/async/?status={status}")

    assert asyncio.run(call()).status_code == status
    assert [label for label, _ in urls.effects] == (["async"] if runs else [])


@pytest.mark.urls("tests.urls")
@pytest.mark.django_db(transaction=True)
def test_a_base_exception_discards_and_leaves_no_scope_open(rf):
    middleware_module = platform_module("airlock", "middleware")

    def view(request):
        airlock.enqueue(urls.record_effect, "timeout")
        raise SystemExit("worker timeout")

    middleware = middleware_module.AirlockMiddleware(view)
    with pytest.raises(SystemExit):
        middleware(rf.get("/"))
    assert urls.effects == []
    assert airlock.get_current_scope() is None


# --- Commands ---------------------------------------------------------------


class ExampleCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--fail", action="store_true")

    @airlock.airlock_command
    def handle(self, *args, **options):
        airlock.enqueue(urls.record_effect, "from the command")
        if options["fail"]:
            raise RuntimeError("command failed")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("arguments", "runs"), [([], True), (["--dry-run"], False), (["--fail"], False)]
)
def test_airlock_command(arguments, runs):
    from django.core.management import call_command

    command = ExampleCommand()
    if "--fail" in arguments:
        with pytest.raises(RuntimeError):
            call_command(command, *arguments)
    else:
        call_command(command, *arguments)
    assert bool(urls.effects) is runs


# --- Settings ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"EXECUTR": "x"}, "AIRLOCK has unknown keys ['EXECUTR']"),
        ({"EXECUTOR": "nowhere.executor"}, "AIRLOCK['EXECUTOR']: cannot import"),
        ({"POLICY": "tests.urls.effects"}, "AIRLOCK['POLICY'] must name a policy"),
        ({"SCOPE": "tests.urls.Intent"}, "AIRLOCK['SCOPE']: cannot import"),
        ({"SCOPE_KWARGS": []}, "AIRLOCK['SCOPE_KWARGS'] must be a dict"),
        ({"DURABLE": "yes"}, "AIRLOCK['DURABLE'] must be True or False"),
        ({"RELAY_AFTER": 0}, "AIRLOCK['RELAY_AFTER'] must be a number of seconds above 0"),
        ({"BACKLOG_WARNING": "5m"}, "AIRLOCK['BACKLOG_WARNING'] must be a number of seconds"),
    ],
)
def test_each_settings_mistake_names_the_key(value, message):
    with override_settings(AIRLOCK=value), pytest.raises(ImproperlyConfigured) as error:
        conf.validate()
    assert message in str(error.value)


def test_the_scope_setting_is_honoured(settings):
    class Custom(airlock.DjangoScope):
        pass

    settings.AIRLOCK = {"SCOPE": Custom}
    assert conf.get_scope_class() is Custom


def test_a_bad_setting_stops_startup():
    code = "import django\nfrom django.conf import settings\ndjango.setup()\n"
    result = run_python(
        code, {**PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "tests.settings_bad_airlock"}
    )
    assert result.returncode != 0
    assert "AIRLOCK has unknown keys" in result.stderr


@pytest.mark.django_db
def test_recorded_effects_are_kept_and_never_run(django_capture_on_commit_callbacks):
    testing = platform_module("airlock", "testing")
    with testing.recorded_effects() as effects, django_capture_on_commit_callbacks(execute=True):
        with airlock.scope():
            airlock.enqueue(urls.record_effect, "recorded")
        with pytest.raises(ZeroDivisionError), airlock.scope():
            airlock.enqueue(urls.record_effect, "discarded")
            1 / 0  # noqa: B018
    assert effects.names == ["record_effect"]
    assert effects[0].args == ("recorded",)
    assert urls.effects == []
