"""`python -m pb_tally FILE --rule RULE`, the same as the `pb-tally` console script."""

import sys

from pb_tally import main

sys.exit(main())
