"""gunicorn settings for production: ``gunicorn -c makeplus/gunicorn.conf.py makeplus.wsgi`` (Dockerfile).
Each value can be overridden on the command line or with GUNICORN_CMD_ARGS."""

import os

bind = "0.0.0.0:8000"
# 2 × cores + 1 for the requests, plus one per sign-in slot (accounts/login_gate.py: LOGIN_CONCURRENCY, default
# the cores): a crowd signing in holds at most those, the doors keep theirs (measured: bench/RESULTS.md, the rush).
_cores = os.cpu_count() or 1
_login_slots = int(os.environ.get("LOGIN_CONCURRENCY", _cores))
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * _cores + 1 + _login_slots))
# Sync workers: the door scan is a few short SQL statements; bounded database waits (DB_LOCK_TIMEOUT_MS,
# DB_STATEMENT_TIMEOUT_MS) keep any one request from holding a worker for long (README "Deployment").
worker_class = "makeplus.gunicorn_worker.JsonErrorsSyncWorker"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# gunicorn's defaults, stated: past them the answer is our JSON 414 / 431 (makeplus/gunicorn_worker.py).
limit_request_line = 4094
limit_request_field_size = 8190
limit_request_fields = 100
accesslog = "-"
