# Developer shortcuts. Everything runs with any Python 3.11+: the scripts create .venv when needed.
PYTHON ?= python3

.PHONY: bench bench-small

# The benchmark (bench/run.py, about 12 min on 2 cores): seeds PostgreSQL, serves the app with gunicorn,
# drives it (reads and their 304s, statistics, door scans against the baseline, the 9:00 rush, growth),
# writes bench/RESULTS.md with the issue's targets met or not. PostgreSQL at BENCH_PG_URL (default
# postgres://postgres@127.0.0.1:5432). More options: make bench BENCH_ARGS="--seconds 20 --phones 64";
# python3 bench/run.py --help.
bench:
	$(PYTHON) bench/run.py $(BENCH_ARGS)

# A quicker run on a smaller event (5,000 participants, 100,000 door-log rows).
bench-small:
	$(PYTHON) bench/run.py --small $(BENCH_ARGS)
