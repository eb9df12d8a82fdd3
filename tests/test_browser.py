"""The admin in a real browser: a hook added through its form delivers a real callback.

Debian's Chromium (installed by .ci/run), driven by Playwright, against the
sync-queue bake served by gunicorn on PostgreSQL: log in, add a hook on the
example Order through the admin form (its model select, the signals'
two-box widget, the target URL), change an order in the admin, and see the
signed request arrive at a real receiver on 127.0.0.1, then the callback
marked sent in the admin.
"""

import importlib.util
import json
import os
import shutil

import pytest
from standardwebhooks import Webhook

from . import bakery
from .conftest import require_service

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "browser-test-passphrase-7f3a"


def chromium_path():
    path = shutil.which("chromium") or (CHROMIUM if os.path.exists(CHROMIUM) else None)
    if path is None:
        require_service("Chromium (Debian package chromium)", "no chromium on PATH")
    return path


def load_receiver(project):
    """The generated project's own test receiver (stdlib only), so both suites share it."""
    spec = importlib.util.spec_from_file_location(
        "baked_webhook_receiver", project / "tests" / "webhook_receiver.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.WebhookReceiver


@pytest.mark.xdist_group("queue-sync")
def test_a_hook_added_in_the_admin_delivers_an_order_change(baked, postgres_database):
    from playwright.sync_api import expect, sync_playwright

    executable = chromium_path()
    bake = baked("queue-sync")
    env = bakery.clean_env(
        **bakery.PRODUCTION_ENV,
        DATABASE_URL=postgres_database,
        DJANGO_HTTP_HOOKS_ALLOWED_NETWORKS="127.0.0.1/32",
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
    )
    bakery.migrate_and_collectstatic(bake.path, bake.venv, env)
    bake.manage(
        "createsuperuser", "--noinput", "--username", "root", "--email", "r@x.example", env=env
    )
    bake.manage("demo_data", "--receiver-url", "https://receiver.example/orders/", env=env)
    bake.manage(  # the demo hook is not the one under test: only ours may send
        "shell",
        "-c",
        "from django.apps import apps; apps.get_model('http_hooks.Hook').objects.all().delete()",
        env=env,
    )
    content_type = bake.manage(
        "shell",
        "-c",
        "from django.contrib.contenttypes.models import ContentType; "
        "print(ContentType.objects.get(app_label='example', model='order').pk)",
        env=env,
    ).stdout.split()[-1]

    WebhookReceiver = load_receiver(bake.path)
    with (
        WebhookReceiver(default=202) as receiver,
        bakery.gunicorn(bake.path, bake.venv, env=env) as (base, server),
        sync_playwright() as playwright,
    ):
        bakery.wait_for_http(f"{base}/__lbheartbeat__", process=server)
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(30_000)

        page.goto(f"{base}/admin/login/?next=/admin/")
        page.fill("#id_username", "root")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        expect(page.locator("#site-name")).to_be_visible()

        page.goto(f"{base}/admin/http_hooks/hook/add/")
        page.fill("#id_name", "Orders to the receiver")
        page.select_option("#id_model", value=content_type)
        page.select_option("#id_signals_from", label="django.db.models.signals.post_save")
        page.click("#id_signals_add")
        page.fill("#id_target_url", receiver.url)
        page.fill(
            "#id_payload_template",
            '{"event": "{{ event_type }}", "reference": "{{ instance.reference }}", '
            '"status": "{{ instance.status }}"}',
        )
        page.click("input[name=_save]")
        expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")

        page.goto(f"{base}/admin/example/order/")
        page.click("text=DEMO-1")
        page.select_option("#id_status", value="cancelled")
        page.click("input[name=_save]")
        expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")

        (request,) = receiver.wait_for(1)
        secret = bake.manage(
            "shell",
            "-c",
            "from django.apps import apps; "
            "print(apps.get_model('http_hooks.Hook').objects.get().secret)",
            env=env,
        ).stdout.split()[-1]
        event = Webhook(secret).verify(request.body, request.headers)
        assert event == {"event": "updated", "reference": "DEMO-1", "status": "cancelled"}
        assert json.loads(request.body) == event

        page.goto(f"{base}/admin/http_hooks/callback/")
        row = page.locator("#result_list tbody tr").first
        expect(row.locator("td.field-status")).to_have_text("Sent")
        expect(row.locator("td.field-details")).to_have_text("status_code:202")
        # The whole list fits a 1280-pixel window beside the sidebar and the filters.
        widths = page.evaluate(
            "() => { const r = document.querySelector('.results');"
            " return [r.scrollWidth, r.clientWidth]; }"
        )
        assert widths[0] <= widths[1], widths
        browser.close()
