"""``python -m yuma``: the ``yuma`` command."""

import sys

from .cli import main

sys.exit(main())
