"""SPG201, SPG202, SPG203: what is sent to workers must pickle by reference."""

from __future__ import annotations

import pytest

from .helpers import codes, dedent, found, run, span, span_in

GUARDED_LOADER = """
if __name__ == "__main__":
    for batch in loader:
        pass
"""


def loader_script(arguments: str, before: str = "", workers: int = 2) -> str:
    return (
        "import functools\nfrom torch.utils.data import DataLoader, Dataset\n\n"
        "class Squares(Dataset):\n    def __len__(self):\n        return 4\n\n"
        "    def __getitem__(self, i):\n        return i * i\n\n"
        "def collate(batch):\n    return batch\n\n"
        f"{before}"
        f"loader = DataLoader(Squares(), num_workers={workers}, {arguments})\n"
        + GUARDED_LOADER
    )


def test_lambda_collate_fn_is_spg201_at_the_argument() -> None:
    source = loader_script("collate_fn=lambda b: b")
    assert found(source) == [("SPG201", span(source, "lambda b: b"))]


def test_lambda_with_no_workers_or_in_parent_side_arguments_is_fine() -> None:
    assert codes(loader_script("collate_fn=lambda b: b", workers=0)) == []
    assert codes(loader_script("sampler=[0, 1].__iter__, batch_sampler=None")) == []
    parent_side = loader_script("sampler=(lambda: iter(range(4)))()")
    assert codes(parent_side) == []


def test_module_level_lambda_through_a_name_points_at_both() -> None:
    source = loader_script("worker_init_fn=init", before="init = lambda worker_id: None\n\n")
    [finding] = run(source)
    assert finding.code == "SPG201"
    where = span_in(source, "worker_init_fn=init)", "init)")
    assert (finding.range.start.line, finding.range.start.character) == where[:2]
    assert finding.related[0].range.start.line == span(source, "lambda worker_id")[0]


def test_nested_function_and_local_class_instance() -> None:
    source = dedent("""
        import multiprocessing as mp
        from torch.utils.data import DataLoader

        def main():
            def square(x):
                return x * x

            class Local:
                def __len__(self):
                    return 2

                def __getitem__(self, i):
                    return i

            with mp.Pool(2) as pool:
                print(pool.map(square, range(3)))
            for b in DataLoader(Local(), num_workers=2):
                pass

        if __name__ == "__main__":
            main()
        """)
    assert found(source) == [
        ("SPG201", span_in(source, "map(square", "square")),
        ("SPG201", span(source, "Local()")),
    ]
    messages = [f.message for f in run(source)]
    assert "nested function `square`" in messages[0]
    assert "local class `Local`" in messages[1]


def test_bound_method_of_local_instance_and_partials() -> None:
    source = dedent("""
        import functools
        import multiprocessing as mp

        def scale(x, factor):
            return x * factor

        def main():
            class Job:
                def run(self, x):
                    return x

            job = Job()
            with mp.Pool(2) as pool:
                pool.map(job.run, [1])
                pool.map(functools.partial(scale, factor=2), [1])
                pool.map(functools.partial(lambda x, f: x * f, f=2), [1])

        if __name__ == "__main__":
            main()
        """)
    assert found(source) == [
        ("SPG201", span(source, "job.run")),
        ("SPG201", span(source, "functools.partial(lambda x, f: x * f, f=2)")),
    ]


def test_partial_messages_keep_the_module_name_lowercase() -> None:
    source = dedent("""
        import functools
        import multiprocessing as mp

        def scale(x, factor):
            return x * factor

        if __name__ == "__main__":
            def guarded(x):
                return x

            with mp.Pool(2) as pool:
                pool.map(functools.partial(lambda x, f: x * f, f=2), [1])
                pool.map(functools.partial(scale, factor=lambda: 2), [1])
                pool.map(functools.partial(guarded), [1])
        """)
    messages = [(f.code, f.message.split(" is ")[0]) for f in run(source)]
    assert messages == [
        ("SPG201", "A functools.partial of a lambda"),
        ("SPG201", "A functools.partial with a lambda"),
        ("SPG202", "A functools.partial of the function `guarded`"),
    ]
    assert all("Functools" not in f.message for f in run(source))


def test_process_target_args_and_thread_pools() -> None:
    source = dedent("""
        import multiprocessing as mp
        from concurrent.futures import ThreadPoolExecutor

        def work(fn):
            fn()

        if __name__ == "__main__":
            p = mp.Process(target=work, args=(lambda: print("x"),))
            p.start()
            with ThreadPoolExecutor() as ex:
                ex.submit(lambda: 1)
        """)
    assert found(source) == [("SPG201", span(source, 'lambda: print("x")'))]


def test_assume_fork_reports_only_tasks() -> None:
    source = dedent("""
        import multiprocessing as mp

        if __name__ == "__main__":
            mp.Process(target=lambda: None).start()
            with mp.Pool(2) as pool:
                pool.map(lambda x: x, [1])
        """)
    assert codes(source) == ["SPG201", "SPG201"]
    assert found(source, assume_start_method="fork") == [
        ("SPG201", span(source, "lambda x: x"))]


MAP_PRELUDE = """\
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor


class Plain:
    def __init__(self, v):
        self.v = v


def work(obj):
    return obj


def main():
    class Box:
        def __init__(self, v):
            self.v = v

    items = [Box(1), Box(2)]
    plain = [Plain(1), Plain(2)]
    with mp.Pool(2) as pool, ProcessPoolExecutor(2) as ex:
"""


