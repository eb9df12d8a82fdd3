"""The Kubernetes manifests: schema-valid and hardened for every queue, and run with podman.

Every executor's bake (and one without Logux or HTTP hooks) has each manifest
validated against the Kubernetes API schema of a current release
(kubernetes-validate, strict: no unknown fields) and checked for the hardening
rules every pod must follow. The default bake's manifests then run with
``podman kube play`` on its built image, patched only where the test machine
differs from a cluster (see ``for_this_machine``): the migrate Job completes,
web answers its probes and serves the admin, an order's side effect runs in the
worker pod under the request's correlation id, and ``podman kube down`` stops
it all. Services, the PodDisruptionBudget, the HorizontalPodAutoscalers and
the CronJob have no podman equivalent: they are only validated.
"""

import copy
import re
import uuid

import kubernetes_validate
import pytest
import yaml

from . import bakery, containers, options

KUBERNETES_VERSION = kubernetes_validate.latest_version()
BAKES = {  # bake -> answers
    "celery": {},
    "sync": {"task_executor": "sync"},
    "django_q": {"task_executor": "django_q"},
    "huey": {"task_executor": "huey"},
    "dramatiq": {"task_executor": "dramatiq"},
    "django_tasks": {"task_executor": "django_tasks"},
    "huey-lean": {"task_executor": "huey", "use_logux": False, "use_http_hooks": False},
    "celery-lean": {"use_logux": False, "use_http_hooks": False, "project_slug": "od_"},
    # The longest slug the hook accepts: every name must still fit (the CronJob's too).
    "django-q-long": {
        "task_executor": "django_q",
        "project_slug": "a" * 9 + "_long_package_name_for_limits_x",
    },
}
# A DNS-1123 label: what Services need, and what every other name here follows.
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
# Kubernetes appends 11 characters to a CronJob's name for its Jobs.
LONGEST_NAME = {"CronJob": 52}
WORKLOADS = {"Deployment", "Job", "CronJob"}
# Pods that finish their work on SIGTERM: the grace period leaves them this long.
SHUTDOWN_SECONDS = {"worker": 50, "scheduler": 50}


