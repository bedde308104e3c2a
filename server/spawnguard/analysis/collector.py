"""The cyclic garbage collector is paused while a file is analysed.

Parsing and modelling a file allocates hundreds of thousands of AST nodes and facts, and
almost none of them are in reference cycles: reference counting frees them when the analysis
ends. Left on, the collector would walk the growing tree again and again while it is built;
on a big file that took more than a third of the analysis time. It is paused for the
analysis and resumed afterwards, when the few cycles left are collected as usual.

There is one collector per process and analyses may run in threads (the language server
runs them in a pool), so pauses are counted: the collector resumes when the last pause ends,
and only if it was on when the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class CollectorPauses:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._resume = False

    @contextmanager
    def paused(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0 and self._resume:
                    gc.enable()


# One for the process, as the collector it pauses is.
collector_paused = CollectorPauses().paused
