"""How many sign-ins may check a password at once on this machine (issue 22: the 9:00 rush).

A password check is PBKDF2 with Django's 1,000,000 iterations (it must stay slow: that is its job against a
stolen database): about 0.34 s of CPU, during which the sign-in holds a web worker. With no bound, a crowd
of phones signing in at once would hold every worker and take the CPU, and the door scans would queue behind
them. So a sign-in takes one of ``LOGIN_CONCURRENCY`` slots (default: the machine's cores; gunicorn runs one
worker more per slot: makeplus/gunicorn.conf.py) — locks on files that every worker process of the machine
shares — and when none is free (after ``LOGIN_SLOT_WAIT_MS``, default 0: a waiting sign-in would hold a
worker too) the answer is a retryable 503 ``busy`` (``Retry-After: 1``): the person taps again a moment
later, and the other workers keep serving the doors and the programme. The lock goes with the process if it
dies (``flock``). Measured in the benchmark's 9:00 rush (bench/RESULTS.md); hashing at a lower CPU priority
was tried there and dropped: fewer sign-ins got through and the doors gained nothing.
"""

import contextlib
import fcntl
import hashlib
import os
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from makeplus.errors import AppError

_POLL_SECONDS = 0.02


def _slot_files() -> list[Path]:
    # One set of slots per database (the tests' parallel runs and the benchmark's servers stay apart).
    name = hashlib.sha256(str(settings.DATABASES["default"]["NAME"]).encode()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / f"makeplus-login-slots-{name}"
    folder.mkdir(exist_ok=True)
    return [folder / f"slot-{index}" for index in range(settings.LOGIN_CONCURRENCY)]


def _take(path: Path):
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        return None
    return handle


@contextlib.contextmanager
def login_slot():
    """Hold a sign-in slot of this machine while the block runs; 503 ``busy`` when none frees up in time."""
    deadline = time.monotonic() + settings.LOGIN_SLOT_WAIT_MS / 1000
    slots = _slot_files()
    while True:
        for path in slots:
            handle = _take(path)
            if handle is not None:
                try:
                    yield
                finally:
                    os.close(handle)  # releases the lock
                return
        if time.monotonic() >= deadline:
            raise AppError(_("Many people are signing in right now: try again in a moment."), "busy")
        time.sleep(_POLL_SECONDS)
