"""``python -m landmap``: the same as the ``landmap`` command."""

import sys

from landmap.cli import main

sys.exit(main())