@pytest.mark.parametrize(
    ("call", "reported"),
    [
        ("pool.map(work, [Box(1), Box(2)])", ["Box(1)", "Box(2)"]),
        ("pool.imap(work, (Box(1),))", ["Box(1)"]),
        ("pool.imap_unordered(work, {Box(1)})", ["Box(1)"]),
        ("pool.map_async(work, [Box(i) for i in range(3)]).get()", ["Box(i)"]),
        ("pool.map(work, iterable=(Box(i) for i in range(3)))", ["Box(i)"]),
        ("pool.map(work, [lambda v: v + 1])", ["lambda v: v + 1"]),
        ("pool.starmap(work, [(1, Box(2))])", ["Box(2)"]),
        ("pool.starmap_async(work, [(i, lambda: i) for i in range(2)]).get()", ["lambda: i"]),
        ("pool.map(work, items)", ["Box(1)", "Box(2)"]),
        ("list(ex.map(work, [1, 2], [Box(3)]))", ["Box(3)"]),
        ("list(ex.map(work, [Box(1)], timeout=5))", ["Box(1)"]),
        # Nothing that cannot pickle, or nothing known about the items.
        ("pool.map(work, [1, Plain(2), work])", []),
        ("pool.map(work, plain)", []),
        ("pool.map(work, [Plain(i) for i in range(3)])", []),
        ("pool.map(work, list(items))", []),
        ("pool.map(work, [*items])", []),
        ("pool.starmap(work, [Box(1)])", []),
        ("pool.map(work, [1, 2], 4)", []),
    ],
)
def test_items_of_a_mapped_iterable_are_task_arguments(call: str, reported: list[str]) -> None:
    source = MAP_PRELUDE + "        " + call + '\n\n\nif __name__ == "__main__":\n    main()\n'
    context = "        " + call
    # Items of a name are reported where the list is written.
    expected = [("SPG201", span_in(source, context, text) if text in call else span(source, text))
                for text in reported]
    assert found(source) == expected
    # Tasks are pickled under fork too.
    assert found(source, assume_start_method="fork") == expected


def test_mapped_items_defined_inside_the_guard_are_spg202() -> None:
    source = dedent("""
        import multiprocessing as mp

        def work(obj):
            return obj

        if __name__ == "__main__":
            class Job:
                pass

            with mp.Pool(2) as pool:
                pool.map(work, [Job()])
        """)
    assert found(source) == [("SPG202", span(source, "Job()"))]


def test_class_defined_inside_the_guard_is_spg202() -> None:
    source = dedent("""
        import multiprocessing as mp
        from torch.utils.data import DataLoader

        if __name__ == "__main__":
            class Squares:
                def __len__(self):
                    return 4

                def __getitem__(self, i):
                    return i

            def work():
                print("w")

            mp.Process(target=work).start()
            for b in DataLoader(Squares(), num_workers=2):
                pass
        """)
    findings = run(source)
    assert [(f.code, f.range.start.line) for f in findings] == [
        ("SPG202", span(source, "target=work")[0]), ("SPG202", span(source, "Squares()")[0])]
    assert "Can't get attribute 'work'" in findings[0].message
    assert findings[1].related[0].range.start.line == span(source, "class Squares")[0]
    assert codes(source, assume_start_method="fork") == []


STATEFUL = {
    "open": ("self.f = open(path)", True),
    "lock": ("self.lock = threading.Lock()", True),
    "sqlite": ("self.db = sqlite3.connect(path)", True),
    "generator-expression": ("self.items = (i for i in range(3))", True),
    "generator-function": ("self.items = numbers()", True),
    "lambda": ("self.transform = lambda x: x", True),
    "lazy-none": ("self.f = None", False),
    "path": ("self.path = path", False),
}


@pytest.mark.parametrize("case", sorted(STATEFUL))
def test_dataset_state(case: str) -> None:
    statement, expected = STATEFUL[case]
    source = dedent(f"""
        import sqlite3
        import threading
        from torch.utils.data import DataLoader, Dataset

        def numbers():
            yield 1

        class Lines(Dataset):
            def __init__(self, path):
                {statement}

            def __len__(self):
                return 1

            def __getitem__(self, i):
                return i

        if __name__ == "__main__":
            for b in DataLoader(Lines("x.txt"), num_workers=2):
                pass
        """)
    if expected:
        [finding] = run(source)
        assert finding.code == "SPG203"
        assert (finding.range.start.line, finding.range.start.character) == span(
            source, 'Lines("x.txt")')[:2]
        assert finding.related[0].range.start.line == span(source, statement)[0]
        attribute = statement.split("=")[0].strip().removeprefix("self.")
        assert f"self.{attribute}" in finding.message
    else:
        assert codes(source) == []
    assert codes(source.replace("num_workers=2", "num_workers=0")) == []


def test_lambda_argument_is_reported_and_getstate_silences_state() -> None:
    source = dedent("""
        from torch.utils.data import DataLoader

        class Lines:
            def __init__(self, path, transform=None):
                self.f = open(path)
                self.transform = transform

            def __getstate__(self):
                return {"transform": self.transform}

            def __len__(self):
                return 1

            def __getitem__(self, i):
                return i

        if __name__ == "__main__":
            for b in DataLoader(Lines("x", transform=lambda x: x), num_workers=2):
                pass
        """)
    assert codes(source) == []  # __getstate__ is trusted to handle the state
    without_hook = source.replace("__getstate__", "unrelated")
    findings = run(without_hook)
    assert [f.code for f in findings] == ["SPG203", "SPG203"]
    assert "`self.f`" in findings[0].message
    assert "`transform`" in findings[1].message
    assert findings[1].related[0].range.start.line == span(without_hook, "lambda x: x")[0]
