"""Benchmarks of ecocomp against hand-written alternatives (`python -m bench [--quick]`).

Each case runs in its own child process so that its peak memory is its own; the runner prints a
table and writes `bench/RESULTS.md` (full run) or `bench/work/RESULTS-quick.md` (quick run).
"""
