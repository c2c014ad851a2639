"""`python -m privatelink_insights`: the same command as `plinsights`."""

import sys

from privatelink_insights import main

sys.exit(main())
