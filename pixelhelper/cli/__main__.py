"""`python -m pixelhelper.cli`."""

import sys

from pixelhelper.cli import main

sys.exit(main())
