"""SPG101 worker-start-at-import: exact findings for worker starts at import time."""

from __future__ import annotations

import pytest

from spawnguard.analysis.findings import Severity

from .helpers import codes, dedent, found, run, span, span_in, span_of

DATASET = """
class Squares:
    def __len__(self):
        return 4

    def __getitem__(self, index):
        return index * index
"""

IMPORT_FORMS = {
    "from-import": ("from torch.utils.data import DataLoader", "DataLoader"),
    "alias": ("from torch.utils.data import DataLoader as DL", "DL"),
    "module-alias": ("import torch.utils.data as tud", "tud.DataLoader"),
    "full-path": ("import torch", "torch.utils.data.DataLoader"),
    "submodule": ("import torch.utils.data", "torch.utils.data.DataLoader"),
    "star": ("from torch.utils.data import *", "DataLoader"),
    "dataloader-module": ("from torch.utils.data.dataloader import DataLoader", "DataLoader"),
}


@pytest.mark.parametrize("form", sorted(IMPORT_FORMS))
def test_every_import_form_of_dataloader(form: str) -> None:
    import_line, name = IMPORT_FORMS[form]
    source = dedent(f"""
        {import_line}
        """) + DATASET + f"\nloader = {name}(Squares(), batch_size=2, num_workers=2)\n" \
        "for batch in loader:\n    print(batch)\n"
    assert found(source) == [("SPG101", span_in(source, "for batch in loader", "loader"))]


def test_dataloader_with_zero_omitted_or_positional_workers() -> None:
    head = "from torch.utils.data import DataLoader\n" + DATASET
    zero = head + "for b in DataLoader(Squares(), num_workers=0):\n    pass\n"
    omitted = head + "for b in DataLoader(Squares(), batch_size=2):\n    pass\n"
    positional = head + "for b in DataLoader(Squares(), 2, False, None, None, 3):\n    pass\n"
    positional_zero = head + "for b in DataLoader(Squares(), 2, False, None, None, 0):\n    pass\n"
    assert codes(zero) == []
    assert codes(omitted) == []
    assert codes(positional) == ["SPG101"]
    assert codes(positional_zero) == []


@pytest.mark.parametrize(
    ("workers", "expected"),
    [
        ("2", Severity.ERROR),
        ("WORKERS", Severity.ERROR),  # WORKERS = 3 above
        ("os.cpu_count()", Severity.WARNING),
        ("int(os.environ['N'])", Severity.WARNING),
        ("args.workers", Severity.ERROR),  # argparse default=4
        ("args.none_default", Severity.WARNING),
    ],
)
def test_worker_count_decides_severity(workers: str, expected: Severity) -> None:
    source = dedent("""
        import argparse
        import os
        from torch.utils.data import DataLoader
        WORKERS = 3
        parser = argparse.ArgumentParser()
        parser.add_argument("--workers", type=int, default=4)
        parser.add_argument("--none-default", type=int)
        args = parser.parse_args()
        """) + DATASET + f"loader = DataLoader(Squares(), num_workers={workers})\n" \
        "for batch in loader:\n    pass\n"
    [finding] = [f for f in run(source) if f.code == "SPG101"]
    assert finding.severity is expected


def test_argparse_default_zero_and_double_star_kwargs() -> None:
    source = dedent("""
        import argparse
        from torch.utils.data import DataLoader
        parser = argparse.ArgumentParser()
        parser.add_argument("-w", "--num-workers", type=int, default=0)
        args = parser.parse_args()
        loader = DataLoader(range(4), num_workers=args.num_workers)
        for batch in loader:
            pass
        cfg = {"num_workers": 2}
        for batch in DataLoader(range(4), **cfg):
            pass
        """)
    findings = [f for f in run(source) if f.code == "SPG101"]
    assert [(f.range.start.line, f.severity) for f in findings] == [(10, Severity.WARNING)]


