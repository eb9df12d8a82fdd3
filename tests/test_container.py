"""Every queue's image, built from the bake's own Dockerfile and run as production runs it.

For the default bake and one bake per task queue (seven images): build the
image (version.json from build args), then run ``migrate``, ``web``, the
queue's ``worker`` and, for Celery, ``beat`` as containers against PostgreSQL
and Redis on 127.0.0.1, each with a read-only root filesystem (a tmpfs at /tmp
only) and the image's own user. Through the web container: the Dockerflow
endpoints, the admin login page and a static file, and an order whose
confirmation runs in the worker container under the request's correlation id.
Then the image's HEALTHCHECK and every compose health check exit 0 inside the
running containers, nothing was written to a container's root filesystem, and
the web container's output is mozlog JSON with one line per request.
"""

import re
import uuid

import pytest
import yaml

from . import bakery, containers
from .conftest import MATRIX

# bake -> its task queue. The default bake is a Celery one; Celery's own image is
# built from `custom-answers` (another name and slug, time zone, version), so the
# seven images differ and the image is proven for a project name other than the default.
BAKES = {
    "defaults": "celery",
    "custom-answers": "celery",
    "queue-sync": "sync",
    "queue-django-q": "django_q",
    "queue-huey": "huey",
    "queue-dramatiq": "dramatiq",
    "queue-django-tasks": "django_tasks",
}
# Which heartbeat check proves each backend (the broker only where the queue has one).
BACKEND_CHECKS = {
    "database": "check_database_connected",
    "migrations": "check_migrations_applied",
    "cache": "check_cache_connected",
    "broker": "check_broker_connected",
}
NO_BROKER_CHECK = {"sync", "django_tasks"}
# Each container test uses a Redis database of its own: queues never share tasks.
REDIS_DATABASES = {bake: 8 + index for index, bake in enumerate(BAKES)}


def compose_healthchecks(project):
    """service -> the command of its compose health check (after "CMD")."""
    services = yaml.safe_load((project / "compose.yaml").read_text())["services"]
    checks = {}
    for service, spec in services.items():
        test = spec.get("healthcheck", {}).get("test")
        if test and service not in {"db", "redis"}:
            assert test[0] == "CMD", f"{service}: exec form without a shell, like the image's"
            checks[service] = test[1:]
    return checks


@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", list(BAKES))
def test_the_image_runs_read_only_on_its_queue(name, base_image, tmp_path, record_property):
    queue = BAKES[name]
    project = bakery.bake(tmp_path, **MATRIX[name])
    tag = f"localhost/bake-{name}:{uuid.uuid4().hex[:8]}"
    seconds = containers.build_image(project, tag, containers.BUILD_ARGS)
    try:
        size = containers.image_size(tag)
        record_property("image", f"{name}: {size / 1e6:.0f} MB, built in {seconds:.0f} s")
        with bakery.temporary_postgres_database("image") as database_url:
            if name == "defaults":
                migrates_and_serves_without_redis(tag, database_url)
            run_the_service(project, queue, name, tag, database_url)
    finally:
        containers.remove_image(tag)


def service_env(database_url, port):
    return {
        "DJANGO_SECRET_KEY": "container-test-" + uuid.uuid4().hex + "-not-a-production-secret",
        "LOGUX_CONTROL_SECRET": "container-test-logux-secret-" + uuid.uuid4().hex,
        "DATABASE_URL": database_url,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # The mail is "sent" without output: stdout stays log lines only.
        "EMAIL_URL": "dummymail://",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "WORKER_CONCURRENCY": "1",
    }


def migrates_and_serves_without_redis(tag, database_url):
    """What failed on the first run: migrate wrote a file cache under the read-only /app."""
    port = bakery.free_port()
    with containers.containers(tag, service_env(database_url, port)) as group:
        group.run("migrate")
        group.start("web")
        base_url = f"http://127.0.0.1:{port}"
        bakery.wait_for_http(f"{base_url}/__lbheartbeat__", timeout=60)
        status, heartbeat = containers.Client(base_url).json("/__heartbeat__", proxied=False)
        assert status == 200, heartbeat
        assert "check_cache_connected" not in heartbeat["checks"]


