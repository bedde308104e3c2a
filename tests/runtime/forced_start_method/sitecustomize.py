"""Imported by every interpreter the runtime harness starts (this directory is on PYTHONPATH).

It changes multiprocessing's *default* start method without *setting* it: the script still
sees `get_start_method(allow_none=True) is None` and may call `set_start_method(...)` once,
exactly as on a platform whose default is that method (spawn: Windows, macOS; forkserver:
Linux from Python 3.14). Spawned children inherit the environment, so they get the same
default; their parent's method is then set explicitly by `multiprocessing.spawn.prepare`.
"""

import os

_method = os.environ.get("SPAWNGUARD_FORCE_START_METHOD")
if _method:
    import multiprocessing.context as _context

    # KeyError here (printed by site.py as "Error in sitecustomize") means a bad method name;
    # the harness checks the method before it starts anything.
    _context._default_context._default_context = _context._concrete_contexts[_method]
