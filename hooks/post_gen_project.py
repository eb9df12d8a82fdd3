"""Finish the generated project: prune unselected options, write .env, record answers.

Everything the answers switch off is listed in ``UNSELECTED`` so that pruning is
declarative and reviewable in one place. The hook then writes a local ``.env``
(development values and a fresh secret key, never committed) and a
``.cruft.json`` so the project can later be updated from the template with
``cruft update``.

Standard library only, no network: the hook runs under cookiecutter's
interpreter.
"""

import json
import re
import secrets
import shutil
import sys
import tomllib
from pathlib import Path

# Jinja writes the answers in as JSON (tojson escapes quotes, so the literal stays closed).
ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")
PROJECT = Path.cwd()
SLUG = ANSWERS["project_slug"]

# option is off -> paths (relative to the project root) that belong to it only.
UNSELECTED = {
    "use_docker": [
        "Dockerfile",
        ".dockerignore",
        "compose.yaml",
        "bin/docker-entrypoint.sh",
        "bin/healthcheck.py",
    ],
    "use_kubernetes": ["deploy/kubernetes"],
    "ci_github": [".github"],
    "use_sentry": ["tests/test_sentry.py", f"{SLUG}/platform/scrubbing.py"],
    "include_example": [
        f"{SLUG}/example",
        "tests/test_example.py",
        "tests/test_example_webhooks.py",
        "tests/test_example_logux.py",
    ],
    "use_http_hooks": [
        f"{SLUG}/platform/http_hooks",
        f"{SLUG}/example/webhooks.py",
        "tests/test_example_webhooks.py",
        "tests/test_http_hooks.py",
        "tests/test_http_hooks_delivery.py",
        "tests/test_http_hooks_django_q.py",
    ],
    # The test receiver serves HTTP hooks' and Logux's tests.
    "http_receiver": ["tests/webhook_receiver.py"],
    "use_logux": [
        f"{SLUG}/platform/logux",
        f"{SLUG}/example/logux_actions.py",
        f"{SLUG}/example/logux_subscriptions.py",
        "tests/test_logux.py",
        "tests/test_logux_pacing.py",
        "tests/test_logux_transactions.py",
        "tests/test_example_logux.py",
        "deploy/logux",
        "deploy/kubernetes/logux.yaml",
    ],
    "task_executor_celery": [
        "config/celery.py",
        "deploy/kubernetes/beat.yaml",
        "tests/test_guid_celery.py",
    ],
    "task_executor_huey": ["deploy/kubernetes/scheduler.yaml"],
    # Without Celery beat, something must run the HTTP hooks' retries: a CronJob.
    "callbacks_cron": ["deploy/kubernetes/send-callbacks.yaml"],
    # Queues without a scheduler run airlock's outbox relay from a CronJob.
    "relay_cron": ["deploy/kubernetes/relay-effects.yaml"],
    "task_worker": [
        "bin/start.py",
        "deploy/kubernetes/worker.yaml",
        "tests/test_worker.py",
        "tests/test_durable_effects.py",
        "tests/test_worker_loss.py",
        "tests/worker_effects.py",
        "tests/settings_worker.py",
    ],
}
# Each task queue brings an executor, a correlation-id integration and test
# settings; only the chosen queue's stay.
EXECUTORS = ("celery", "django_q", "django_tasks", "dramatiq", "huey")
for _executor in EXECUTORS:
    UNSELECTED.setdefault(f"task_executor_{_executor}", []).extend(
        [
            f"{SLUG}/platform/airlock/executors/{_executor}.py",
            f"{SLUG}/platform/guid/integrations/{_executor}.py",
        ]
    )
UNSELECTED["task_executor_django_q"].append("tests/test_http_hooks_django_q.py")


# option is off -> (file, line prefix): lines of files that cannot hold Jinja
# (GitHub expressions use the same braces) which belong to that option only.
UNSELECTED_LINES = {
    "use_logux": [(".github/workflows/ci.yml", "      LOGUX_CONTROL_SECRET:")],
}


def enabled(option):
    if option == "ci_github":
        return ANSWERS["ci"] == "github"
    if option == "http_receiver":
        return ANSWERS["use_http_hooks"] is True or ANSWERS["use_logux"] is True
    if option == "callbacks_cron":
        return ANSWERS["use_http_hooks"] is True and ANSWERS["task_executor"] != "celery"
    if option == "relay_cron":
        return ANSWERS["task_executor"] in {"dramatiq", "django_tasks"}
    if option == "task_worker":
        return ANSWERS["task_executor"] != "sync"
    if option.startswith("task_executor_"):
        return ANSWERS["task_executor"] == option.removeprefix("task_executor_")
    return ANSWERS[option] is True


