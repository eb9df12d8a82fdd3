"""Run Django's checks on many baked projects from one prepared interpreter.

Usage (under a bake virtualenv's python): ``python django_checks.py`` with a
JSON object on stdin: ``{"projects": [...], "env": {...}}``. For each project
it prints one JSON line: ``{"project", "returncode", "output"}``.

Starting Python and importing Django and the task-queue libraries takes most
of the 2-3 s a ``manage.py check`` costs; here that happens once, and each
project is checked in a forked child that imports only its own code:
``check --deploy --fail-level WARNING`` and ``makemigrations --check
--dry-run``, as its CI would run them. The parent never configures settings,
so every child starts from a clean Django.
"""

import importlib
import json
import os
import sys
import tempfile
import traceback

# Imported before forking: libraries that need no settings to import.
PRELOAD = (
    "django.db.models",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "django.core.management",
    "django.core.management.commands.check",
    "django.core.management.commands.makemigrations",
    "django.db.migrations.autodetector",
    "django.template",
    "django.test",
    "environ",
    "whitenoise",
    "psycopg",
    "redis",
    "aiohttp",
    "httpx",
    "standardwebhooks",
    "semantic_version",
    "sentry_sdk",
    "sentry_sdk.integrations.django",
    "celery",
    "kombu",
    "dramatiq",
    "huey",
)


def check(project, env):
    """In the child: chdir into ``project`` and run its checks; return an exit code."""
    os.chdir(project)
    sys.path.insert(0, project)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        django.setup()
        call_command("check", deploy=True, fail_level="WARNING")
        call_command("makemigrations", check=True, dry_run=True, interactive=False)
    except SystemExit as exit:
        return exit.code if isinstance(exit.code, int) else 1
    except CommandError as error:
        print(error, file=sys.stderr)
        return 1
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


def run_one(project, env):
    with tempfile.TemporaryFile("w+") as log:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            code = 1
            try:
                code = check(project, env)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        log.seek(0)
        return os.waitstatus_to_exitcode(status), log.read()


def main():
    request = json.load(sys.stdin)
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:
            continue
    for project in request["projects"]:
        code, output = run_one(project, request["env"])
        print(json.dumps({"project": project, "returncode": code, "output": output[-4000:]}))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
