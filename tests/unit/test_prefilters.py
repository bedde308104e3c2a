"""The text prefilters: files they skip are never parsed, so they must lose nothing.

Each case is analysed twice — as the product does, and with every prefilter switched off —
and the findings must be the same. The cases name each spelling of each API and the text the
prefilters deliberately pass over (comments, doctest lines, definitions of a same-named
function).
"""

from __future__ import annotations

import pytest
from robustness.checks import prefilters_off

from spawnguard.analysis.apis import WORKER_API_WORDS, may_start_workers
from spawnguard.analysis.guard import may_have_broken_guard
from spawnguard.engine import analyze

from .helpers import dedent

WORKER = "def work(item=None):\n    return item\n\n\n"

# Each starts workers at import time or asks for fork: every one has findings.
STARTING = {
    "SpawnProcess": "from multiprocessing.context import SpawnProcess\n" + WORKER
    + "SpawnProcess(target=work).start()\n",
    "ForkServerProcess": "import multiprocessing.context as c\n" + WORKER
    + "c.ForkServerProcess(target=work).start()\n",
    "Process alias": "from multiprocessing import Process as P\n" + WORKER
    + "P(target=work).start()\n",
    "assigned alias": "import multiprocessing as mp\nmake = mp.Process\n" + WORKER
    + "make(target=work).start()\n",
    "subclass": "import multiprocessing as mp\n" + WORKER
    + "class Job(mp.Process):\n    pass\n\nJob(target=work).start()\n",
    "Pool": "from multiprocessing import Pool\n" + WORKER + "Pool(2).map(work, [1])\n",
    "executor": "import concurrent.futures as cf\n" + WORKER
    + "cf.ProcessPoolExecutor().submit(work)\n",
    "torch spawn": "import torch.multiprocessing as mp\n" + WORKER + "mp.spawn(work)\n",
    "start_processes": "from torch.multiprocessing import start_processes\n" + WORKER
    + "start_processes(work)\n",
    "DataLoader": "from torch.utils.data import DataLoader\n"
    + "for batch in DataLoader([1, 2], num_workers=2):\n    pass\n",
    "set_start_method": "import multiprocessing\nmultiprocessing.set_start_method('spawn')\n",
    "get_context fork": "import multiprocessing as mp\nctx = mp.get_context('fork')\n",
    "get_context alias fork": "from multiprocessing import get_context as gc\n"
    + "ctx = gc('fork')\n",
    "joblib": "from joblib import Parallel, delayed\n" + WORKER
    + "Parallel(n_jobs=2, backend='multiprocessing')(delayed(work)(i) for i in range(2))\n",
    "same line as a comment": "from multiprocessing import Pool\n" + WORKER
    + "Pool(2).map(work, [1])  # Pool(\n",
    "broken guard": "if __name__ == 'main':\n    print('never')\n",
    "parenthesised alias": "import multiprocessing as mp\n" + WORKER
    + "make = (mp.Process)\nmake(target=work).start()\n",
    "annotated alias": "import multiprocessing as mp\nfrom typing import Any\n" + WORKER
    + "make: Any = mp.Process\nmake(target=work).start()\n",
    "walrus alias": "import multiprocessing as mp\n" + WORKER
    + "(make := mp.Process)\nmake(target=work).start()\n",
    "alias over lines": "import multiprocessing as mp\n" + WORKER
    + "make = (\n    mp.Process\n)\nmake(target=work).start()\n",
    "call after a backslash": "import multiprocessing as mp\n" + WORKER
    + "mp.Process \\\n(target=work).start()\n",
    "call after a comment": "import multiprocessing as mp\n" + WORKER
    + "(mp.Process  # a comment\n (target=work)).start()\n",
    "call after a form feed": "import multiprocessing as mp\n" + WORKER
    + "mp.Process\f(target=work).start()\n",
    "import list alias": "from multiprocessing import (\n    Process\n    as P)\n" + WORKER
    + "P(target=work).start()\n",
    "base over lines": "import multiprocessing as mp\n" + WORKER
    + "class Job(\n        mp.Process):\n    pass\n\nJob(target=work).start()\n",
    "loop over APIs": "import multiprocessing as mp\n" + WORKER
    + "for make in [mp.Process]:\n    make(target=work).start()\n",
    "returned": "import multiprocessing as mp\n" + WORKER
    + "def factory():\n    return mp.Process\n\n\nfactory()(target=work).start()\n",
    "alias after many comment lines": "import multiprocessing as mp\n" + WORKER
    + "make = (\n" + "    # why\n" * 8 + "    mp.Process\n)\nmake(target=work).start()\n",
    "import then code on one line": "import multiprocessing as mp\n" + WORKER
    + "import os; make = mp.Process\nmake(target=work).start()\n",
    "alias as a base class": "from torch.utils.data import DataLoader as Loader\n\n"
    "class Fast(Loader):\n    pass\n\nfor b in Fast(range(4), num_workers=2):\n    pass\n",
}