def remove(relative):
    path = PROJECT / relative
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def prune_unselected():
    for option, paths in UNSELECTED.items():
        if not enabled(option):
            for relative in paths:
                remove(relative)
    for option, lines in UNSELECTED_LINES.items():
        if not enabled(option):
            for relative, prefix in lines:
                path = PROJECT / relative
                if path.exists():
                    lines = path.read_text().splitlines(keepends=True)
                    path.write_text("".join(x for x in lines if not x.startswith(prefix)))
    # Remove folders left empty by the pruning (never the project root).
    for folder in sorted((p for p in PROJECT.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


# The template keeps one uv lock per task queue, resolved with every other option
# on (`make locks` in the template refreshes them); the project gets its queue's,
# cut down to what its own pyproject.toml asks for.
LOCKS = ".locks"
PACKAGE_BLOCK = "[[package]]\n"


def _name(requirement):
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _block_package(block):
    return tomllib.loads(block)["package"][0]


def write_lock():
    """Write uv.lock: the queue's lock without the packages the unselected options
    needed, the root package renamed; `uv lock --check` accepts it as is."""
    locks = PROJECT / LOCKS
    text = (locks / f"{ANSWERS['task_executor']}.lock").read_text()
    shutil.rmtree(locks)
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for r in project["optional-dependencies"]["dev"]}
    header, *blocks = text.split(PACKAGE_BLOCK)
    if not blocks:  # a queue's first lock, before `make locks` resolved it
        (PROJECT / "uv.lock").write_text(text)
        return
    packages = {}
    for block in blocks:
        package = _block_package(PACKAGE_BLOCK + block)
        packages.setdefault(package["name"], []).append((package, block))
    [(root_name, [(root, root_block)])] = [
        (name, entries)
        for name, entries in packages.items()
        if "editable" in entries[0][0]["source"] or "virtual" in entries[0][0]["source"]
    ]
    # Drop the root's lines for unselected requirements, rename it, set its version.
    kept_lines = [
        line
        for line in root_block.splitlines(keepends=True)
        if not (match := re.match(r'\s+\{ name = "([^"]+)"', line)) or match[1] in wanted
    ]
    root_block = "".join(kept_lines)
    root_block = root_block.replace(f'name = "{root_name}"', f'name = "{project["name"]}"', 1)
    root_block = re.sub(
        r'^version = ".*"$', f'version = "{project["version"]}"', root_block, count=1, flags=re.M
    )
    del packages[root_name]
    root = _block_package(PACKAGE_BLOCK + root_block)
    # Keep what the root still reaches (through extras too).
    reached, todo = set(), [*root.get("dependencies", []), *root["optional-dependencies"]["dev"]]
    while todo:
        dependency = todo.pop()
        key = (dependency["name"], tuple(dependency.get("extra", ())))
        if key in reached or dependency["name"] not in packages:
            continue
        reached.add(key)
        for package, _ in packages[dependency["name"]]:
            todo.extend(package.get("dependencies", []))
            for extra in dependency.get("extra", ()):
                todo.extend(package.get("optional-dependencies", {}).get(extra, []))
    names = {name for name, _ in reached}
    kept = [(project["name"], root_block)]
    kept += [(name, block) for name in names for _, block in packages[name]]
    kept.sort(key=lambda entry: entry[0])
    body = "".join(PACKAGE_BLOCK + block.rstrip("\n") + "\n\n" for _, block in kept)
    (PROJECT / "uv.lock").write_text(header + body.rstrip("\n") + "\n")


def install_license():
    """Move the chosen license text to LICENSE and drop the others."""
    licenses = PROJECT / ".licenses"
    choice = ANSWERS["open_source_license"]
    if choice != "Not open source":
        shutil.copyfile(licenses / choice, PROJECT / "LICENSE")
    shutil.rmtree(licenses)


def write_dotenv():
    """Derive a development .env from .env.example with a fresh secret key."""
    target = PROJECT / ".env"
    if target.exists():
        return
    development = {
        "DJANGO_DEBUG": "true",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "LOGUX_CONTROL_SECRET": secrets.token_urlsafe(32),
    }
    lines = []
    for line in (PROJECT / ".env.example").read_text().splitlines():
        key = line.split("=", 1)[0]
        lines.append(f"{key}={development[key]}" if key in development else line)
    target.write_text("\n".join(lines) + "\n")
    target.chmod(0o600)


def template_commit(repo_dir):
    """Return the template's git commit without running git, or None."""
    git = Path(repo_dir) / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head or None
        ref = head[5:]
        if (git / ref).exists():
            return (git / ref).read_text().strip()
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split(" ", 1)[0]
    except OSError:
        pass
    return None


# cookiecutter's built-in abbreviations, expanded so the record can be cloned anywhere.
ABBREVIATIONS = {
    "gh": "https://github.com/{}.git",
    "gl": "https://gitlab.com/{}.git",
    "bb": "https://bitbucket.org/{}",
}


def template_source():
    """Where the template came from, in a form cruft can clone later."""
    template = ANSWERS.get("_template") or ""
    prefix, colon, rest = template.partition(":")
    if colon and prefix in ABBREVIATIONS:
        return ABBREVIATIONS[prefix].format(rest)
    if "://" in template or template.startswith("git@"):
        return template
    # A local folder: record its absolute path (relative paths break elsewhere).
    return ANSWERS.get("_repo_dir") or str(Path(template).resolve())


def record_answers():
    """Write .cruft.json (cruft's format) so `cruft update` can replay the template."""
    commit = template_commit(ANSWERS.get("_repo_dir", ""))
    context = {
        key: value
        for key, value in ANSWERS.items()
        if key not in {"_output_dir", "_repo_dir", "_checkout"}
    }
    context["_commit"] = commit
    record = {
        "template": template_source(),
        "commit": commit,
        "checkout": None,
        "context": {"cookiecutter": context},
        "directory": None,
    }
    (PROJECT / ".cruft.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")


def main():
    prune_unselected()
    write_lock()
    install_license()
    write_dotenv()
    record_answers()
    print(f"Created {PROJECT}. Next: cd {PROJECT.name} && make install migrate run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
