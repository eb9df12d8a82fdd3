"""Bake time: how long cookiecutter takes to generate the default project.

Every user pays this once per project, and the test suite pays it for every bake
it checks. The baseline is the very same bake with ``accept_hooks=False``, so the
ratio isolates what our pre- and post-generation hooks cost (each runs as its own
Python process: answer validation, pruning, .env, .cruft.json) from what
cookiecutter itself costs to render the template.
"""

import shutil
from pathlib import Path

from cookiecutter.main import cookiecutter

from .common import Stopwatch, bakery, median, register, repeat, timing_result

FULL_REPETITIONS = 10
QUICK_REPETITIONS = 3


@register("bake")
def bake_time(ctx):
    """Median wall time of baking the default project, with hooks vs. accept_hooks=False."""
    n = ctx.repetitions(FULL_REPETITIONS, QUICK_REPETITIONS)

    def with_hooks():
        output_dir = ctx.tempdir("bake-hooks-")
        try:
            with Stopwatch() as watch:
                project = bakery.bake(output_dir)
            # The post-generation hook writes .cruft.json: proves the hooks ran.
            if not (project / ".cruft.json").is_file():
                raise AssertionError(f"hooks did not run for {project}")
            return watch.seconds
        finally:
            shutil.rmtree(output_dir, ignore_errors=True)

    def without_hooks():
        output_dir = ctx.tempdir("bake-nohooks-")
        try:
            with Stopwatch() as watch:
                # The same call bakery.bake() makes, minus the hooks.
                project = cookiecutter(
                    str(bakery.TEMPLATE_DIR),
                    no_input=True,
                    output_dir=str(output_dir),
                    extra_context={},
                    accept_hooks=False,
                )
            if (Path(project) / ".cruft.json").exists():
                raise AssertionError(f"hooks ran although accept_hooks=False for {project}")
            return watch.seconds
        finally:
            shutil.rmtree(output_dir, ignore_errors=True)

    ctx.log(f"bake: {n} bakes with hooks and {n} without, interleaved (plus 1 warm-up each)")
    hooks, plain = repeat(n, with_hooks, without_hooks, warmup=1)
    return [
        timing_result("bake.median", median, hooks, plain, "same bake, accept_hooks=False"),
    ]
