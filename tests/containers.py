"""Building and running a bake's image with podman, without Docker or a registry.

How this works on our machines is written up in ../shared/reference/containers.md
and docs/deployment.md: podman from Debian, builds with chroot isolation, runs
with runc and the cgroupfs manager, host networking (so containers reach
PostgreSQL and Redis on 127.0.0.1), and a stand-in for ``python:3.11-slim``
made from Debian bookworm (whose Python is 3.11) with mmdebstrap, tagged with
the official name so the project's Dockerfile is built unchanged.
"""

import contextlib
import fcntl
import functools
import json
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from . import bakery

BASE_IMAGE = "docker.io/library/python:3.11-slim"
STATE_DIR = bakery.CACHE_DIR / "containers"
# The machine's CA bundle: the package index is reached through a proxy of its own.
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
STAND_IN_PACKAGES = "python3,python3-venv,python-is-python3,ca-certificates"
# A read-only root filesystem with a tmpfs at /tmp only, as Kubernetes'
# readOnlyRootFilesystem with an emptyDir at /tmp.
READ_ONLY = ["--read-only", "--read-only-tmpfs=false", "--tmpfs", "/tmp"]


def podman_missing():
    """None when podman and its helpers are installed, else what is missing."""
    tools = ("podman", "runc", "mmdebstrap", "catatonit")  # catatonit: kube play's pause
    missing = [tool for tool in tools if not shutil.which(tool)]
    return ", ".join(missing) or None


def _conf():
    """podman must not raise rlimits or set a pids limit here (no CAP_SYS_RESOURCE)."""
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    conf = STATE_DIR / "containers.conf"
    conf.write_text("[containers]\ndefault_ulimits = []\npids_limit = 0\n")
    return conf


def podman(*args, timeout=300, check=True, input=None):
    """Run podman with this machine's settings; raise with its output on failure."""
    env = bakery.clean_env(CONTAINERS_CONF=str(_conf()))
    command = ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", *map(str, args)]
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=timeout, input=input, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout[-6000:]}\n--- stderr\n{result.stderr[-6000:]}"
        )
    return result


