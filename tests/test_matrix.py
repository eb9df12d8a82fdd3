"""Every combination of the prompts bakes a clean project whose own static checks pass.

The combinations come from cookiecutter.json (``options.combinations()``): 6
task queues times every yes/no and two-way choice, licenses and project names
cycled through them. Each queue's combinations are one test: they are baked,
checked for leftovers, files and contents, linted with ruff in one run, and
given Django's deployment and migration checks from one prepared interpreter
(``django_checks.py``). Failures are reported grouped by the answers the
failing combinations share.
"""

import json
import math
import re
import subprocess
from pathlib import Path

import pytest

from . import bakery, options

COMBINATIONS = options.combinations()
QUEUES = options.PROMPTS["task_executor"]
CHECKER = Path(__file__).with_name("django_checks.py")
# ruff format --check --output-format concise: "<file>:<row>:<col>: unformatted: ..."
WOULD_REFORMAT = re.compile(r"^(.+?):\d+:\d+: unformatted", re.M)


def check_combinations(combinations, root):
    """Bake and check ``combinations`` (override dicts) under ``root``; fail with a report."""
    bakes = {}
    for index, answers in enumerate(combinations):
        path = bakery.bake(root / str(index), **answers)
        bakes[path] = (options.label(answers), options.full(answers))
    wanted = sorted({r for path in bakes for r in bakery.requirements(path)})
    queue = {answers["task_executor"] for _, answers in bakes.values()}
    assert len(queue) == 1, "one prepared virtualenv per queue: check one queue at a time"
    venv = bakery.queue_venv(queue.pop(), wanted)

    found = {path: options.problems(path, answers) for path, (_, answers) in bakes.items()}
    for path, check, message in ruff_problems(venv, root):
        found[path].append((check, message))
    for path, message in django_problems(venv, bakes):
        found[path].append(("django", message))
    for path in bakes:
        if message := lock_problem(path):
            found[path].append(("uv lock --check", message))
    results = {bakes[path][0]: (bakes[path][1], found[path]) for path in bakes}
    report = options.by_option(results)
    assert not report, "\n".join(report)


def owner(root, filename):
    """The bake a file reported by ruff belongs to (bakes live at root/<index>/<slug>)."""
    relative = Path(filename).resolve().relative_to(root.resolve())
    return root / relative.parts[0] / relative.parts[1]


def ruff_problems(venv, root):
    """ruff check and ruff format --check over all bakes at once, each with its own config."""
    ruff = venv.bin / "ruff"
    checked = subprocess.run(
        [ruff, "check", "--output-format", "json", "--quiet", root],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert checked.returncode in {0, 1}, checked.stderr
    for item in json.loads(checked.stdout or "[]"):
        path = owner(root, item["filename"])
        where = Path(item["filename"]).relative_to(path)
        line = item["location"]["row"]
        yield path, "ruff check", f"{where}:{line} {item['code']} {item['message']}"
    formatted = subprocess.run(
        [ruff, "format", "--check", "--output-format", "concise", root],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert formatted.returncode in {0, 1}, formatted.stderr
    unformatted = WOULD_REFORMAT.findall(formatted.stdout)
    # Exit 1 names at least one file: a change in ruff's wording must not pass silently.
    assert bool(unformatted) == (formatted.returncode == 1), formatted.stdout[-3000:]
    for filename in unformatted:
        path = owner(root, filename)
        yield path, "ruff format", f"{Path(filename).resolve().relative_to(path.resolve())}"


def lock_problem(path):
    """The hook's cut-down uv.lock is what uv itself would write for this pyproject.toml
    (checked offline: no resolution needed when it is)."""
    result = subprocess.run(
        [bakery.UV, "lock", "--check", "--offline", "--quiet"],
        cwd=path,
        capture_output=True,
        text=True,
        env=bakery.clean_env(),
        timeout=120,
        check=False,
    )
    return result.stderr.strip()[-1500:] if result.returncode else None


def django_problems(venv, bakes):
    """`check --deploy --fail-level WARNING` and `makemigrations --check`, production settings."""
    request = {
        "projects": [str(path) for path in bakes],
        "env": {**bakery.PRODUCTION_ENV, "REDIS_URL": bakery.REDIS_URL},
    }
    result = subprocess.run(
        [venv.python, CHECKER],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        env=bakery.clean_env(),
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == len(bakes), result.stderr[-4000:]
    for answer in answers:
        if answer["returncode"] != 0:
            yield Path(answer["project"]), answer["output"].strip()[-1500:]


@pytest.mark.timeout(1200)
@pytest.mark.parametrize("queue", QUEUES)
def test_every_combination_of_the_prompts_bakes_a_clean_project(queue, tmp_path):
    check_combinations([c for c in COMBINATIONS if c["task_executor"] == queue], tmp_path)


@pytest.mark.fast
def test_the_default_bake_passes_the_same_checks(tmp_path):
    check_combinations([{}], tmp_path)


def test_the_combinations_cover_every_prompt():
    """A prompt added to cookiecutter.json is multiplied in or cycled, and its tests chosen."""
    yes_no = [k for k, v in options.PROMPTS.items() if isinstance(v, bool)]
    choices = [k for k, v in options.PROMPTS.items() if isinstance(v, list)]
    expected = math.prod(
        2 if key in yes_no else len(options.PROMPTS[key])
        for key in yes_no + choices
        if key not in options.ROUND_ROBIN
    )
    assert len(COMBINATIONS) == expected == 384
    assert len({options.label(c) for c in COMBINATIONS}) == len(COMBINATIONS)
    for key in options.ROUND_ROBIN:
        values = [True, False] if key in yes_no else options.PROMPTS[key]
        assert {c[key] for c in COMBINATIONS} == set(values)
        if key in yes_no:
            # Cycled by parity: each of its values meets each value of every other prompt.
            for other in options.MULTIPLIED:
                met = {(c[other], c[key]) for c in COMBINATIONS}
                assert len(met) == 2 * len({c[other] for c in COMBINATIONS}), (key, other)
    assert {options.full(c)["project_slug"] for c in COMBINATIONS} == {
        options.full(name)["project_slug"] for name in options.NAMES
    }
    assert set(options.CAPABILITIES) == set(options.PROMPTS), "map each prompt to its tests"
    assert {m for ms in options.CAPABILITIES.values() for m in ms} <= set(options.MARKERS)


def test_the_grouped_report_names_the_shared_cause():
    results = {
        "a": ({"use_logux": False, "ci": "none"}, [("ruff check", "x.py:1 I001")]),
        "b": ({"use_logux": False, "ci": "github"}, [("ruff check", "x.py:1 I001")]),
        "c": ({"use_logux": True, "ci": "none"}, []),
    }
    report = options.by_option(results)
    assert report[0] == ("ruff check: 2 of 3 combinations fail; all of them have use_logux=False")
    assert options.by_option({"c": results["c"]}) == []
