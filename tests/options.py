"""The option space of the template, read from cookiecutter.json, and what each answer owns.

``combinations()`` lists every combination of the yes/no and choice prompts,
so a prompt added to cookiecutter.json is multiplied in without editing any
test. Prompts that only change file contents (``ROUND_ROBIN``) and the free
text answers (``NAMES``) are cycled through the combinations instead of
multiplying them.

``problems(project, answers)`` checks one baked project against its answers:
no template leftovers or empty folders, exactly the files of its options
(``OWNERS``), option-specific contents, and the answers written where they
belong. ``by_option()`` groups failures by the answers they have in common.
"""

import fnmatch
import itertools
import json
import re
import tomllib
from collections import defaultdict
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
PROJECT_TEMPLATE = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"
CONTEXT = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
PROMPTS = {key: value for key, value in CONTEXT.items() if not key.startswith("_")}

# Prompts that only add files no other code reads (a license text, deployment
# manifests): cycled through the combinations, not multiplied.
ROUND_ROBIN = ("open_source_license", "use_kubernetes")
# Project names (and slugs) cycled through the combinations: names that sort
# before and after `config`, derived and explicit slugs, digits and underscores,
# the shortest and the longest slug the pre-generation hook accepts (40 characters).
NAMES = (
    {"project_name": "My Service"},
    {"project_name": "Billing API"},
    {"project_name": "acme"},
    {"project_name": "Zeta Relay"},
    {"project_name": "Order Desk", "project_slug": "od"},
    {"project_name": "X"},
    {"project_name": "B2B Gateway 3"},  # digits and underscores, before config
    {"project_name": "Long Name", "project_slug": "a" * 9 + "_long_package_name_for_limits_x"},
)
MULTIPLIED = tuple(
    key
    for key, value in PROMPTS.items()
    if isinstance(value, (bool, list)) and key not in ROUND_ROBIN
)

# Which generated-suite markers (one per platform app, plus ``project`` and
# ``example``) an answer can change. Every prompt must be listed: the template
# suite checks it, so a new prompt gets its tests chosen on purpose.
CAPABILITIES = {
    "project_name": ("project",),
    "project_slug": ("project",),
    "description": ("project",),
    "author_name": ("project",),
    "email": ("project",),
    "domain_name": ("project",),
    "version": ("project", "dockerflow"),
    "timezone": ("project",),
    "use_sentry": ("project", "guid"),
    "use_docker": (),
    "use_kubernetes": (),
    "ci": (),
    "open_source_license": (),
    "include_example": ("example", "http_hooks", "logux"),
    "use_http_hooks": ("project", "example", "http_hooks"),
    "use_logux": ("project", "example", "logux"),
    "task_executor": ("project", "guid", "dockerflow", "airlock", "http_hooks"),
}
MARKERS = ("project", "example", "guid", "dockerflow", "airlock", "http_hooks", "logux")


def defaults():
    """The answers of a bake with no overrides (the first entry of each choice)."""
    answers = {k: (v[0] if isinstance(v, list) else v) for k, v in PROMPTS.items()}
    answers["project_slug"] = slug_of(answers["project_name"])
    return answers


def slug_of(name):
    """The slug cookiecutter.json derives from a project name."""
    return name.lower().strip().replace(" ", "_").replace("-", "_").replace(".", "_")


def combinations():
    """Every combination of the multiplied prompts, with the cycled answers folded in.

    Returns a list of override dicts (the answers given to cookiecutter).
    """
    values = [[True, False] if isinstance(PROMPTS[k], bool) else PROMPTS[k] for k in MULTIPLIED]
    found = []
    for index, chosen in enumerate(itertools.product(*values)):
        answers = dict(zip(MULTIPLIED, chosen, strict=True))
        for key in ROUND_ROBIN:
            answers[key] = _cycled(key, index, answers)
        answers.update(NAMES[index % len(NAMES)])
        found.append(answers)
    return found


def _cycled(key, index, answers):
    """A choice cycles with the combination's index. A yes/no answer is yes when an
    even number of the multiplied yes/no answers are yes: flipping any one of them
    flips it, so it meets both values of every other prompt, queue by queue."""
    if isinstance(PROMPTS[key], bool):
        return sum(value is True for value in answers.values()) % 2 == 0
    return PROMPTS[key][index % len(PROMPTS[key])]


def full(answers):
    """Overrides completed with the defaults (and the slug derived from the name)."""
    result = {**defaults(), **answers}
    if "project_slug" not in answers:
        result["project_slug"] = slug_of(result["project_name"])
    return result


