"""`python -m gateway.cli ...` is `cbccvc ...` (the tests run it so, with their interpreter)."""

import sys

from gateway.cli import main

sys.exit(main())
