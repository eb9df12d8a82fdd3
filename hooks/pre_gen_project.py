"""Validate the answers before cookiecutter writes anything it would have to undo.

Cookiecutter checks booleans and choices itself, but free text goes through
unchecked. A bad slug would produce a project that cannot import its own
package (or that silently shadows a library it depends on), so each mistake is
reported as one line on stderr naming the prompt and what it accepts, and the
hook exits non-zero: cookiecutter then removes the output folder.

Standard library only: the hook runs under cookiecutter's interpreter, before
the project (or any of its dependencies) exists.
"""

import json
import keyword
import re
import shlex
import sys
import zoneinfo
from pathlib import Path

# Jinja writes the answers in as JSON (tojson escapes quotes, so the literal stays closed).
ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")

# Names the generated project imports (or that Python resolves before the
# project's own package), so a slug equal to one of them would shadow it.
RESERVED_SLUGS = frozenset(sys.stdlib_module_names) | {
    "aiohttp",
    "app",
    "asgiref",
    "celery",
    "config",
    "django",
    "django_q",
    "django_tasks",
    "dramatiq",
    "environ",
    "gunicorn",
    "huey",
    "manage",
    "platform",
    "psycopg",
    "pytest",
    "redis",
    "requests",
    "sentry_sdk",
    "setuptools",
    "test",
    "tests",
    "whitenoise",
}

SLUG_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
EMAIL_RE = re.compile(r"[^@\s]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
DOMAIN_RE = re.compile(r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
# PEP 440 public version identifiers (epoch, release, pre, post and dev parts).
VERSION_RE = re.compile(
    r"(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*"
    r"(?:(?:a|b|rc)[0-9]+)?(?:\.post[0-9]+)?(?:\.dev[0-9]+)?"
)


def problems(answers):
    """Yield one message per invalid answer, in prompt order."""
    if not answers["project_name"].strip():
        yield "project_name must not be empty."

    slug = answers["project_slug"]
    if not SLUG_RE.fullmatch(slug) or keyword.iskeyword(slug):
        yield (
            f"project_slug {slug!r} is not a lowercase Python identifier: use 1 to 40 "
            "lowercase letters, digits and underscores, starting with a letter "
            "(for example my_service)."
        )
    elif slug in RESERVED_SLUGS:
        yield (
            f"project_slug {slug!r} would shadow the module of the same name that the "
            "project or Python needs: pick another name (for example my_service)."
        )

    if not EMAIL_RE.fullmatch(answers["email"]):
        yield f"email {answers['email']!r} is not an email address (expected name@example.com)."

    if not DOMAIN_RE.fullmatch(answers["domain_name"]):
        yield (
            f"domain_name {answers['domain_name']!r} is not a lowercase host name "
            "(expected something like example.com)."
        )

    if not VERSION_RE.fullmatch(answers["version"]):
        yield (
            f"version {answers['version']!r} is not a PEP 440 version "
            "(expected something like 0.1.0 or 1.0.0rc1)."
        )

    known_zones = zoneinfo.available_timezones()
    if known_zones and answers["timezone"] not in known_zones | {"UTC"}:
        yield (
            f"timezone {answers['timezone']!r} is not an IANA time zone name "
            "(expected something like UTC or Europe/Paris)."
        )


def derived_slug(name):
    """The slug cookiecutter.json derives from a project name (the same expression)."""
    return name.lower().strip().replace(" ", "_").replace("-", "_").replace(".", "_")


def rerun_command(answers, wrong):
    """A command that generates again with every answer given so far, the wrong ones to fill in.

    Cookiecutter validates nothing until all prompts are answered; this saves
    answering them all again. Answers equal to the defaults are left out.
    """
    try:
        template = json.loads((Path(answers["_repo_dir"]) / "cookiecutter.json").read_text())
    except (KeyError, OSError, ValueError):
        template = {}
    words = ["cookiecutter", "--no-input", shlex.quote(answers.get("_template") or ".")]
    for key in template or answers:  # prompt order when the template can be read
        if key.startswith("_") or key not in answers:
            continue
        value, default = answers[key], template.get(key)
        if isinstance(default, list):
            default = default[0]
        if key == "project_slug":
            default = derived_slug(answers["project_name"])
        if key in wrong:
            words.append(f"{key}=<{key.upper()}>")
        elif value != default:
            text = ("yes" if value else "no") if isinstance(value, bool) else str(value)
            words.append(shlex.quote(f"{key}={text}"))
    return " ".join(words)


def main():
    found = list(problems(ANSWERS))
    for message in found:
        print(f"ERROR: {message}", file=sys.stderr)
    if found:
        wrong = list(dict.fromkeys(message.split()[0] for message in found))
        print(
            f"Nothing was written. To try again with your other answers kept, replace "
            f"{', '.join(f'<{key.upper()}>' for key in wrong)} and run:\n"
            f"  {rerun_command(ANSWERS, wrong)}",
            file=sys.stderr,
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
