"""Run the benchmarks: ``python -m benchmarks [--quick] [--only NAME ...]`` (``make bench``).

Prints a table to stdout and writes the same figures, with the raw samples, to
``.cache/bench.json``. Progress, and whatever the template's hooks and servers
print, goes to stderr: file descriptor 1 is pointed at stderr while the
benchmarks run (cookiecutter's hooks are subprocesses that inherit it), so
stdout carries the table and nothing else.

Exits 1 if any benchmark failed (its traceback is on stderr; the others still
run and are reported), 2 on a usage error.
"""

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

from .common import REPO_ROOT, Context, discover, isolated_cookiecutter_config

DEFAULT_OUTPUT = REPO_ROOT / ".cache" / "bench.json"
SCRATCH_PARENT = Path("/tmp")


def parse_args(argv, names):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark the template; each figure is compared with a baseline "
        "measured in the same run.",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=names,
        metavar="NAME",
        help=f"run only this benchmark (repeatable); one of: {', '.join(names)}",
    )
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="where to write the JSON figures (default: .cache/bench.json)",
    )
    return parser.parse_args(argv)


@contextlib.contextmanager
def stdout_to_stderr():
    """Send file descriptor 1 (ours and our children's) to stderr until the block ends."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def run(selected, quick):
    """Run the selected benchmarks in a scratch directory under /tmp; return (results, errors)."""
    results, errors = [], {}
    parent = SCRATCH_PARENT if SCRATCH_PARENT.is_dir() else Path(tempfile.gettempdir())
    workdir = Path(tempfile.mkdtemp(prefix="cookiecutter-django-service-bench-", dir=parent))
    ctx = Context(quick=quick, workdir=workdir)
    try:
        with stdout_to_stderr(), isolated_cookiecutter_config(workdir):
            for benchmark in selected:
                ctx.log(f"running {benchmark.name}")
                try:
                    results.extend(benchmark.func(ctx))
                except Exception as error:  # report it, run the others, exit 1 at the end
                    traceback.print_exc()
                    errors[benchmark.name] = f"{type(error).__name__}: {error}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return results, errors


def _number(value, unit=""):
    if value is None:
        return "-"
    return f"{value:,.1f} {unit}".strip()


def table(results):
    headers = ["benchmark", "value", "baseline", "ratio", "n", "baseline is"]
    rows = [
        [
            r.name,
            _number(r.value, r.unit),
            _number(r.baseline, r.unit),
            "-" if r.ratio is None else f"{r.ratio:.2f}x",
            "-" if r.n is None else str(r.n),
            r.baseline_label,
        ]
        for r in results
    ]
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    right = {1, 2, 3, 4}  # figures are right-aligned

    def line(cells):
        return "  ".join(
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def main(argv=None):
    registry = discover()
    args = parse_args(argv, list(registry))
    if args.list:
        for benchmark in registry.values():
            print(f"{benchmark.name:12}  {benchmark.summary}")
        return 0
    selected = [registry[name] for name in registry if not args.only or name in args.only]

    results, errors = run(selected, args.quick)

    mode = "quick" if args.quick else "full"
    print(f"Benchmarks ({mode} run; ratio = value / baseline measured in the same run)")
    print(table(results))
    for name, message in errors.items():
        print(f"FAILED {name}: {message.splitlines()[0]}")

    report = {
        "generated_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "mode": mode,
        "benchmarks": [b.name for b in selected],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "results": [r.as_dict() for r in results],
        "errors": errors,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Wrote {args.output}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
