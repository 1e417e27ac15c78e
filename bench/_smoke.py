"""`--smoke`: every benchmark's tiny mode.

`.ci/run` runs each `bench/*.py` with `--smoke` on every submission, so a benchmark can never
break unnoticed: tiny sizes, a few seconds, the same code path as the full run. A smoke run's
figures mean nothing; its JSON says `"smoke": true`, and it exits non-zero when the
benchmark's own checks fail (disagreeing results, an error in a part).
"""

import os
import sys

SMOKE = "--smoke" in sys.argv[1:]


def smoke_sizes(**sizes: str) -> bool:
    """In smoke mode, set the benchmark's size knobs (environment variables, inherited by its
    subprocesses) to `sizes`, and drop `--smoke` from argv. Returns whether smoke mode is on."""
    if SMOKE:
        os.environ.update(sizes)
        sys.argv[1:] = [a for a in sys.argv[1:] if a != "--smoke"]
    return SMOKE
