"""``python -m bench.phone_concurrency [options]``."""

import sys

from bench.phone_concurrency.cli import main

if __name__ == "__main__":
    main(sys.argv[1:])