def manifests(project):
    """file name -> its YAML documents (the Secret template included)."""
    folder = project / "deploy/kubernetes"
    return {
        path.name: [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
        for path in sorted(folder.glob("*.yaml"))
    }


def resources(project):
    """The documents kustomization.yaml applies, in its order."""
    files = manifests(project)
    [kustomization] = files["kustomization.yaml"]
    return [doc for name in kustomization["resources"] for doc in files[name]]


def pod_spec(doc):
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def component(doc):
    return doc["metadata"]["labels"]["app.kubernetes.io/component"]


@pytest.mark.parametrize("name", list(BAKES))
def test_manifests_are_valid_and_hardened(name, tmp_path):
    project = bakery.bake(tmp_path, **BAKES[name])
    answers = options.full(BAKES[name])
    files = manifests(project)
    for docs in files.values():
        for doc in docs:
            if doc["kind"] == "Kustomization":
                continue
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
            resource = doc["metadata"]["name"]
            assert DNS_LABEL.fullmatch(resource), resource
            assert len(resource) <= LONGEST_NAME.get(doc["kind"], 63), resource
    [kustomization] = files["kustomization.yaml"]
    # Everything but the Secret template and the kustomization itself is applied.
    assert set(kustomization["resources"]) == set(files) - {
        "kustomization.yaml",
        "secret.template.yaml",
    }
    applied = resources(project)
    by_kind = {}
    for doc in applied:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    config = next(iter(by_kind["ConfigMap"].values()))["data"]
    [secret] = files["secret.template.yaml"]
    assert set(secret["stringData"].values()) == {""}, "the template carries no value"

    workloads = [doc for doc in applied if doc["kind"] in WORKLOADS]
    components = {component(doc) for doc in workloads}
    queue = answers["task_executor"]
    expected = {"web", "migrate"}
    expected |= {"worker"} if queue != "sync" else set()
    expected |= {"beat"} if queue == "celery" else set()
    expected |= {"scheduler"} if queue == "huey" else set()
    expected |= {"callbacks"} if answers["use_http_hooks"] and queue != "celery" else set()
    expected |= {"relay"} if queue in {"dramatiq", "django_tasks"} else set()
    expected |= {"logux"} if answers["use_logux"] else set()
    assert components == expected

    images = {entry["name"] for entry in kustomization["images"]}
    for doc in workloads:
        hardened(doc, config, secret["stringData"], images)

    web = by_kind["Deployment"][f"{project_name(project)}-web"]
    assert web["spec"]["replicas"] == 2
    assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    [container] = pod_spec(web)["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/__lbheartbeat__"
    assert container["startupProbe"]["httpGet"]["path"] == "/__lbheartbeat__"
    assert container["readinessProbe"]["httpGet"]["path"] == "/__heartbeat__"
    # Above DOCKERFLOW_CHECK_TIMEOUT (3 s): a hanging check is reported, not timed out.
    assert container["readinessProbe"]["timeoutSeconds"] > 3
    for singleton in ("beat", "scheduler", "logux"):
        for doc in workloads:
            if component(doc) == singleton:
                assert doc["spec"]["replicas"] == 1, singleton
                assert doc["spec"]["strategy"]["type"] == "Recreate", singleton

    # Services, the budget and the autoscalers point at workloads that exist.
    deployments = by_kind["Deployment"]
    for service in by_kind["Service"].values():
        selector = service["spec"]["selector"]
        assert any(selector.items() <= pod_labels(doc).items() for doc in deployments.values()), (
            service["metadata"]["name"]
        )
    [budget] = by_kind["PodDisruptionBudget"].values()
    assert budget["spec"]["selector"]["matchLabels"].items() <= pod_labels(web).items()
    scaled = {
        hpa["spec"]["scaleTargetRef"]["name"] for hpa in by_kind["HorizontalPodAutoscaler"].values()
    }
    assert scaled == {
        name for name, doc in deployments.items() if component(doc) in {"web", "worker"}
    }


def project_name(project):
    [kustomization] = manifests(project)["kustomization.yaml"]
    return kustomization["labels"][0]["pairs"]["app.kubernetes.io/part-of"]


def pod_labels(doc):
    return doc["spec"]["template"]["metadata"]["labels"]


def hardened(doc, config, secret_keys, images):
    """The rules every pod of the service follows (docs/deployment.md, Kubernetes)."""
    name = doc["metadata"]["name"]
    spec = pod_spec(doc)
    assert spec["automountServiceAccountToken"] is False, name
    security = spec["securityContext"]
    assert security["runAsNonRoot"] is True, name
    assert (security["runAsUser"], security["runAsGroup"]) == (10001, 10001), name
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}, name
    volumes = {volume["name"]: volume for volume in spec["volumes"]}
    for container in spec["containers"]:
        assert container["image"] in images, (name, container["image"])
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False, name
        assert context["readOnlyRootFilesystem"] is True, name
        assert context["capabilities"] == {"drop": ["ALL"]}, name
        resources = container["resources"]
        for bound in ("requests", "limits"):
            assert set(resources[bound]) == {"cpu", "memory"}, (name, bound)
        [tmp] = [mount for mount in container["volumeMounts"] if mount["mountPath"] == "/tmp"]
        assert "emptyDir" in volumes[tmp["name"]], name
        for source in container.get("envFrom", []):
            if "secretRef" in source:
                assert source["secretRef"]["name"].endswith("-secrets"), name
        for variable in container.get("env", []):
            reference = variable.get("valueFrom", {}).get("secretKeyRef")
            if reference:
                assert reference["key"] in secret_keys, (name, reference)
    grace = spec["terminationGracePeriodSeconds"]
    if component(doc) == "web":
        # preStop's pause plus gunicorn's graceful timeout fit in the grace period.
        [container] = spec["containers"]
        pause = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
        assert grace > pause + int(config["GUNICORN_GRACEFUL_TIMEOUT"]), name
    assert grace > SHUTDOWN_SECONDS.get(component(doc), 0), name


# --- podman kube play ------------------------------------------------------------


def for_this_machine(docs, images, env, ports):
    """The manifests as this machine can run them, changed only where it must be.

    - the image: the one just built; host networking (the pods reach PostgreSQL
      and Redis on 127.0.0.1, the test reaches gunicorn on a free port), so no
      container ports, numeric probe ports and one replica;
    - the Secret becomes a ConfigMap with the test's values (podman 4.3 reads a
      Secret's envFrom from its own secret store), and the ConfigMap gets
      HOST, PORT and the allowed host of the test;
    - the Job becomes a Pod that never restarts (podman 4.3 plays Pods and
      Deployments only);
    - the Logux server calls back gunicorn on 127.0.0.1 (no Service names to
      resolve) and takes add() from there (its control mask), and listens on a
      free port of 127.0.0.1;
    - Services, the budget, the autoscalers and the CronJob are left out.
    """
    port, logux_port = ports["web"], ports["logux"]
    played = []
    for doc in copy.deepcopy(docs):
        kind = doc["kind"]
        if kind == "ConfigMap":
            doc["data"].update(
                {"HOST": "127.0.0.1", "PORT": str(port), "DJANGO_ALLOWED_HOSTS": "127.0.0.1"}
            )
            if "LOGUX_URL" in doc["data"]:
                doc["data"]["LOGUX_URL"] = f"http://127.0.0.1:{logux_port}/"
        elif kind in {"Deployment", "Job"}:
            role = component(doc)
            spec = pod_spec(doc)
            spec["hostNetwork"] = True
            for container in spec["containers"]:
                container["image"] = images["logux" if role == "logux" else "web"]
                container.pop("ports", None)
                for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                    if "httpGet" in container.get(probe, {}):
                        container[probe]["httpGet"]["port"] = (
                            logux_port if role == "logux" else port
                        )
                for source in container.get("envFrom", []):
                    if "secretRef" in source:
                        source["configMapRef"] = source.pop("secretRef")
                for variable in container.get("env", []):
                    reference = variable.get("valueFrom", {})
                    if "secretKeyRef" in reference:
                        reference["configMapKeyRef"] = reference.pop("secretKeyRef")
                    variable["value"] = {
                        "LOGUX_BACKEND": f"http://127.0.0.1:{port}/logux/",
                        "LOGUX_CONTROL_MASK": "127.0.0.1/8",
                    }.get(variable["name"], variable.get("value"))
                    if variable["value"] is None:
                        del variable["value"]
                if role == "logux":
                    container["env"] += [
                        {"name": "LOGUX_HOST", "value": "127.0.0.1"},
                        {"name": "LOGUX_PORT", "value": str(logux_port)},
                    ]
            if kind == "Deployment":
                doc["spec"]["replicas"] = 1
            else:
                doc = {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": doc["metadata"],
                    "spec": {**spec, "restartPolicy": "Never"},
                }
        else:
            continue
        played.append(doc)
    secret_name = next(d for d in docs if d["kind"] == "ConfigMap")["metadata"]["name"]
    secret_name = secret_name.removesuffix("-config") + "-secrets"
    played.insert(
        0, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": secret_name}, "data": env}
    )
    return played


def play(path):
    return containers.podman("kube", "play", "--quiet", path, timeout=300)


def container_of(pod, role):
    """podman names a played pod's containers <pod>-<container>."""
    return f"{pod}-{role}"


@pytest.mark.timeout(900)
def test_the_default_manifests_run_with_podman_kube_play(base_image, tmp_path, record_property):
    project = bakery.bake(tmp_path)
    name = project_name(project)
    suffix = uuid.uuid4().hex[:8]
    images = {"web": f"localhost/kube-{suffix}:latest", "logux": f"localhost/kube-logux-{suffix}"}
    seconds = containers.build_image(project, images["web"], containers.BUILD_ARGS)
    containers.ensure_node_image()
    logux_seconds = containers.build_image(project / "deploy/logux", images["logux"])
    size = containers.image_size(images["logux"])
    record_property("image", f"kube-play (defaults): built in {seconds:.0f} s")
    record_property("image", f"logux server: {size / 1e6:.0f} MB, built in {logux_seconds:.0f} s")
    ports = {"web": bakery.free_port(), "logux": bakery.free_port()}
    files = []
    try:
        with bakery.temporary_postgres_database("kube") as database_url:
            env = {
                "DJANGO_SECRET_KEY": "kube-test-" + uuid.uuid4().hex + "-not-a-production-secret",
                "DATABASE_URL": database_url,
                "REDIS_URL": "redis://127.0.0.1:6379/15",
                "LOGUX_CONTROL_SECRET": "kube-test-logux-secret-" + uuid.uuid4().hex,
                "EMAIL_URL": "dummymail://",
            }
            docs = for_this_machine(resources(project), images, env, ports)
            configs = [doc for doc in docs if doc["kind"] == "ConfigMap"]
            migrate = [doc for doc in docs if doc["kind"] == "Pod"]
            services = [doc for doc in docs if doc["kind"] == "Deployment"]
            files = [write(tmp_path / "migrate.yaml", configs + migrate)]
            files.append(write(tmp_path / "services.yaml", configs + services))
            run_and_check(name, project.name, files, ports)
    finally:
        for path in reversed(files):
            containers.podman("kube", "down", path, check=False, timeout=120)
        for image in images.values():
            containers.remove_image(image)


def write(path, docs):
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return path


def run_and_check(name, package, files, ports):
    port = ports["web"]
    migrate_file, services_file = files
    # The migrate Job's pod runs to completion first.
    play(migrate_file)
    migrate = container_of(f"{name}-migrate", "migrate")
    state = wait_until_exited(migrate)
    result = containers.podman("logs", migrate, check=False)
    logs = result.stdout + result.stderr
    assert state == 0, f"migrate exited {state}\n{logs[-4000:]}"

    play(services_file)
    web = container_of(f"{name}-web-pod-0", "web")
    worker = container_of(f"{name}-worker-pod-0", "worker")
    beat = container_of(f"{name}-beat-pod-0", "beat")
    base_url = f"http://127.0.0.1:{port}"
    bakery.wait_for_http(f"{base_url}/__lbheartbeat__", timeout=90)
    client = containers.Client(base_url)
    # What the probes ask, over plain HTTP as the kubelet does.
    assert client.request("/__lbheartbeat__", proxied=False)[0] == 200
    status, heartbeat = client.json("/__heartbeat__", proxied=False)
    assert status == 200 and set(heartbeat["checks"].values()) == {"ok"}, heartbeat
    status, version = client.json("/__version__")
    assert version["commit"] == containers.BUILD_ARGS["VERSION_COMMIT"], version
    # The ConfigMap's proxy header setting: HTTPS via X-Forwarded-Proto, redirect otherwise.
    assert client.request("/admin/login/", proxied=False)[0] == 301
    status, _, page = client.request("/admin/login/")
    assert status == 200 and 'name="csrfmiddlewaretoken"' in page

    superuser = {f"DJANGO_SUPERUSER_{k.upper()}": v for k, v in containers.ADMIN.items()}
    containers.podman(
        "exec",
        *containers.env_args({**superuser, "DJANGO_SUPERUSER_EMAIL": "ops@example.org"}),
        web,
        "python",
        "manage.py",
        "createsuperuser",
        "--noinput",
    )
    client.log_in(containers.ADMIN["username"], containers.ADMIN["password"])
    correlation_id = uuid.uuid4().hex
    order = {"reference": "K-1", "customer_email": "buyer@example.org", "total": "9.90"}
    status, _, body = client.request(
        "/example/orders/", data=order, headers={"Correlation-ID": correlation_id}
    )
    assert status == 201, body[:2000]
    wait_for_log(
        worker,
        lambda out: containers.effect_line(
            containers.log_records("celery", out), "K-1", correlation_id
        ),
    )
    # The Logux server answers its probe and takes an action from the web pod
    # (LOGUX_URL and the control secret both reached it).
    logux = container_of(f"{name}-logux-pod-0", "logux")
    bakery.wait_for_http(f"http://127.0.0.1:{ports['logux']}/health", timeout=60)
    added = containers.podman(
        "exec",
        web,
        "python",
        "manage.py",
        "shell",
        "-c",
        f"from {package}.platform.logux import add; add({{'type': 'kube/ping'}}); print('added')",
        check=False,
    )
    assert added.stdout.strip().endswith("added"), added.stdout + added.stderr
    for container in (web, worker, beat, logux):
        user = containers.podman("exec", container, "id", "-u").stdout.strip()
        assert user == "10001", container
        written = containers.podman("exec", container, "touch", "/probe", check=False)
        assert "Read-only file system" in written.stderr, container
    for container, role in ((worker, "worker"), (beat, "beat")):
        containers.podman("exec", container, "python", "/app/bin/healthcheck.py", role)

    containers.podman("kube", "down", services_file, timeout=120)
    containers.podman("kube", "down", migrate_file, timeout=120)
    left = containers.podman("ps", "--all", "--format", "{{.Names}}").stdout.split()
    assert not [c for c in left if c.startswith(f"{name}-")], left


def wait_until_exited(container, timeout=180.0):
    """The container's exit code once it has stopped."""
    state = {}

    def exited():
        result = containers.podman(
            "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", container, check=False
        )
        status, _, code = result.stdout.strip().partition(" ")
        state["code"] = int(code) if status == "exited" else None
        return state["code"] is not None

    containers.poll(exited, timeout, f"{container} to exit")
    return state["code"]


def wait_for_log(container, predicate, timeout=90.0):
    def found():
        result = containers.podman("logs", container, check=False)
        return predicate(result.stdout + "\n" + result.stderr)

    containers.poll(found, timeout, f"the line in {container}'s log")