ITERATIONS = {
    "for": "for b in loader:\n    pass\n",
    "iter": "it = iter(loader)\n",
    "next-iter": "first = next(iter(loader))\n",
    "list": "batches = list(loader)\n",
    "enumerate": "for i, b in enumerate(loader):\n    pass\n",
    "zip": "for a, b in zip(loader, range(3)):\n    pass\n",
    "tqdm": "from tqdm import tqdm\nfor b in tqdm(loader):\n    pass\n",
    "tqdm-auto": "from tqdm.auto import tqdm\nfor b in tqdm(loader, desc='x'):\n    pass\n",
    "comprehension": "sizes = [len(b) for b in loader]\n",
    "generator": "total = sum(len(b) for b in loader)\n",
    "same-file-function": "def consume(dl):\n    for b in dl:\n        pass\n\nconsume(loader)\n",
    "lightning": "import lightning as L\ntrainer = L.Trainer()\ntrainer.fit(model, loader)\n",
    "lightning-keyword": (
        "from pytorch_lightning import Trainer\n"
        "Trainer().fit(model, train_dataloaders=loader)\n"
    ),
}


@pytest.mark.parametrize("form", sorted(ITERATIONS))
def test_iteration_forms_start_workers(form: str) -> None:
    source = ("from torch.utils.data import DataLoader\nmodel = None\n"
              "loader = DataLoader(range(8), batch_size=2, num_workers=2)\n" + ITERATIONS[form])
    findings = [f for f in run(source) if f.code == "SPG101"]
    assert len(findings) == 1
    occurrences = source.count("loader") - source.count("dataloader")
    expected = span(source, "loader", source.count("loader"))
    assert occurrences >= 2
    got = findings[0].range
    assert (got.start.line, got.start.character, got.end.line, got.end.character) == expected


@pytest.mark.parametrize(
    "statement",
    ["n = len(loader)\n", "print(loader.batch_size)\n", "loaders = [loader]\n",
     "sampler_size = len(loader.sampler)\n"],
)
def test_construction_and_len_start_nothing(statement: str) -> None:
    source = ("from torch.utils.data import DataLoader\n"
              "loader = DataLoader(range(8), num_workers=2)\n" + statement)
    assert codes(source) == []


def test_guarded_start_is_silent_and_blocks_count() -> None:
    guarded = dedent("""
        import multiprocessing as mp

        def work():
            print("hi")

        if __name__ == "__main__":
            p = mp.Process(target=work)
            p.start()
            p.join()
        """)
    assert codes(guarded) == []
    reversed_operands = guarded.replace('__name__ == "__main__"', '"__main__" == __name__')
    assert codes(reversed_operands) == []
    conjunction = guarded.replace('__name__ == "__main__"', '__name__ == "__main__" and True')
    assert codes(conjunction) == []
    for wrapper in ("with open('x') as f:", "try:", "if args.x:"):
        body = "    p = mp.Process(target=work)\n    p.start()\n"
        tail = "\nexcept Exception:\n    pass\n" if wrapper == "try:" else "\n"
        source = ("import multiprocessing as mp\nargs = None\n\ndef work():\n    pass\n\n"
                  f"{wrapper}\n{body}{tail}")
        assert codes(source) == ["SPG101"], wrapper


def test_not_equal_guard_runs_body_at_import_and_else_is_guarded() -> None:
    source = dedent("""
        import multiprocessing as mp

        def work():
            pass

        if __name__ != "__main__":
            mp.Process(target=work).start()
        else:
            mp.Process(target=work).start()
        """)
    assert found(source) == [("SPG101", span(source, "mp.Process(target=work).start()"))]


def test_call_chain_from_bare_main_call() -> None:
    source = dedent("""
        from torch.utils.data import DataLoader

        def train(loader):
            for batch in loader:
                print(batch)

        def main():
            loader = DataLoader(range(4), num_workers=2)
            train(loader)

        main()
        """)
    [finding] = run(source)
    assert finding.code == "SPG101"
    # The primary range is the module-level call that starts the chain (where the guard
    # goes); the loader handed on in main() and its creation are related locations.
    assert span_of(finding.range) == span(source, "main()", 2)
    assert "main() → train(loader)" in finding.message
    related = [(span_of(r.range), r.message) for r in finding.related]
    assert related == [
        (span_in(source, "    train(loader)", "loader"),
         "the workers start here: train(loader)"),
        (span_in(source, "for batch in loader", "loader"), "train() iterates it here"),
        (span(source, "DataLoader(range(4), num_workers=2)"), "the DataLoader is created here"),
    ]



