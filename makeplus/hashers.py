"""Password hashing that gives way to the rest of the server (issue 22: the 9:00 rush).

A password check is PBKDF2 with Django's 1,000,000 iterations: about 0.34 s of CPU on one core of the
2-core machine the benchmark runs on. Forty phones signing in at once would take the CPU from the door
scans for seconds. The hash itself must stay slow (that is its job against a stolen database), so it runs
at a lower CPU priority instead: in one long-lived thread per process whose scheduling priority is lowered
(``nice`` 10, Linux: threads are scheduled on their own, and CPython's PBKDF2 releases the GIL while it
hashes). Requests at normal priority — door scans, reads — get the CPU first; the hashes use the rest.
How many sign-ins may be in flight at once is bounded separately (accounts/login_gate.py).
"""

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from django.contrib.auth import hashers

NICENESS = 10


def _lower_priority() -> None:
    with contextlib.suppress(AttributeError, OSError):  # not Linux: the hash runs at normal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _background():
    global _pool
    with _pool_lock:
        if _pool is None:  # one per process, made after gunicorn forks its workers
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hasher", initializer=_lower_priority)
        return _pool


class PBKDF2PasswordHasher(hashers.PBKDF2PasswordHasher):
    """Django's PBKDF2-SHA256 (same algorithm name, same hashes), computed at low CPU priority."""

    def encode(self, password, salt, iterations=None):
        return _background().submit(super().encode, password, salt, iterations).result()
