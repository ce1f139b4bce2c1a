#!/usr/bin/env python3
"""MakePlus developer entry point: needs only Python 3.11+.

    python3 scripts/dev.py serve   # venv, install, migrate SQLite, seed demo data, serve :8000
    python3 scripts/dev.py test    # venv, install, run the whole test suite (extra args go to pytest)
    python3 scripts/dev.py test -m "not fuzz"   # the everyday suite: all but the schema fuzz

The virtual environment lives in .venv and is reinstalled only when
requirements.txt changes.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".requirements.sha256"

# Demo data, in dependency order; each command is idempotent.
SEED_COMMANDS = [
    ["create_test_users"],
    ["create_test_data"],
    ["create_multi_event_data"],
    ["create_multi_event_users"],
]


def run(*args, env=None):
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=True)


def ensure_venv():
    if sys.version_info < (3, 11):
        sys.exit("MakePlus needs Python 3.11 or newer.")
    if not PYTHON.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "requirements.txt").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != wanted:
        run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", "requirements.txt")
        STAMP.write_text(wanted)


def dev_env():
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    return env


def serve(args):
    ensure_venv()
    env = dev_env()
    run(PYTHON, "manage.py", "migrate", "--no-input", env=env)
    for command in SEED_COMMANDS:
        run(PYTHON, "manage.py", *command, env=env)
    address = args[0] if args else "127.0.0.1:8000"
    print(f"\nMakePlus API on http://{address}/api/  docs: http://{address}/api/docs/\n", flush=True)
    os.execve(str(PYTHON), [str(PYTHON), "manage.py", "runserver", address], env)


def test(args):
    ensure_venv()
    run(PYTHON, "-m", "pytest", *args, env=dev_env())


def main():
    commands = {"serve": serve, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    try:
        commands[sys.argv[1]](sys.argv[2:])
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)


if __name__ == "__main__":
    main()
