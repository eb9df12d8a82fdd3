"""Write version.json (source, version, commit, build) for /__version__.

Run at build time: the Dockerfile calls it with the VERSION_* build arguments,
the generated CI workflow with GitHub's variables. Each value comes from, in
order: its option, its VERSION_* environment variable, the CI system's
variables (GitHub Actions, GitLab CI, CircleCI, Jenkins), then git. A value
nothing provides is written as an empty string (``version`` is allowed to be
blank for builds that are not releases). User names and passwords in URLs (a
token in the git remote) are left out: the file is public.
"""

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def _git(*args):
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def without_credentials(url):
    """``url`` without the user and password a git remote may hold (a token, say):
    the file is served to anyone who asks /__version__."""
    parts = urlsplit(url)
    if "://" not in url or "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=host))


def _github_url(env, *parts):
    server, repository = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY")
    if server and repository:
        return "/".join([server, repository, *parts])
    return ""


def _first(*candidates):
    for candidate in candidates:
        value = candidate() if callable(candidate) else candidate
        if value:
            return value
    return ""


def _tag_from_ci(env):
    if env.get("GITHUB_REF_TYPE") == "tag":
        return env.get("GITHUB_REF_NAME", "")
    return env.get("CI_COMMIT_TAG") or env.get("CIRCLE_TAG") or ""


def discover(env=os.environ):
    """The values CI variables and git can tell, before options override them."""
    run_id = env.get("GITHUB_RUN_ID")
    return {
        "source": _first(
            env.get("VERSION_SOURCE"),
            lambda: _github_url(env),
            env.get("CI_PROJECT_URL"),
            env.get("CIRCLE_REPOSITORY_URL"),
            lambda: _git("config", "--get", "remote.origin.url"),
        ),
        "version": _first(
            env.get("VERSION_VERSION"),
            lambda: _tag_from_ci(env),
            lambda: _git("describe", "--tags", "--exact-match"),
        ),
        "commit": _first(
            env.get("VERSION_COMMIT"),
            env.get("GITHUB_SHA"),
            env.get("CI_COMMIT_SHA"),
            env.get("CIRCLE_SHA1"),
            env.get("GIT_COMMIT"),
            lambda: _git("rev-parse", "HEAD"),
        ),
        "build": _first(
            env.get("VERSION_BUILD"),
            (lambda: _github_url(env, "actions", "runs", run_id)) if run_id else None,
            env.get("CI_JOB_URL"),
            env.get("CIRCLE_BUILD_URL"),
            env.get("BUILD_URL"),
        ),
    }


class Command(BaseCommand):
    help = "Write version.json (source, version, commit, build) for the /__version__ endpoint."

    def add_arguments(self, parser):
        parser.add_argument("--source", help="URL of the source repository")
        # (--version is taken: every Django command prints Django's version with it.)
        parser.add_argument("--app-version", help="release tag or version (may be empty)")
        parser.add_argument("--commit", help="commit hash")
        parser.add_argument("--build", help="URL of the CI build")
        parser.add_argument(
            "--output",
            default=None,
            help="file to write (default: version.json in BASE_DIR, where /__version__ reads)",
        )

    def handle(self, *args, **options):
        data = discover()
        overrides = {
            "source": options["source"],
            "version": options["app_version"],
            "commit": options["commit"],
            "build": options["build"],
        }
        data.update({key: value for key, value in overrides.items() if value is not None})
        data["source"] = without_credentials(data["source"])
        data["build"] = without_credentials(data["build"])
        output = Path(options["output"] or Path(settings.BASE_DIR) / "version.json")
        try:
            output.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc}") from exc
        self.stdout.write(f"Wrote {output}: {json.dumps(data, sort_keys=True)}")
