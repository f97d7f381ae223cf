"""``python -m sanzhang.partition``: the same command as ``sanzhang partition``."""

import sys

from .cli import main

sys.exit(main())
