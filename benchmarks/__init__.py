"""Benchmarks of the template: ``python -m benchmarks`` (or ``make bench``); see README.md.

Each module registers its benchmarks with ``common.register``; ``__main__``
discovers them, runs them and reports every figure next to a baseline measured
in the same run.
"""
