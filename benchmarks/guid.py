"""Cost of the correlation-id middleware on a trivial view (target: under 3% of throughput).

The same baked project is served twice by gunicorn (one sync worker each),
once with ``guid_middleware`` and once without, and loaded alternately with
wrk from the other core. The ratio with/without is the figure the target is
set on; p99 latency is reported beside it.
"""

from . import load
from .common import Result, median, register

FULL_ROUNDS = 10
QUICK_ROUNDS = 3
LABEL = "same project without guid_middleware"


@register("guid")
def guid_overhead(ctx):
    """Trivial-view requests/s through gunicorn with vs. without the guid middleware."""
    rounds = ctx.repetitions(FULL_ROUNDS, QUICK_ROUNDS)
    project, venv = load.prepared_project(ctx, "guid-")
    generator = load.generator_name()
    ctx.log(f"guid: {rounds} alternating {load.WRK_DURATION}s runs per variant ({generator})")
    variants = {"with": ("", "/trivial/"), "without": ("guid_middleware", "/trivial/")}
    runs = load.compare(ctx, project, venv, variants, rounds)
    with_rps = [m.rps for m in runs["with"]]
    without_rps = [m.rps for m in runs["without"]]
    with_p99 = [m.p99_ms for m in runs["with"]]
    without_p99 = [m.p99_ms for m in runs["without"]]
    return [
        Result(
            "guid.trivial_rps",
            median(with_rps),
            "req/s",
            median(without_rps),
            LABEL,
            len(with_rps),
            with_rps,
            without_rps,
        ),
        Result(
            "guid.trivial_p99",
            median(with_p99),
            "ms",
            median(without_p99),
            LABEL,
            len(with_p99),
            with_p99,
            without_p99,
        ),
    ]
