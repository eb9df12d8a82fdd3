"""Cold start: from launching gunicorn to the first 200 on the admin login page.

A new instance serves nothing until its worker has imported the whole app, so
this is what every deploy, autoscaling step and crash restart waits for. The
generated project adds work at boot that a bare Django project does not do:
settings parsed from the environment (django-environ), JSON logging, the Sentry
SDK import, WhiteNoise indexing the collected static files, our
gunicorn.conf.py. The baseline is a plain ``django-admin startproject`` project
from the same virtualenv, served by the same gunicorn with one worker and
timed to the same page, so the ratio shows what the template adds.

Both projects are migrated (and the generated one collectstatic'ed) once,
before anything is timed: cold start means a fresh process, not a fresh
deployment. One untimed start of each warms the page cache and writes the
bytecode caches, as any real host has done long before.
"""

import time
import urllib.error
import urllib.request
from pathlib import Path

from .common import bakery, median, register, repeat, timing_result

FULL_REPETITIONS = 7
QUICK_REPETITIONS = 3
LOGIN_PATH = "/admin/login/"
# Bound on one start; a healthy one takes about a second.
BOOT_TIMEOUT = 60.0
BASELINE_LABEL = "plain startproject, same gunicorn, 1 worker"


@register("cold_start")
def cold_start(ctx):
    """Launch of `gunicorn config.wsgi` to the first 200 on /admin/login/, vs. a bare project."""
    n = ctx.repetitions(FULL_REPETITIONS, QUICK_REPETITIONS)

    ctx.log("cold_start: baking the default project")
    project = bakery.bake(ctx.tempdir("cold-generated-"))
    ctx.log("cold_start: preparing the shared venv (the first run installs it, a minute or two)")
    venv = bakery.prepared_venv(project)
    prepare_generated(project, venv)
    baseline = startproject(ctx.tempdir("cold-baseline-"), venv)

    def generated():
        return time_to_first_200(project, venv)

    def plain():
        # Without a gunicorn.conf.py gunicorn would bind 0.0.0.0:$PORT (bakery sets
        # PORT), so the baseline is told to bind loopback on the command line.
        return time_to_first_200(
            baseline,
            venv,
            env_for_port=lambda port: {"GUNICORN_CMD_ARGS": f"--bind=127.0.0.1:{port} --workers=1"},
        )

    ctx.log(f"cold_start: {n} starts of each project, interleaved (plus 1 warm-up each)")
    generated_s, baseline_s = repeat(n, generated, plain, warmup=1)
    return [
        timing_result("cold_start.median", median, generated_s, baseline_s, BASELINE_LABEL),
        timing_result("cold_start.max", max, generated_s, baseline_s, BASELINE_LABEL),
    ]


def production_env():
    return bakery.clean_env(**bakery.PRODUCTION_ENV, DJANGO_SECURE_SSL_REDIRECT="false")


def prepare_generated(project, venv):
    """Migrate and collect static files once, in the environment gunicorn will run with."""
    bakery.migrate_and_collectstatic(project, venv, production_env())


def startproject(directory, venv):
    """A bare ``django-admin startproject config`` project, run like production, migrated.

    DEBUG is switched off so that both sides serve the same way (no debug
    templates or checks); with the default StaticFilesStorage the login page
    needs no collectstatic.
    """
    bakery.run([venv.bin / "django-admin", "startproject", "config", directory], cwd=directory)
    settings = Path(directory) / "config" / "settings.py"
    settings.write_text(
        settings.read_text()
        + "\n# Benchmark baseline: served like production, on loopback only.\n"
        + "DEBUG = False\n"
        + 'ALLOWED_HOSTS = ["127.0.0.1"]\n'
    )
    bakery.run([venv.python, "manage.py", "migrate", "--noinput"], cwd=directory)
    return Path(directory)


def time_to_first_200(project_dir, venv, env_for_port=None):
    """Seconds from launching gunicorn to its first answer, which must be a 200.

    ``bakery.wait_for_http`` polls until the page answers at all and returns;
    the page is then requested once more without following redirects, and
    anything but a 200 fails the run rather than being timed (a login page
    answers the same status to two consecutive requests). The server is always
    stopped by ``bakery.gunicorn`` on the way out.
    """
    port = bakery.free_port()
    env = env_for_port(port) if env_for_port else None
    log = bakery.gunicorn_log(project_dir, port)
    start = time.perf_counter()
    with bakery.gunicorn(project_dir, venv, env=env, workers=1, port=port) as (base_url, process):
        try:
            bakery.wait_for_http(base_url + LOGIN_PATH, timeout=BOOT_TIMEOUT, process=process)
            elapsed = time.perf_counter() - start
            status = http_status(base_url + LOGIN_PATH)
            if status != 200:
                raise AssertionError(f"{base_url}{LOGIN_PATH} answered {status}, expected 200")
            check_loopback_only(log, port)
        except AssertionError as error:
            tail = log.read_text(errors="replace")[-4000:] if log.exists() else ""
            raise AssertionError(f"{error}\n--- {log}\n{tail}") from error
    return elapsed


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# No proxies (a 127.0.0.1 request must reach our server) and no redirects (a
# redirect to HTTPS or to another page is not a 200 of the login page).
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def http_status(url):
    try:
        with _OPENER.open(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def check_loopback_only(log, port):
    """Fail unless gunicorn reported listening on 127.0.0.1:port and nowhere else."""
    listening = [
        line for line in log.read_text(errors="replace").splitlines() if "Listening at:" in line
    ]
    expected = f"Listening at: http://127.0.0.1:{port} "
    if not listening or any(expected not in line + " " for line in listening):
        raise AssertionError(f"gunicorn is not listening on 127.0.0.1:{port} only: {listening}")
