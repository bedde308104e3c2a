import os
import sys

# `python -m spawnguard` puts the working folder first on sys.path, and spawnguard runs in
# checkouts it must never execute: their `tomllib.py` or `json.py` would be imported (and run)
# in place of the standard library's. Drop that entry before importing anything else.
if (__name__ == "__main__" and sys.path and sys.path[0]
        and os.path.realpath(sys.path[0]) == os.path.realpath(os.getcwd())):
    del sys.path[0]

from spawnguard.cli import main  # after sys.path is safe

# Guarded: `spawnguard check` analyses big trees in worker processes, and under spawn those
# re-import this module (the very bug spawnguard reports).
if __name__ == "__main__":
    raise SystemExit(main())