# The prefilter may skip these: nothing here starts workers.
SKIPPED = {
    "comment": "# DataLoader(dataset, num_workers=4)\nx = 1\n",
    "doctest": '"""Example:\n\n    >>> loader = DataLoader(ds, num_workers=2)\n"""\n',
    "a def of the same name": "def spawn(command):\n    return command\n",
    "a class of the same name": "class Pool:\n    pass\n",
    "a longer identifier": "ProcessGroup(1)\nMaxPool2d(2)\nspawned(1)\n",
    "get_context without fork": "import contextvars\nctx = code_context.get_context(frame)\n",
    "docstring prose": 'def run():\n    """Process the data; spawn nothing; DataLoader-free."""\n',
    "string": "LABEL = 'Pool size'\n",
    "imports only": "from torch.utils.data import DataLoader\n"
    "from torch.multiprocessing.spawn import ProcessContext\n",
    "an alias only imported": "from torch.utils.data import (DataLoader as\n    Loader)\n",
}


def unfiltered_analysis(text: str) -> list[tuple]:
    with prefilters_off():
        return [(f.code, f.range) for f in analyze(text)]


@pytest.mark.parametrize("name", sorted(STARTING))
def test_prefilters_keep_every_spelling(name: str) -> None:
    text = STARTING[name]
    reference = unfiltered_analysis(text)
    assert reference, "the case itself must have findings"
    assert [(f.code, f.range) for f in analyze(text)] == reference


@pytest.mark.parametrize("name", sorted(SKIPPED))
def test_prefilters_skip_text_that_is_not_a_call(name: str) -> None:
    text = SKIPPED[name]
    assert not may_start_workers(text)
    assert not may_have_broken_guard(text)
    assert unfiltered_analysis(text) == []


def test_every_api_word_is_looked_for() -> None:
    """Each last name of a worker API (and of its fully spelled-out homes) is searched."""
    for word in sorted(WORKER_API_WORDS):
        call = f"import multiprocessing\n{word}(1)\n"
        if word == "get_context":
            call += "# fork\n"
        assert may_start_workers(call), word


def test_guard_prefilter_judges_headers_over_several_lines() -> None:
    assert may_have_broken_guard(dedent("""
        if (
            __name__
            == "main"
        ):
            pass
    """))
    assert not may_have_broken_guard('if __name__ == "__main__":\n    pass\n')
    assert not may_have_broken_guard("if x:\n    log = getLogger(__name__)  # main\n")


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
@pytest.mark.parametrize("name", sorted(STARTING))
def test_prefilters_read_every_line_break(name: str, newline: str) -> None:
    """Python ends lines at \\n, \\r\\n and \\r; the line-based text tests must too."""
    text = "# a header comment\n" + STARTING[name]
    expected = (may_start_workers(text), may_have_broken_guard(text))
    assert any(expected)
    assert (may_start_workers(text.replace("\n", newline)),
            may_have_broken_guard(text.replace("\n", newline))) == expected


def test_guard_prefilter_reads_form_feeds_in_indentation() -> None:
    text = "def main():\n    pass\n\n\fif __name__ is '__main__':\n    main()\n"
    assert may_have_broken_guard(text)
    found = [(f.code, f.range) for f in analyze(text)]
    assert "SPG301" in [code for code, _ in found]
    assert found == unfiltered_analysis(text)
