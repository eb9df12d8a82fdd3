"""The generated suite's timing-dependent tests hold on a loaded 2-core machine.

A user's laptop or CI runner is often busy. Here the tests of the default
bake that measure time (delivery timeouts and concurrency, the heartbeat's
time limit, the Logux answers' arrival on a real socket, gunicorn workers
counting wrong secrets) run while two busy loops, one per core, compete with
them at the same priority.
"""

import subprocess
import sys

import pytest

from .test_bakes import run_generated_suite

TIMING_TESTS = [
    "tests/test_http_hooks_delivery.py",
    "tests/test_dockerflow.py::test_a_check_that_hangs_is_cut_off_by_the_time_limit",
    "tests/test_logux.py::test_resend_and_approved_leave_before_a_slow_process_runs",
    "tests/test_logux.py::test_a_slow_command_does_not_hold_back_the_answers_before_it",
    "tests/test_logux.py::test_wrong_secrets_are_counted_across_worker_processes_by_default",
]
HOGS = 2  # one busy loop per core


@pytest.mark.xdist_group("defaults")
def test_timing_dependent_generated_tests_pass_alongside_a_cpu_hog(baked):
    bake = baked("defaults")
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(HOGS)]
    try:
        # The multi-process delivery tests need PostgreSQL: test_postgres.py runs them.
        run_generated_suite(bake, *TIMING_TESTS, "-m", "not defaults_only")
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
