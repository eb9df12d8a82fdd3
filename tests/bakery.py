"""Baking projects from the template and running them: shared by tests/ and benchmarks/.

A bake is checked with the generated project's own tools (ruff, manage.py,
pytest), run from a prepared virtualenv per dependency set: one per task queue
(``.cache/venvs/<queue>``), holding what that queue's bakes need. They are
made with uv, which installs a set from its cache in seconds; installing with
pip into a fresh virtualenv per bake would cost a minute each. One bake is
still installed from scratch with the project's own ``make install`` by a test
that proves the install step itself.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
CACHE_DIR = Path(os.environ.get("BAKE_CACHE_DIR", TEMPLATE_DIR / ".cache"))
VENVS_DIR = CACHE_DIR / "venvs"
UV = Path(sys.executable).with_name("uv")

# Environment a production deployment would set; the local .env is ignored.
PRODUCTION_ENV = {
    "DJANGO_READ_DOT_ENV_FILE": "false",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "bake-check-3f9a0c1e7b5d4a2f8e6c0b9d7a5f3e1c-not-for-production",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,service.example.com",
    "LOGUX_CONTROL_SECRET": "bake-check-logux-secret-not-for-production",
}


def bake(output_dir, **answers):
    """Generate a project with the defaults overridden by ``answers``; return its path."""
    from cookiecutter.main import cookiecutter

    return Path(
        cookiecutter(
            str(TEMPLATE_DIR),
            no_input=True,
            output_dir=str(output_dir),
            extra_context=answers,
        )
    )


def requirements(project_dir):
    """The project's runtime and dev requirements, read from its pyproject.toml."""
    project = tomllib.loads((Path(project_dir) / "pyproject.toml").read_text())["project"]
    return sorted(project["dependencies"] + project["optional-dependencies"]["dev"])


REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get(
    "BAKE_POSTGRES_URL", "postgres://postgres:postgres@127.0.0.1:5432/postgres"
)


def redis_unreachable():
    """None when Redis answers at REDIS_URL, else why not."""
    parts = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            if not sock.recv(64).startswith(b"+PONG"):
                return f"no PONG from {REDIS_URL}"
    except OSError as exc:
        return f"{REDIS_URL}: {exc}"
    return None


def clean_env(**extra):
    """The current environment minus anything that would configure a generated project."""
    prefixes = ("DJANGO_", "SENTRY_", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.pop("PYTHONPATH", None)
    env.update(extra)
    return env


def run(args, cwd, env=None, timeout=600):
    """Run a command; on failure raise with its output so the test report shows it."""
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, args))} exited {result.returncode} in {cwd}\n"
            f"--- stdout\n{result.stdout[-6000:]}\n--- stderr\n{result.stderr[-6000:]}"
        )
    return result


class Virtualenv:
    """A virtualenv at ``path``; ``ensure`` installs requirements it does not have yet."""

    def __init__(self, path):
        self.path = Path(path)
        self.bin = self.path / "bin"
        self.python = self.bin / "python"

    def create(self):
        if not self.python.exists():
            run(
                [UV, "venv", "--quiet", "--python", sys.executable, self.path], cwd=CACHE_DIR.parent
            )

    def ensure(self, wanted):
        """Install ``wanted`` unless this exact set was installed before (safe across processes)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        key = hashlib.sha256(json.dumps(sorted(wanted)).encode()).hexdigest()[:16]
        with open(self.path.parent / f".{self.path.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self.create()
            marker = self.path / f".installed-{key}"
            if not marker.exists():
                install = [UV, "pip", "install", "--quiet", "--python", self.python, *wanted]
                run(install, cwd=self.path, env=clean_env(UV_NATIVE_TLS="1"))
                marker.touch()
        return self


def answers_of(project_dir):
    """The answers a project was baked with, as its .cruft.json records them."""
    record = json.loads((Path(project_dir) / ".cruft.json").read_text())
    return record["context"]["cookiecutter"]


def queue_venv(queue, wanted):
    """The prepared virtualenv of a task queue's bakes, holding at least ``wanted``."""
    return Virtualenv(VENVS_DIR / queue).ensure(wanted)


def prepared_venv(project_dir):
    """The prepared virtualenv of the project's task queue, holding its requirements."""
    return queue_venv(answers_of(project_dir)["task_executor"], requirements(project_dir))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url, timeout=30.0, process=None):
    """Poll ``url`` until it answers (any HTTP status); return seconds waited."""
    start = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return time.monotonic() - start
        except urllib.error.HTTPError:
            return time.monotonic() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if process is not None and process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode} before answering {url}")
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{url} did not answer within {timeout} s")
        time.sleep(0.02)


def migrate_and_collectstatic(project_dir, venv, env):
    """Get a baked project ready to serve: apply migrations, collect static files."""
    run([venv.python, "manage.py", "migrate", "--noinput"], cwd=project_dir, env=env)
    run(
        [venv.python, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=project_dir,
        env=env,
    )


def stop_process_group(process, timeout=30):
    """SIGTERM the session ``process`` leads (started with start_new_session), then SIGKILL.

    A loaded machine can take longer than ``timeout`` for a graceful shutdown
    (Celery's warm shutdown waits for its pool); the test is about what ran.
    """
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def gunicorn_log(project_dir, port):
    """Where ``gunicorn()`` writes the output of the server on ``port``."""
    return Path(project_dir) / f"gunicorn-{port}.log"


MOZLOG_KEYS = {"Timestamp", "Type", "Logger", "Hostname", "EnvVersion", "Severity", "Pid", "Fields"}


def mozlog_records(text):
    """Every line of a production log, parsed; each must be one mozlog JSON object."""
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise AssertionError(f"log line {number} is not JSON: {line!r}") from None
        assert isinstance(record, dict) and set(record) >= MOZLOG_KEYS, line
        records.append(record)
    return records


def request_lines(records, correlation_id):
    """The lines describing the request with this id: there should be exactly one."""
    return [
        record
        for record in records
        if record["Type"] in {"request.summary", "gunicorn.access"}
        and correlation_id in (record["Fields"].get("rid"), record["Fields"].get("correlation_id"))
    ]


@contextlib.contextmanager
def gunicorn(project_dir, venv, env=None, workers=1, port=None, cpus=None):
    """Serve ``project_dir`` with gunicorn on 127.0.0.1; yield (base_url, process).

    ``cpus`` (e.g. "0") pins the server to those cores with taskset, so a load
    generator pinned elsewhere does not compete with it (benchmarks).
    """
    port = port or free_port()
    process_env = clean_env(
        **{
            **PRODUCTION_ENV,
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            **(env or {}),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WEB_CONCURRENCY": str(workers),
        }
    )
    log = open(gunicorn_log(project_dir, port), "w")  # noqa: SIM115 (closed below)
    pin = ["taskset", "-c", cpus] if cpus and shutil.which("taskset") else []
    process = subprocess.Popen(
        [*pin, venv.bin / "gunicorn", "config.wsgi"],
        cwd=project_dir,
        env=process_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextlib.contextmanager
def temporary_postgres_database(prefix="bake"):
    """A fresh database on POSTGRES_URL's server: yields its URL, drops it afterwards.

    Its ``test_`` twin (made by a Django test run against it) is dropped too.
    Raises psycopg.OperationalError when the server does not answer.
    """
    import psycopg

    admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'DROP DATABASE IF EXISTS "test_{name}" WITH (FORCE)')
