"""`python -m pixelhelper`."""

import sys

from pixelhelper.cli import main

sys.exit(main())