@contextlib.contextmanager
def _exclusive(name):
    """One holder at a time across the xdist workers (a file lock in STATE_DIR)."""
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    with open(STATE_DIR / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


# podman 4.3 builds share cached intermediate images: removing one image while
# another build runs can delete that build's working container ("identifier is
# not a container"). Builds and removals therefore take turns; the containers
# of other tests keep running meanwhile.
_image_store = functools.partial(_exclusive, "images")


def ensure_base_image():
    """Make the python:3.11-slim stand-in once per machine (about 25 s), safe across workers.

    Also drops the build stages that earlier runs left untagged, so repeated runs
    on one machine do not pile them up (recent ones stay: they are the layer cache).
    """
    with _exclusive("base"):
        with _image_store():
            podman("image", "prune", "--force", "--filter", "until=24h", check=False)
        if podman("image", "exists", BASE_IMAGE, check=False).returncode == 0:
            return
        build = STATE_DIR / "base"
        shutil.rmtree(build, ignore_errors=True)
        build.mkdir()
        rootfs = build / "rootfs.tar"
        bakery.run(
            [
                "mmdebstrap",
                "--quiet",
                "--variant=minbase",
                f"--include={STAND_IN_PACKAGES}",
                "bookworm",
                rootfs,
            ],
            cwd=build,
            timeout=600,
        )
        podman("import", "--quiet", rootfs, f"{BASE_IMAGE}-debian", timeout=600)
        shutil.copyfile(CA_BUNDLE, build / "ca-certificates.crt")
        (build / "Containerfile").write_text(
            f"FROM {BASE_IMAGE}-debian\n"
            "COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt\n"
            "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt"
            " SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt\n"
        )
        build_image(build, BASE_IMAGE)
        shutil.rmtree(build)


NODE_IMAGE = "docker.io/library/node:22-bookworm-slim"
# Found in the Debian minbase stand-in already: never copied over it.
BASE_LIBRARIES = ("libc.", "libm.", "libdl.", "libpthread.", "ld-linux", "libgcc_s.", "libstdc++.")


def ensure_node_image():
    """Make a stand-in for ``node:22-bookworm-slim`` once per machine (a few seconds).

    No registry is reachable, so the machine's own Node.js and npm (which .ci/run
    installs) are layered onto the python stand-in, with the shared libraries node
    links beyond the base's. Like the python stand-in it only has to run what the
    Logux server's Dockerfile asks of it: npm ci, groupadd, useradd, node.
    """
    ensure_base_image()
    with _exclusive("node"):
        if podman("image", "exists", NODE_IMAGE, check=False).returncode == 0:
            return
        node = Path(shutil.which("node") or "/usr/bin/node").resolve()
        npm = Path(shutil.which("npm") or "/usr/bin/npm").resolve()
        npm_root = next(p for p in npm.parents if p.name == "npm")
        build = STATE_DIR / "node"
        shutil.rmtree(build, ignore_errors=True)
        (build / "lib").mkdir(parents=True)
        shutil.copy2(node, build / "node")
        shutil.copytree(npm_root, build / "npm", symlinks=True)
        linked = subprocess.run(["ldd", node], capture_output=True, text=True, check=True).stdout
        for line in linked.splitlines():
            parts = line.split("=>")
            library = parts[-1].split("(")[0].strip() if len(parts) == 2 else ""
            if library and not Path(library).name.startswith(BASE_LIBRARIES):
                shutil.copy2(Path(library).resolve(), build / "lib" / Path(library).name)
        cli = npm.relative_to(npm_root)
        (build / "Containerfile").write_text(
            f"FROM {BASE_IMAGE}\n"
            "COPY node /usr/local/bin/node\n"
            "COPY npm /usr/local/lib/node_modules/npm\n"
            "COPY lib/ /usr/local/lib/node-libs/\n"
            f"RUN ln -s ../lib/node_modules/npm/{cli} /usr/local/bin/npm\n"
            "ENV LD_LIBRARY_PATH=/usr/local/lib/node-libs"
            " NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt"
            " npm_config_cafile=/etc/ssl/certs/ca-certificates.crt\n"
        )
        build_image(build, NODE_IMAGE)
        shutil.rmtree(build)


def build_image(context, tag, build_args=None):
    """``podman build`` of ``context``'s Dockerfile as it is; returns seconds taken."""
    args = [f"--build-arg={key}={value}" for key, value in (build_args or {}).items()]
    with _image_store():
        started = time.monotonic()
        podman(
            "build",
            "--quiet",
            "--pull=never",
            "--isolation",
            "chroot",
            "--network",
            "host",
            "--format",
            "docker",
            *args,
            "--tag",
            tag,
            context,
            timeout=900,
        )
        return time.monotonic() - started


def remove_image(tag):
    """Untag and delete ``tag`` (its containers are gone by then)."""
    with _image_store():
        podman("rmi", tag, check=False, timeout=120)


def image_size(tag):
    return int(podman("image", "inspect", "--format", "{{.Size}}", tag).stdout.strip())


def image_healthcheck(tag):
    """The image's HEALTHCHECK command, as the list Docker stores (``["CMD", ...]``)."""
    check = json.loads(podman("image", "inspect", "--format", "{{json .HealthCheck}}", tag).stdout)
    return (check or {}).get("Test")


def poll(predicate, timeout, what):
    """Call ``predicate`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.5)


def env_args(env):
    return [f"--env={key}={value}" for key, value in env.items()]


class Containers:
    """The containers of one test: started detached, removed at exit, logs kept."""

    def __init__(self, image, env):
        self.image = image
        self.env = env
        self.prefix = f"bake-{uuid.uuid4().hex[:8]}"
        self.names = []

    def run(self, *command, env=None, timeout=300):
        """Run a one-off container (e.g. ``migrate``) to completion; return the result."""
        args = ["run", "--rm", "--network", "host", *READ_ONLY]
        return podman(
            *args, *env_args({**self.env, **(env or {})}), self.image, *command, timeout=timeout
        )

    def start(self, role, *command, env=None):
        """Start ``role`` (the entry point's web, worker, beat, unless ``command`` says
        otherwise) detached; returns its container name."""
        command = command or (role,)
        name = f"{self.prefix}-{role}"
        podman(
            "run",
            "--detach",
            "--name",
            name,
            "--network",
            "host",
            *READ_ONLY,
            *env_args({**self.env, **(env or {})}),
            self.image,
            *command,
        )
        self.names.append(name)
        return name

    def running(self, name):
        state = podman("inspect", "--format", "{{.State.Running}}", name, check=False)
        return state.stdout.strip() == "true"

    def exec(self, name, *command, check=True, timeout=60):
        return podman("exec", name, *command, check=check, timeout=timeout)

    def logs(self, name):
        result = podman("logs", name, check=False)
        return result.stdout, result.stderr

    def wait_for_log(self, name, predicate, timeout=90.0):
        """Poll ``name``'s output (stdout, then stderr) until ``predicate(text)`` is true."""
        deadline = time.monotonic() + timeout
        while True:
            out, err = self.logs(name)
            if predicate(out + "\n" + err):
                return out + "\n" + err
            if not self.running(name):
                raise AssertionError(
                    f"{name} exited\n--- stdout\n{out[-4000:]}\n--- stderr\n{err[-4000:]}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"{name}: not in its log within {timeout} s\n{out[-4000:]}")
            time.sleep(0.3)

    def remove_all(self):
        for name in self.names:
            podman("rm", "--force", "--time", "5", name, check=False, timeout=60)


@contextlib.contextmanager
def containers(image, env):
    group = Containers(image, env)
    try:
        yield group
    finally:
        group.remove_all()


# --- what the tests of running images share ---------------------------------

BUILD_ARGS = {
    "VERSION_SOURCE": "https://git.example.org/service",
    "VERSION_VERSION": "3.1.4",
    "VERSION_COMMIT": "0123456789abcdef0123456789abcdef01234567",
    "VERSION_BUILD": "https://ci.example.org/builds/42",
}
ADMIN = {"username": "operator", "password": "container-test-Pa55word!"}


class Client:
    """Requests to the web container as a TLS-terminating proxy sends them: HTTPS
    announced by X-Forwarded-Proto, cookies kept by hand (they are Secure)."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.origin = "https://" + base_url.split("://", 1)[1]
        self.cookies = {}

    def request(self, path, data=None, headers=None, proxied=True):
        headers = {**(headers or {})}
        if proxied:
            headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data).encode()
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": self.origin,
                    "Referer": self.origin + path,
                    "X-CSRFToken": self.cookies.get("csrftoken", ""),
                }
            )
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers)
        opener = urllib.request.build_opener(NoRedirects)
        try:
            response = opener.open(request, timeout=15)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, response.headers, response.read().decode()

    def json(self, path, **kwargs):
        status, _, body = self.request(path, **kwargs)
        return status, json.loads(body)

    def log_in(self, username, password):
        status, _, page = self.request("/admin/login/")
        assert status == 200, page[:2000]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = {"username": username, "password": password, "csrfmiddlewaretoken": token}
        status, _, body = self.request("/admin/login/?next=/admin/", data=form)
        assert status == 302 and "sessionid" in self.cookies, (status, body[:2000])


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# Dramatiq's main process logs in its own text format and rundramatiq prints its
# start-up lines before it: only its worker processes (Django's logging) are JSON.
TEXT_START_UP = {"dramatiq"}


def log_records(queue, output):
    """Every line of a container's output as mozlog, but the queue's own start-up text."""
    if queue in TEXT_START_UP:
        output = "\n".join(line for line in output.splitlines() if line.startswith("{"))
    return bakery.mozlog_records(output)


def effect_line(records, reference, correlation_id):
    """The worker's (or, with sync, the web process's) log line of the confirmation."""
    return [
        record
        for record in records
        if record["Fields"].get("msg") == f"Confirmation for order {reference} sent"
        and record["Fields"].get("correlation_id") == correlation_id
    ]
