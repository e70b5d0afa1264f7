"""``python -m gradreg``: the ``gradreg`` command (see ``gradreg.cli``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
