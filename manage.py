#!/usr/bin/env python
"""Django's command-line utility for the governance portal."""
import os
import sys
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from portal.local_env import load_local_env

    load_local_env(Path(__file__).resolve().parent / "var" / "local.env")  # written by `make run` (ADR 0005)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