def test_function_called_only_from_guard_is_guarded() -> None:
    source = dedent("""
        import multiprocessing as mp

        def work():
            pass

        def main():
            with mp.Pool(2) as pool:
                pool.map(work, range(3))

        if __name__ == "__main__":
            main()
        """)
    assert codes(source) == []


def test_methods_called_at_import_time() -> None:
    source = dedent("""
        import multiprocessing as mp

        def work(x):
            return x

        class Runner:
            def __init__(self):
                self.run()

            def run(self):
                with mp.Pool(2) as pool:
                    pool.map(work, [1])

        Runner()
        """)
    [finding] = run(source)
    assert finding.code == "SPG101"
    assert "__init__() → run() →" in finding.message


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import multiprocessing as mp\nmp.Process(target=print).start()\n", ["SPG101"]),
        ("from multiprocessing import Process\np = Process(target=print)\np.start()\n",
         ["SPG101"]),
        ("import torch.multiprocessing as tmp\ntmp.Process(target=print).start()\n",
         ["SPG101"]),
        ("import multiprocessing as mp\nctx = mp.get_context('spawn')\n"
         "ctx.Process(target=print).start()\n", ["SPG101"]),
        ("import multiprocessing\npool = multiprocessing.Pool(2)\n", ["SPG101"]),
        ("from multiprocessing import Pool\nwith Pool(2) as pool:\n    pass\n", ["SPG101"]),
        ("import multiprocessing as mp\nmanager = mp.Manager()\n", ["SPG101"]),
        ("from concurrent.futures import ProcessPoolExecutor\nex = ProcessPoolExecutor()\n", []),
        ("from concurrent.futures import ProcessPoolExecutor\n"
         "with ProcessPoolExecutor(2) as ex:\n    ex.submit(print, 1)\n", ["SPG101"]),
        ("import concurrent.futures as cf\nex = cf.ProcessPoolExecutor(2)\n"
         "list(ex.map(abs, [1]))\n", ["SPG101"]),
        ("from concurrent.futures import ThreadPoolExecutor\n"
         "with ThreadPoolExecutor(2) as ex:\n    ex.submit(lambda: 1)\n", []),
        ("from multiprocessing.dummy import Pool\npool = Pool(2)\npool.map(abs, [1])\n", []),
        ("import torch.multiprocessing as tmp\n\ndef fn(rank):\n    pass\n\n"
         "tmp.spawn(fn, nprocs=2)\n", ["SPG101"]),
        ("from joblib import Parallel, delayed\n"
         "Parallel(n_jobs=2, backend='multiprocessing')(delayed(abs)(i) for i in range(3))\n",
         ["SPG101"]),
        ("from joblib import Parallel, delayed\n"
         "Parallel(n_jobs=2)(delayed(abs)(i) for i in range(3))\n", []),
    ],
)
def test_process_pool_executor_and_spawn_apis(source: str, expected: list[str]) -> None:
    assert [c for c in codes(source) if c != "SPG501"] == expected


def test_list_of_processes_started_in_a_loop() -> None:
    source = dedent("""
        import multiprocessing as mp

        def work(i):
            print(i)

        procs = [mp.Process(target=work, args=(i,)) for i in range(2)]
        for p in procs:
            p.start()
        """)
    assert found(source)[0] == ("SPG101", span(source, "p.start()"))


def test_process_subclass_start() -> None:
    source = dedent("""
        import multiprocessing

        class Worker(multiprocessing.Process):
            def run(self):
                print("run")

        Worker().start()
        """)
    assert codes(source) == ["SPG101"]


@pytest.mark.parametrize(
    ("source", "start"),
    [
        ("from multiprocessing.managers import SyncManager\nm = SyncManager()\nm.start()\n",
         "m.start()"),
        ("from multiprocessing.managers import SyncManager\nSyncManager().start()\n",
         "SyncManager().start()"),
        ("import multiprocessing.managers\nm = multiprocessing.managers.BaseManager()\n"
         "m.start()\n", "m.start()"),
        ("import torch.multiprocessing.managers as tm\nm = tm.SyncManager()\nm.start()\n",
         "m.start()"),
        ("from multiprocessing import managers\n"
         "class Mine(managers.BaseManager):\n    pass\n"
         "class Child(Mine):\n    pass\n"
         "Alias = Child\nm = Alias()\nm.start()\n", "m.start()"),
        ("from multiprocessing.managers import SyncManager\n"
         "with SyncManager() as m:\n    print(m.dict())\n", "SyncManager()"),
        ("from multiprocessing.managers import BaseManager\n"
         "class Mine(BaseManager):\n    pass\n"
         "def main():\n    with Mine():\n        pass\nmain()\n", "Mine()"),
    ],
)
def test_manager_start_and_with_start_a_server_process(source: str, start: str) -> None:
    # Through a bare `main()` the finding is on that call, the start a related location.
    [finding] = run(source)
    if "\nmain()" in source:
        assert found(source) == [("SPG101", span(source, "main()", 2))]
        assert [span_of(r.range) for r in finding.related] == [span(source, start)]
    else:
        assert found(source) == [("SPG101", span(source, start))]
    assert "starting a multiprocessing manager" in run(source)[0].message