def run_the_service(project, queue, name, tag, database_url):
    port = bakery.free_port()
    env = {
        **service_env(database_url, port),
        "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DATABASES[name]}",
    }
    with containers.containers(tag, env) as group:
        group.run("migrate")
        superuser = {f"DJANGO_SUPERUSER_{k.upper()}": v for k, v in containers.ADMIN.items()}
        superuser["DJANGO_SUPERUSER_EMAIL"] = "operator@example.org"
        group.run("manage", "createsuperuser", "--noinput", env=superuser)
        web = group.start("web")
        roles = {"web": web}
        if queue != "sync":
            roles["worker"] = group.start("worker")
        if queue == "celery":
            roles["beat"] = group.start("beat")
        base_url = f"http://127.0.0.1:{port}"
        bakery.wait_for_http(f"{base_url}/__lbheartbeat__", timeout=60)
        client = containers.Client(base_url)

        # Dockerflow: the load balancer's probe over plain HTTP, the heartbeat's checks.
        assert client.request("/__lbheartbeat__", proxied=False)[0] == 200
        status, heartbeat = client.json("/__heartbeat__", proxied=False)
        wanted = {"database", "migrations", "cache"}
        if queue not in NO_BROKER_CHECK:
            wanted.add("broker")
        assert status == 200, heartbeat
        assert {BACKEND_CHECKS[b] for b in wanted} <= set(heartbeat["checks"]), heartbeat
        assert set(heartbeat["checks"].values()) == {"ok"}, heartbeat
        status, version = client.json("/__version__")
        assert status == 200
        assert version == {
            key.removeprefix("VERSION_").lower(): v for key, v in containers.BUILD_ARGS.items()
        }
        # HTTPS redirect on: plain HTTP to anything else is sent to HTTPS.
        assert client.request("/admin/login/", proxied=False)[0] == 301

        # The admin login page and one of its (hashed, compressed) static files.
        status, _, page = client.request("/admin/login/")
        assert status == 200
        stylesheet = re.search(r'href="(/static/admin/css/[^"]+\.css)"', page).group(1)
        assert client.request(stylesheet)[0] == 200

        # An order through the web container; its confirmation runs in the worker.
        client.log_in(containers.ADMIN["username"], containers.ADMIN["password"])
        correlation_id = uuid.uuid4().hex
        reference = f"C-{name}"
        order = {"reference": reference, "customer_email": "buyer@example.org", "total": "12.50"}
        status, _, body = client.request(
            "/example/orders/", data=order, headers={"Correlation-ID": correlation_id}
        )
        assert status == 201, body[:2000]
        runner = roles.get("worker", web)
        group.wait_for_log(
            runner,
            lambda out: containers.effect_line(
                containers.log_records(queue, out), reference, correlation_id
            ),
        )

        # Health checks: the image's (web) and compose's, inside the running containers.
        healthcheck = containers.image_healthcheck(tag)
        assert healthcheck and healthcheck[0] == "CMD", healthcheck
        group.exec(web, *healthcheck[1:])
        containers.podman("healthcheck", "run", web)
        checks = compose_healthchecks(project)
        assert set(checks) == set(roles), checks
        for role, container in roles.items():
            group.exec(container, *checks[role], timeout=60)

        for role, container in roles.items():
            # The image's own user, and nothing written outside /tmp.
            assert group.exec(container, "id", "-u").stdout.strip() == "10001", role
            written = group.exec(container, "sh", "-c", "touch /app/probe", check=False)
            assert written.returncode != 0 and "Read-only file system" in written.stderr, role
            diff = containers.podman("diff", container).stdout.splitlines()
            changed = [line.split(None, 1)[-1] for line in diff if line.strip()]
            assert not [p for p in changed if p.startswith(("/app", "/opt"))], (role, changed)

        # Production output: JSON only (the workers' too), one line per request
        # (gunicorn's own lines included).
        for role, container in roles.items():
            assert containers.log_records(queue, "\n".join(group.logs(container))), role
        records = bakery.mozlog_records("\n".join(group.logs(web)))  # stdout and stderr
        assert "gunicorn.error" in {record["Type"] for record in records}
        [line] = bakery.request_lines(records, correlation_id)
        assert (line["Type"], line["Fields"]["code"]) == ("request.summary", 201)
