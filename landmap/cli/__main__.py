import sys

from landmap.cli import main

sys.exit(main())
