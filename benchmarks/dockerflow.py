"""Dockerflow endpoints and the request-summary middleware under load.

Targets: ``/__lbheartbeat__`` at least as fast as a trivial view (ratio >= 1),
and the summary-logging middleware costing under 3% of a trivial view's
throughput (ratio >= 0.97). ``/__heartbeat__`` (database and migration checks on
the default SQLite database) is reported beside them, without a target.
Everything is served by one sync gunicorn worker and loaded alternately with
wrk from the other core; one summary line per request goes to the log file.
"""

from . import load
from .common import Result, median, p99, register

FULL_ROUNDS = 8
QUICK_ROUNDS = 2
TRIVIAL = "trivial view, same project"
NO_SUMMARY = "same project without RequestSummaryMiddleware"


@register("dockerflow")
def dockerflow(ctx):
    """Requests/s and p99 of the probes vs. a trivial view; cost of summary logging."""
    rounds = ctx.repetitions(FULL_ROUNDS, QUICK_ROUNDS)
    project, venv = load.prepared_project(ctx, "dockerflow-")
    variants = {
        "trivial": ("", "/trivial/"),
        "lbheartbeat": ("", "/__lbheartbeat__"),
        "heartbeat": ("", "/__heartbeat__"),
        "trivial_without_summary": ("RequestSummaryMiddleware", "/trivial/"),
    }
    ctx.log(f"dockerflow: {rounds} alternating rounds ({load.generator_name()})")
    runs = load.compare(ctx, project, venv, variants, rounds)

    def rps(name):
        return [m.rps for m in runs[name]]

    def latency(name):
        return [m.p99_ms for m in runs[name]]

    rows = []
    for name in ("lbheartbeat", "heartbeat"):
        rows.append(
            Result(
                f"dockerflow.{name}_rps",
                median(rps(name)),
                "req/s",
                median(rps("trivial")),
                TRIVIAL,
                rounds,
                rps(name),
                rps("trivial"),
            )
        )
        rows.append(
            Result(
                f"dockerflow.{name}_p99",
                p99(latency(name)),
                "ms",
                p99(latency("trivial")),
                TRIVIAL,
                rounds,
                latency(name),
                latency("trivial"),
            )
        )
    rows.append(
        Result(
            "dockerflow.summary_logging_rps",
            median(rps("trivial")),
            "req/s",
            median(rps("trivial_without_summary")),
            NO_SUMMARY,
            rounds,
            rps("trivial"),
            rps("trivial_without_summary"),
        )
    )
    return rows
