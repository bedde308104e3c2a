"""Starts the spawnguard language server from the libraries bundled with the VS Code extension.

The extension runs `<python> bundled/tool/launch_server.py [--log-level L] [--stdio]`. The
bundled `libs` folder goes first on `sys.path`, so the user's Python needs nothing installed;
without a bundle (a development checkout) an installed `spawnguard` is used.
"""

import os
import sys

MINIMUM_PYTHON = (3, 10)

if sys.version_info < MINIMUM_PYTHON:
    # No f-string: this line must still run, and explain, on an old Python.
    sys.stderr.write(
        "spawnguard's language server needs Python {}.{} or newer, not {} ({})\n".format(
            *MINIMUM_PYTHON, sys.version.split()[0], sys.executable
        )
    )
    raise SystemExit(2)

BUNDLED_LIBS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "libs")
if os.path.isdir(BUNDLED_LIBS):
    sys.path.insert(0, BUNDLED_LIBS)

from spawnguard.server import main  # noqa: E402  (after the path is set)

raise SystemExit(main(sys.argv[1:]))
