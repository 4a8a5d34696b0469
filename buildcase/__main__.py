"""`python -m buildcase`, the same as the `buildcase` command."""

import sys

from buildcase.cli import main

sys.exit(main())