def markers_for(answers):
    """The generated-suite markers whose tests the answers' differences from the defaults touch."""
    base = defaults()
    touched = {
        m for key, value in answers.items() if base.get(key) != value for m in CAPABILITIES[key]
    }
    return [marker for marker in MARKERS if marker in touched]


# --- the files each answer owns -----------------------------------------------

_QUEUES = [queue for queue in PROMPTS["task_executor"] if queue != "sync"]

# (pattern, owner): a file matching ``pattern`` (first match wins; ``{slug}`` is
# the package) exists exactly when ``owner(answers)`` is true. Any other file
# of the template exists in every bake.
OWNERS = [
    *[
        (name, lambda a: a["use_docker"])
        for name in (
            "Dockerfile",
            ".dockerignore",
            "compose.yaml",
            "bin/docker-entrypoint.sh",
            "bin/healthcheck.py",
        )
    ],
    ("deploy/kubernetes/logux.yaml", lambda a: a["use_kubernetes"] and a["use_logux"]),
    (
        "deploy/kubernetes/beat.yaml",
        lambda a: a["use_kubernetes"] and a["task_executor"] == "celery",
    ),
    (
        "deploy/kubernetes/scheduler.yaml",
        lambda a: a["use_kubernetes"] and a["task_executor"] == "huey",
    ),
    (
        "deploy/kubernetes/send-callbacks.yaml",
        lambda a: a["use_kubernetes"] and a["use_http_hooks"] and a["task_executor"] != "celery",
    ),
    (
        "deploy/kubernetes/relay-effects.yaml",
        lambda a: a["use_kubernetes"] and a["task_executor"] in {"dramatiq", "django_tasks"},
    ),
    (
        "deploy/kubernetes/worker.yaml",
        lambda a: a["use_kubernetes"] and a["task_executor"] != "sync",
    ),
    ("deploy/kubernetes/*", lambda a: a["use_kubernetes"]),
    ("deploy/logux/*", lambda a: a["use_logux"]),
    (".github/*", lambda a: a["ci"] == "github"),
    (".licenses/*", lambda a: False),
    (".locks/*", lambda a: False),
    ("tests/test_sentry.py", lambda a: a["use_sentry"]),
    ("{slug}/platform/scrubbing.py", lambda a: a["use_sentry"]),
    ("{slug}/example/webhooks.py", lambda a: a["include_example"] and a["use_http_hooks"]),
    ("tests/test_example_webhooks.py", lambda a: a["include_example"] and a["use_http_hooks"]),
    ("{slug}/example/logux_*.py", lambda a: a["include_example"] and a["use_logux"]),
    ("tests/test_example_logux.py", lambda a: a["include_example"] and a["use_logux"]),
    ("{slug}/example/*", lambda a: a["include_example"]),
    ("tests/test_example.py", lambda a: a["include_example"]),
    ("{slug}/platform/http_hooks/*", lambda a: a["use_http_hooks"]),
    (
        "tests/test_http_hooks_django_q.py",
        lambda a: a["use_http_hooks"] and a["task_executor"] == "django_q",
    ),
    ("tests/test_http_hooks*.py", lambda a: a["use_http_hooks"]),
    ("{slug}/platform/logux/*", lambda a: a["use_logux"]),
    ("tests/test_logux.py", lambda a: a["use_logux"]),
    ("tests/test_logux_pacing.py", lambda a: a["use_logux"]),
    ("tests/test_logux_transactions.py", lambda a: a["use_logux"]),
    ("tests/webhook_receiver.py", lambda a: a["use_http_hooks"] or a["use_logux"]),
    ("config/celery.py", lambda a: a["task_executor"] == "celery"),
    ("tests/test_guid_celery.py", lambda a: a["task_executor"] == "celery"),
    *[
        (f"{{slug}}/platform/{folder}/{queue}.py", lambda a, q=queue: a["task_executor"] == q)
        for queue in _QUEUES
        for folder in ("airlock/executors", "guid/integrations")
    ],
    *[
        (name, lambda a: a["task_executor"] != "sync")
        for name in (
            "bin/start.py",
            "tests/test_worker.py",
            "tests/test_durable_effects.py",
            "tests/test_worker_loss.py",
            "tests/worker_effects.py",
            "tests/settings_worker.py",
        )
    ],
]
# Written by the post-generation hook, not copied from the template.
MADE_BY_HOOKS = [
    (".env", lambda a: True),
    (".cruft.json", lambda a: True),
    ("uv.lock", lambda a: True),  # the queue's lock from .locks/, cut to the options
    ("LICENSE", lambda a: a["open_source_license"] != "Not open source"),
]


