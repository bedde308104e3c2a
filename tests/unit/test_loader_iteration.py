"""SPG101 details: generator functions given a loader, and argparse defaults read through
argument groups and `parse_known_args()` unpacking."""

from __future__ import annotations

import pytest

from spawnguard.analysis.findings import Severity

from .helpers import codes, dedent, run, span, span_in

LOADER = """
import argparse
import torch
from torch.utils.data import DataLoader, TensorDataset

dl = DataLoader(TensorDataset(torch.arange(4.0)), batch_size=2, num_workers=2)
"""

FOREVER = """
def forever(loader):
    while True:
        for (b,) in loader:
            yield b
"""


def spg101(source: str) -> list[tuple[int, int]]:
    return [(f.range.start.line, f.range.start.character)
            for f in run(source) if f.code == "SPG101"]


# --- generator functions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "after",
    [
        "stream = forever(dl)\n",
        "stream = forever(loader=dl)\n",
        "stream = forever(dl)\nif __name__ == '__main__':\n    print(next(stream))\n",
        "stream = forever(dl)\nif __name__ == '__main__':\n    for b in stream:\n        break\n",
        "def main():\n    return next(forever(dl))\n\nif __name__ == '__main__':\n    main()\n",
    ],
)
def test_calling_a_generator_function_iterates_nothing(after: str) -> None:
    assert spg101(dedent(LOADER) + dedent(FOREVER) + after) == []


@pytest.mark.parametrize(
    ("after", "started"),
    [
        ("stream = forever(dl)\nfirst = next(stream)\n", "stream)"),
        ("first = next(forever(dl))\n", "forever(dl))"),
        ("stream = forever(dl)\nfor b in stream:\n    break\n", "stream:"),
        ("batches = list(forever(dl))\n", "forever(dl))"),
    ],
)
def test_iterating_the_generator_at_import_starts_the_workers(after: str,
                                                              started: str) -> None:
    source = dedent(LOADER) + dedent(FOREVER) + after
    [finding] = [f for f in run(source) if f.code == "SPG101"]
    assert (finding.range.start.line, finding.range.start.character) == span(
        source, started)[:2]
    assert "passed to the generator forever(), which iterates it" in finding.message
    assert finding.severity is Severity.ERROR


def test_generator_that_passes_the_loader_on_and_plain_function_still_count() -> None:
    source = dedent(LOADER) + dedent("""
        def consume(loader):
            for b in loader:
                pass

        def gen(loader):
            consume(loader)
            yield 1

        stream = gen(dl)
        consume(dl)
        """)
    assert spg101(source) == [span_in(source, "consume(dl)\n", "dl")[:2]]
    assert len(spg101(source + "next(stream)\n")) == 2


def test_generator_not_iterating_the_loader_and_loader_without_workers() -> None:
    source = dedent(LOADER) + dedent("""
        def sizes(loader):
            yield len(loader)

        print(next(sizes(dl)))
        """)
    assert spg101(source) == []
    looped = dedent(LOADER).replace("num_workers=2", "num_workers=0") + dedent(FOREVER) \
        + "print(next(forever(dl)))\n"
    assert spg101(looped) == []


# --- argparse defaults -----------------------------------------------------------------------

ARGPARSE = """
import argparse
from torch.utils.data import DataLoader

parser = argparse.ArgumentParser()
{declare}
{parse}

for batch in DataLoader(range(4), num_workers=args.workers):
    pass
"""


@pytest.mark.parametrize(
    "declare",
    [
        'group = parser.add_argument_group("data")\n'
        'group.add_argument("--workers", type=int, default={n})',
        'parser.add_mutually_exclusive_group().add_argument("--workers", type=int, default={n})',
        'group = parser.add_argument_group("data")\n'
        'inner = group.add_mutually_exclusive_group(required=False)\n'
        'inner.add_argument("-w", "--workers", type=int, default={n})',
        'parser.add_argument("--workers", type=int, default={n})',
    ],
)
@pytest.mark.parametrize(
    "parse",
    ["args = parser.parse_args()", "args, _ = parser.parse_known_args()",
     "(args, rest) = parser.parse_known_args(['--x'])", "[args, rest] = parser.parse_known_args()"],
)
def test_argparse_default_through_groups_and_parse_known_args(declare: str, parse: str) -> None:
    zero = dedent(ARGPARSE).format(declare=declare.format(n=0), parse=parse)
    assert codes(zero) == []
    [finding] = run(zero.replace("default=0", "default=2"))
    assert (finding.code, finding.severity) == ("SPG101", Severity.ERROR)


@pytest.mark.parametrize(
    "parse",
    [
        "_, args = parser.parse_known_args()",  # the second item is the leftover list
        "args, *rest = parser.parse_known_args()",
        "args, _ = other.parse_known_args()",
    ],
)
def test_other_unpackings_leave_the_worker_count_unknown(parse: str) -> None:
    source = dedent(ARGPARSE).format(
        declare='parser.add_argument("--workers", type=int, default=0)\nother = object()',
        parse=parse)
    [finding] = run(source)
    assert (finding.code, finding.severity) == ("SPG101", Severity.WARNING)


def test_tuple_literal_unpacking_reads_the_matching_item() -> None:
    source = dedent("""
        from torch.utils.data import DataLoader

        workers, size = 0, 4
        for batch in DataLoader(range(size), num_workers=workers):
            pass
        """)
    assert codes(source) == []
    assert codes(source.replace("= 0, 4", "= 2, 4")) == ["SPG101"]