@pytest.mark.parametrize(
    "source",
    [
        # Constructing a manager starts nothing; start() or `with` under the guard is fine.
        "from multiprocessing.managers import SyncManager\nm = SyncManager()\n",
        "from multiprocessing.managers import SyncManager\nm = SyncManager()\n"
        'if __name__ == "__main__":\n    m.start()\n',
        "from multiprocessing.managers import SyncManager\n"
        'if __name__ == "__main__":\n    with SyncManager() as m:\n        pass\n',
        # Not a manager: a class of this file with an unrelated base, or a thread.
        "import threading\nclass Mine(threading.Thread):\n    pass\nMine().start()\n",
        "from multiprocessing.managers import SyncManager\n"
        "class Mine:\n    def start(self):\n        pass\n"
        "Mine().start()\nwith open(__file__) as f:\n    pass\n",
    ],
)
def test_manager_not_started_at_import(source: str) -> None:
    assert codes(source) == []


def test_fork_context_is_honoured_and_reported_as_information() -> None:
    source = dedent("""
        import multiprocessing as mp

        ctx = mp.get_context("fork")
        with ctx.Pool(2) as pool:
            pool.map(abs, [1, 2])
        """)
    findings = run(source)
    assert [(f.code, f.severity) for f in findings] == [("SPG601", Severity.INFORMATION)]
    loader = dedent("""
        from torch.utils.data import DataLoader
        for b in DataLoader(range(4), num_workers=2, multiprocessing_context="fork"):
            pass
        """)
    assert codes(loader) == ["SPG601"]


def test_assume_fork_reports_only_what_fork_also_breaks() -> None:
    plain = "import multiprocessing as mp\nmp.Process(target=print).start()\n"
    assert codes(plain, assume_start_method="fork") == []
    spawn_always = ("import torch.multiprocessing as tmp\ndef fn(rank):\n    pass\n"
                    "tmp.spawn(fn, nprocs=2)\n")
    assert codes(spawn_always, assume_start_method="fork") == ["SPG101"]
    explicit = ("import multiprocessing as mp\nctx = mp.get_context('spawn')\n"
                "ctx.Process(target=print).start()\n")
    assert codes(explicit, assume_start_method="fork") == ["SPG101"]
    assert codes(plain, assume_start_method="forkserver") == ["SPG101"]


def test_file_level_fork_choice_is_honoured() -> None:
    source = dedent("""
        import multiprocessing as mp

        def work():
            pass

        if __name__ == "__main__":
            mp.set_start_method("fork")
        mp.Process(target=work).start()
        """)
    assert codes(source) == ["SPG601"]


def test_non_ascii_columns_are_code_points() -> None:
    source = ('import multiprocessing as mp\n'
              'prefix = "é😀中"; p = mp.Process(target=print); p.start()  # ünïcode\n')
    [(_code, where)] = [item for item in found(source) if item[0] == "SPG101"]
    assert where == span(source, "p.start()")


def test_aliases_through_assignments() -> None:
    source = dedent("""
        import multiprocessing
        from torch.utils.data import DataLoader

        Loader = DataLoader
        start_process = multiprocessing.Process
        workers = 2
        loader = Loader(range(4), num_workers=workers)
        same_loader = loader
        for batch in same_loader:
            pass
        job = start_process(target=print)
        job.start()
        """)
    assert found(source) == [
        ("SPG101", span_in(source, "in same_loader", "same_loader")),
        ("SPG101", span(source, "job.start()")),
    ]
