"""What every benchmark shares: the registry, the result row, timing and statistics.

Why the pieces look the way they do:

* Absolute timings differ by large factors between a laptop, a CI runner and a
  loaded machine, so every benchmark also measures a *baseline* in the same run
  (the same work without the part we are responsible for) and reports the ratio.
  Targets are read from ratios, never from absolute times.
* Samples of the measured case and its baseline are interleaved, and the order
  flips every round (A B, B A, A B, ...), so drift during a run (caches
  warming, CPU throttling, a noisy neighbour) hits both sides alike instead of
  biasing the ratio.
* Medians rather than means: with 3 to 10 samples one stalled sample (a page
  cache miss, a scheduler hiccup) moves a mean a lot and a median hardly at all.
* A sampler returns the seconds it measured itself, so setup and cleanup
  (temporary directories, stopping a server) stay outside the timed window.
"""

import contextlib
import importlib
import math
import os
import pkgutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
# Modules of this package that are infrastructure, not benchmarks.
NOT_BENCHMARKS = {"common", "__main__"}


# The test suite's helpers bake and serve projects: reusing them keeps the
# benchmarks measuring exactly what the tests exercise.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
from tests import bakery  # noqa: E402, F401 (used as common.bakery)

# --- Registry ---------------------------------------------------------------


@dataclass
class Benchmark:
    name: str
    func: Callable[["Context"], list["Result"]]

    @property
    def summary(self):
        doc = (self.func.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""


REGISTRY: dict[str, Benchmark] = {}


def register(name):
    """Register ``func(ctx) -> list[Result]`` as the benchmark ``name`` (for ``--only``)."""

    def decorator(func):
        if name in REGISTRY:
            raise ValueError(f"benchmark {name!r} is registered twice")
        REGISTRY[name] = Benchmark(name, func)
        return func

    return decorator


def discover():
    """Import every module of this package so that each registers its benchmarks.

    Adding a benchmark is then one new module with a ``@register("name")``
    function; nothing else has to be edited. Modules run in file-name order.
    """
    for info in sorted(pkgutil.iter_modules([str(PACKAGE_DIR)]), key=lambda i: i.name):
        if info.name not in NOT_BENCHMARKS and not info.name.startswith("_"):
            importlib.import_module(f"{__package__}.{info.name}")
    return REGISTRY


# --- Running ----------------------------------------------------------------


@dataclass
class Context:
    """What a benchmark gets: the mode and a scratch directory removed after the run."""

    quick: bool
    workdir: Path

    def repetitions(self, full, quick):
        return quick if self.quick else full

    def tempdir(self, prefix):
        """A fresh empty directory under the run's scratch directory (itself under /tmp)."""
        return Path(tempfile.mkdtemp(prefix=prefix, dir=self.workdir))

    def log(self, message):
        """Progress goes to stderr so that stdout carries only the table."""
        print(f"[bench] {message}", file=sys.stderr, flush=True)


class Stopwatch:
    """``with Stopwatch() as watch: ...`` then ``watch.seconds`` (monotonic, high resolution)."""

    seconds = None

    def __enter__(self):
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc_info):
        self.seconds = time.perf_counter() - self._start
        return False


def repeat(n, *samplers, warmup=1):
    """Run every sampler ``n`` times, interleaved; return one list of seconds per sampler.

    A sampler is a zero-argument callable returning the seconds it measured.
    ``warmup`` untimed rounds come first: they import modules, fill the page
    cache and write bytecode caches, which a real deployment has long done, and
    they fail fast if a sampler is broken. The loop is bounded by ``n``.
    """
    for _ in range(warmup):
        for sampler in samplers:
            sampler()
    samples = [[] for _ in samplers]
    order = list(range(len(samplers)))
    for round_number in range(n):
        for index in order if round_number % 2 == 0 else reversed(order):
            samples[index].append(float(samplers[index]()))
    return samples


@contextlib.contextmanager
def isolated_cookiecutter_config(directory):
    """Point cookiecutter at a config of its own under ``directory`` for the duration.

    A user's ``~/.cookiecutterrc`` (``default_context``, ``replay_dir``) would
    otherwise change what "the default project" is and where replay files land.
    """
    directory = Path(directory)
    config = directory / "cookiecutterrc.yaml"
    config.write_text(
        f'cookiecutters_dir: "{directory / "cookiecutters"}"\n'
        f'replay_dir: "{directory / "replay"}"\n'
    )
    previous = os.environ.get("COOKIECUTTER_CONFIG")
    os.environ["COOKIECUTTER_CONFIG"] = str(config)
    try:
        yield config
    finally:
        if previous is None:
            os.environ.pop("COOKIECUTTER_CONFIG", None)
        else:
            os.environ["COOKIECUTTER_CONFIG"] = previous


# --- Statistics -------------------------------------------------------------


def median(samples):
    return statistics.median(samples)


def percentile(samples, q):
    """Nearest-rank percentile: always one of the samples, never an interpolation.

    With fewer than 100 samples ``percentile(samples, 99)`` is the maximum, which
    is the honest answer: a small run cannot tell a p99 from its worst case.
    """
    if not samples:
        raise ValueError("percentile of no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def p99(samples):
    return percentile(samples, 99)


# --- Results ----------------------------------------------------------------


@dataclass
class Result:
    """One row of the table (and of bench.json).

    ``baseline`` is the same statistic of the same-run baseline, in the same
    unit; ``ratio`` is value / baseline, the figure targets are set on.
    """

    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    n: int | None = None
    samples: list[float] = field(default_factory=list)
    baseline_samples: list[float] = field(default_factory=list)

    @property
    def ratio(self):
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    def as_dict(self):
        return {
            "name": self.name,
            "value": round(self.value, 3),
            "unit": self.unit,
            "baseline": None if self.baseline is None else round(self.baseline, 3),
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "baseline_label": self.baseline_label,
            "n": self.n,
            "samples": [round(s, 3) for s in self.samples],
            "baseline_samples": [round(s, 3) for s in self.baseline_samples],
        }


def timing_result(name, statistic, seconds, baseline_seconds=None, baseline_label=""):
    """A row in milliseconds: ``statistic`` (e.g. ``median``) of samples and baseline samples."""
    to_ms = [s * 1000 for s in seconds]
    baseline_ms = [s * 1000 for s in baseline_seconds or []]
    return Result(
        name=name,
        value=statistic(to_ms),
        unit="ms",
        baseline=statistic(baseline_ms) if baseline_ms else None,
        baseline_label=baseline_label,
        n=len(to_ms),
        samples=to_ms,
        baseline_samples=baseline_ms,
    )
