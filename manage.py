#!/usr/bin/env python
import gc
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    finally:
        # What is left is freed by the exit: without this, the interpreter's
        # finalizing collections walk every object of Django and the libraries a
        # command loaded, 0.3-0.5 s at the end of every command on this machine.
        gc.freeze()


if __name__ == "__main__":
    main()
