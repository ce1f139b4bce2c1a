"""Settings of the benchmark server: the production settings, plus two things only the benchmark needs.

* ``bench.urls``: the production URLs with the baseline views (bench/baseline.py) added;
* ``bench.middleware.QueryCount``: every response says how many SQL statements it ran (``X-Bench-Queries``)
  and how many database round trips it took, transaction control included (``X-Bench-Round-Trips``),
  counted on the server, so the load tool can report both per request.

Everything else (DEBUG off, the database, persistent connections) comes from the environment that
bench/run.py gives the server, read by makeplus/settings.py as in production.
"""

from makeplus.settings import *  # noqa: F403
from makeplus.settings import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.middleware.QueryCount", *MIDDLEWARE]
