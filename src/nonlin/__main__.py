"""``python -m nonlin`` runs the command line (the same as the ``nonlin`` command)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
