#!/usr/bin/env python
import os
import sys
from pathlib import Path


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "makeplus.settings")
    # manage.py is the developers' tool first: unless the environment (or a local .env) says otherwise,
    # commands run with DEBUG on, so `manage.py makemigrations --check` works in a fresh checkout. The
    # servers start from makeplus/wsgi.py with DEBUG off by default; production sets DEBUG=0
    # (docker-compose.yml), and then every command needs SECRET_KEY, as the servers do.
    import environ

    environ.Env.read_env(Path(__file__).resolve().parent / ".env", overwrite=False)
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
