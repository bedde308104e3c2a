"""Imported by every interpreter the runtime harness starts (this directory is on PYTHONPATH).

It changes multiprocessing's *default* start method without *setting* it: the script still
sees `get_start_method(allow_none=True) is None` and may call `set_start_method(...)` once,
exactly as on a platform whose default is that method (spawn: Windows, macOS; forkserver:
Linux from Python 3.14). Spawned children inherit the environment, so they get the same
default; their parent's method is then set explicitly by `multiprocessing.spawn.prepare`.

`multiprocess` (the dill-based fork of multiprocessing that Hugging Face `datasets` uses) has
a default context of its own; it gets the same method when it is first imported (importing
it here would cost every run a third of a second).
"""

import os
import sys

_method = os.environ.get("SPAWNGUARD_FORCE_START_METHOD")


def _force(context_module) -> None:
    # KeyError here (printed by site.py as "Error in sitecustomize") means a bad method name;
    # the harness checks the method before it starts anything.
    context_module._default_context._default_context = context_module._concrete_contexts[_method]


class _ForceOnImport:
    """A meta-path finder that lets `multiprocess` import normally, then forces its default."""

    def find_spec(self, name, path=None, target=None):
        if name != "multiprocess":
            return None
        import importlib.util

        sys.meta_path.remove(self)  # find the real package, once
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        run_module = spec.loader.exec_module

        def exec_module(module) -> None:
            run_module(module)
            _force(sys.modules["multiprocess.context"])

        spec.loader.exec_module = exec_module
        return spec


if _method:
    import multiprocessing.context as _context

    _force(_context)
    sys.meta_path.insert(0, _ForceOnImport())
