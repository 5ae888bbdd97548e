#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lmi_portal.settings")
    # A checkout without a secret key is a developer's machine: use the development defaults
    # there. Every deployment sets DJANGO_SECRET_KEY (and DJANGO_DEBUG=false) itself.
    env_file = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".env")
    if not os.environ.get("DJANGO_SECRET_KEY") and not os.path.exists(env_file):
        os.environ.setdefault("DJANGO_DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
