"""The benchmark (issue 11): ``make bench`` runs bench/run.py; see bench/RESULTS.md for the figures."""