def expected_files(answers):
    """The relative paths a bake with these (full) answers must contain, no more."""
    slug = answers["project_slug"]
    found = set()
    for path in PROJECT_TEMPLATE.rglob("*"):
        if path.is_dir() or "__pycache__" in path.parts:
            continue
        relative = str(path.relative_to(PROJECT_TEMPLATE))
        owner = next(
            (own for pattern, own in OWNERS if fnmatch.fnmatch(relative, pattern.format(slug="*"))),
            None,
        )
        if owner is None or owner(answers):
            found.add(relative.replace("{{cookiecutter.project_slug}}", slug))
    return found | {name for name, own in MADE_BY_HOOKS if own(answers)}


# --- checks of one bake ------------------------------------------------------

# Files whose job is to carry template-like syntax: the recorded answers, and
# GitHub Actions expressions (${{ ... }}).
CARRIERS = {".cruft.json", ".github/workflows/ci.yml"}
# Made by running the project's tools, not by the template.
TOOL_DIRS = {".venv", ".ruff_cache", ".pytest_cache", "__pycache__"}
LEFTOVER = re.compile(r"\{\{|\{%|\{#|cookiecutter\.")
# HTTP hooks' payload templates are Django templates: these files (and the
# example app's demo hook) show and test that syntax on purpose (they are
# copied without rendering); only a cookiecutter variable would be a leftover.
DJANGO_TEMPLATE_FILES = re.compile(
    r"(^|/)(platform/http_hooks/|tests/test_http_hooks|example/webhooks\.py)"
)
COOKIECUTTER_LEFTOVER = re.compile(r"cookiecutter\.")
LICENSE_FIRST_LINES = {
    "MIT": "MIT License",
    "BSD-3-Clause": "BSD 3-Clause License",
    "Apache-2.0": "Apache License",
    "GPL-3.0-or-later": "GNU GENERAL PUBLIC LICENSE",
}
QUEUE_PACKAGES = {
    "celery": "celery",
    "django_q": "django-q2",
    "django_tasks": "django-tasks",
    "dramatiq": "dramatiq",
    "huey": "huey",
}


def project_files(project):
    """Relative paths of the bake's files (tool output left out)."""
    return {
        str(path.relative_to(project))
        for path in project.rglob("*")
        if path.is_file() and not TOOL_DIRS.intersection(path.relative_to(project).parts)
    }


def texts(project, files):
    found = {}
    for relative in files:
        try:
            found[relative] = (project / relative).read_text()
        except UnicodeDecodeError:
            continue
    return found


def problems(project, answers):
    """Everything wrong with ``project`` baked from the (full) ``answers``, as (check, message)."""
    project = Path(project)
    files = project_files(project)
    contents = texts(project, files)
    found = [("files", message) for message in file_problems(project, files, answers)]
    found += [("leftovers", message) for message in leftover_problems(project, contents)]
    found += [("contents", message) for message in content_problems(contents, answers)]
    return found


def file_problems(project, files, answers):
    expected = expected_files(answers)
    for relative in sorted(expected - files):
        yield f"missing {relative}"
    for relative in sorted(files - expected):
        yield f"unexpected {relative}"
    for folder in project.rglob("*"):
        if (
            folder.is_dir()
            and not TOOL_DIRS.intersection(folder.parts)
            and not any(folder.iterdir())
        ):
            yield f"empty folder {folder.relative_to(project)}"


def leftover_problems(project, contents):
    for relative, text in sorted(contents.items()):
        if relative in CARRIERS:
            continue
        pattern = COOKIECUTTER_LEFTOVER if DJANGO_TEMPLATE_FILES.search(relative) else LEFTOVER
        match = pattern.search(text)
        if match:
            yield f"unrendered template syntax in {relative}: {match.group(0)!r}"


def content_problems(contents, answers):
    """What each answer switches on or off inside files, and the answers written in."""
    slug = answers["project_slug"]

    def has(relative, needle):
        return needle in contents.get(relative, "")

    def expect(condition, message):
        return [] if condition else [f"{message}: not as the answers say"]

    # The platform's guid app always ships SentryIntegration (its public API):
    # the project's own files mention Sentry only when it was chosen.
    configuration = "\n".join(
        contents.get(name, "")
        for name in ("pyproject.toml", "config/settings.py", ".env.example", "README.md")
    ).lower()
    code_and_docs = "\n".join(
        text for relative, text in contents.items() if relative.endswith((".py", ".md", ".toml"))
    )
    everything = "\n".join(t for r, t in contents.items() if r not in CARRIERS).lower()
    dependencies = contents.get("pyproject.toml", "")
    queue = answers["task_executor"]
    found = []
    found += expect(("sentry" in configuration) is answers["use_sentry"], "Sentry configuration")
    found += expect(
        has("config/settings.py", '.example",') is answers["include_example"],
        "example app in INSTALLED_APPS",
    )
    for executor, package in QUEUE_PACKAGES.items():
        found += expect(
            (f'"{package}' in dependencies) is (executor == queue), f"dependency {package}"
        )
    found += expect(("worker:" in contents.get("Makefile", "")) is (queue != "sync"), "make worker")
    hooks = answers["use_http_hooks"]
    found += expect(("http_hooks" in configuration) is hooks, "http_hooks configuration")
    found += expect(("http_hooks" in code_and_docs) is hooks, "http_hooks named in code or docs")
    for package in ("aiohttp", "standardwebhooks"):
        found += expect((f'"{package}' in dependencies) is hooks, f"dependency {package}")
    logux = answers["use_logux"]
    for package in ("httpx", "semantic-version"):
        found += expect((f'"{package}' in dependencies) is logux, f"dependency {package}")
    found += expect(("logux" in everything) is logux, "Logux named in the project")

    project = tomllib.loads(dependencies)["project"]
    license_choice = answers["open_source_license"]
    if license_choice == "Not open source":
        found += expect("license" not in project, "pyproject license field")
        found += expect("Private :: Do Not Upload" in project["classifiers"], "private classifier")
    else:
        found += expect(project.get("license") == license_choice, "pyproject license field")
        head = "\n".join(contents.get("LICENSE", "").splitlines()[:5])
        found += expect(LICENSE_FIRST_LINES[license_choice] in head, "LICENSE text")
    found += expect(project["name"] == slug.replace("_", "-"), "pyproject name")
    found += expect(project["version"] == answers["version"], "pyproject version")
    found += expect(project["description"] == answers["description"], "pyproject description")
    found += expect(
        project["authors"] == [{"name": answers["author_name"], "email": answers["email"]}],
        "pyproject authors",
    )
    found += expect(
        contents.get("README.md", "").startswith(f"# {answers['project_name']}\n"), "README title"
    )
    # Platform apps are shared by every project: relative imports only, no slug
    # (checked for slugs that cannot be an ordinary word or the docs' example name).
    if "_" in slug and slug != defaults()["project_slug"]:
        naming = re.compile(rf"\b{slug}\b")
        found += [
            f"{relative} names the package {slug!r}"
            for relative, text in contents.items()
            if relative.startswith(f"{slug}/platform/") and naming.search(text)
        ]
    return found


def by_option(results):
    """Group failures by check, with the answers every failing combination shares.

    ``results`` maps a label to ``(answers, [(check, message), ...])``. Returns
    report lines: for each failing check, how many combinations fail, the
    answers all of them have in common (the likely cause), and examples.
    """
    failing = defaultdict(list)
    for label, (_, found) in results.items():
        for check in sorted({check for check, _ in found}):
            failing[check].append(label)
    lines = []
    for check, labels in sorted(failing.items()):
        shared = None
        for label in labels:
            items = set(results[label][0].items())
            shared = items if shared is None else shared & items
        passing = [label for label in results if label not in labels]
        causes = sorted(
            f"{key}={value!r}"
            for key, value in shared or ()
            if any(results[label][0].get(key) != value for label in passing) or not passing
        )
        lines.append(
            f"{check}: {len(labels)} of {len(results)} combinations fail; "
            f"all of them have {', '.join(causes) or 'no answer in common'}"
        )
        for label in labels[:3]:
            messages = [m for c, m in results[label][1] if c == check]
            lines.append(f"  {label}: " + "; ".join(messages[:5])[:1500])
    return lines


def label(answers):
    """A short, stable name for a combination: the multiplied answers and the slug."""
    values, answers = [], full(answers)
    for key in MULTIPLIED:
        value, name = answers[key], key.removeprefix("use_").removeprefix("include_")
        values.append(name if value is True else f"no-{name}" if value is False else str(value))
    return "-".join(values) + f"-{answers['project_slug']}"
