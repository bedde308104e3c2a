"""Guards inside functions (issue 13 item 4): an early return for the spawn child guards the
rest of its block, and a finding reached through a call chain is reported on the
module-level call that starts it, with the start and every later call as related
locations."""

from __future__ import annotations

import ast

import pytest

from spawnguard.analysis.findings import Finding
from spawnguard.fixes.apply import apply_edits

from .helpers import Span, dedent, found, run, span, span_in, span_of

POOL_FORMS = {
    "import": ("import multiprocessing as mp\n", "mp.Pool(2)"),
    "from": ("from multiprocessing import Pool\n", "Pool(2)"),
    "alias": ("from multiprocessing import Pool as P\n", "P(2)"),
    "torch": ("import torch.multiprocessing as tmp\n", "tmp.Pool(2)"),
    "context": ("import multiprocessing\nctx = multiprocessing.get_context('spawn')\n",
                "ctx.Pool(2)"),
}


def with_early_return(test: str, form: str = "import", before_return: str = "",
                      call: str = "main()\n") -> str:
    header, pool = POOL_FORMS[form]
    return header + dedent(f"""
        def work(x):
            return x

        def main():
            if {test}:
                {before_return}return
            with {pool} as pool:
                print(pool.map(work, [1]))

        """) + call


GUARDING_TESTS = [
    '__name__ != "__main__"',
    '"__main__" != __name__',
    '__name__ == "__mp_main__"',
    'not __name__ == "__main__"',
    '__name__ not in ("__main__",)',
]


@pytest.mark.parametrize("test", GUARDING_TESTS)
def test_early_return_guards_the_rest_of_the_function(test: str) -> None:
    assert found(with_early_return(test)) == []


@pytest.mark.parametrize("form", sorted(POOL_FORMS))
def test_every_import_form(form: str) -> None:
    assert found(with_early_return('__name__ != "__main__"', form)) == []
    assert [c for c, _ in found(with_early_return('__name__ != "__mp_main__"', form))] == [
        "SPG101"]


def test_work_before_the_return_stays_import_time_code() -> None:
    source = with_early_return('__name__ != "__main__"',
                               before_return="print('child')\n" + " " * 16)
    assert found(source) == []


@pytest.mark.parametrize("test", [
    '__name__ == "__main__"',  # returns in the parent: the rest runs only in the child
    '__name__ != "__mp_main__"',
    '__name__ != "__main__" and verbose',  # may be false in the child
    "verbose",
])
def test_returns_that_do_not_guard(test: str) -> None:
    source = with_early_return(test)
    assert found(source) == [("SPG101", span(source, "main()", 2))]


@pytest.mark.parametrize("exit_statement", ["raise SystemExit", "sys.exit()", "pass"])
def test_only_a_return_guards(exit_statement: str) -> None:
    # A child that raises or exits dies while importing the script: its parent still fails.
    source = "import sys\n" + with_early_return('__name__ != "__main__"').replace(
        "        return\n", f"        {exit_statement}\n", 1)
    assert exit_statement in source
    assert [c for c, _ in found(source)] == ["SPG101"]


def test_early_return_in_a_helper_guards_only_the_helper() -> None:
    source = dedent("""
        import multiprocessing as mp

        def only_in_parent():
            if __name__ != "__main__":
                return

        def main():
            only_in_parent()
            mp.Process(target=print).start()

        main()
        """)
    assert found(source) == [("SPG101", span(source, "main()", 2))]


@pytest.mark.parametrize(("block", "guarded"), [
    ("try:\n        {guard}\n        {start}\n    except OSError:\n        pass\n", True),
    ("while True:\n        {guard}\n        {start}\n        break\n", True),
    ("with open(__file__):\n        {guard}\n        {start}\n", True),
    ("for _ in range(1):\n        {guard}\n        {start}\n", True),
    # A `finally` runs on the way out of the return.
    ("try:\n        {guard}\n    finally:\n        {start}\n", False),
    ("if verbose:\n        {guard}\n    {start}\n", False),
])
def test_the_rest_of_the_block_is_guarded(block: str, guarded: bool) -> None:
    body = block.format(guard='if __name__ != "__main__":\n            return',
                        start="mp.Process(target=print).start()")
    source = f"import multiprocessing as mp\nverbose = True\ndef main():\n    {body}\nmain()\n"
    ast.parse(source)
    assert [c for c, _ in found(source)] == ([] if guarded else ["SPG101"])


def test_set_start_method_after_an_early_return() -> None:
    source = dedent("""
        import multiprocessing as mp

        def setup():
            if __name__ != "__main__":
                return
            mp.set_start_method("spawn")

        setup()
        """)
    assert found(source) == []
    unguarded = source.replace('    if __name__ != "__main__":\n        return\n', "")
    [finding] = run(unguarded)
    assert finding.code == "SPG102"
    assert _span(finding) == span(unguarded, "setup()", 2)
    assert [(span_of(r.range), r.message) for r in finding.related] == [
        (span(unguarded, 'mp.set_start_method("spawn")'), "set_start_method() is called here")]


# --- call chains: where the finding goes --------------------------------------------------

CHAIN = dedent("""
    from torch.utils.data import DataLoader

    loader = DataLoader(range(8), batch_size=4, num_workers=2)

    def accuracy(data):
        hits = 0
        for batch in data:
            hits += len(batch)
        return hits

    def report():
        print(accuracy(loader))

    report()
    """)


def _span(finding: Finding) -> Span:
    return span_of(finding.range)



def test_chain_is_reported_on_the_module_level_call() -> None:
    [finding] = run(CHAIN)
    assert finding.code == "SPG101"
    assert _span(finding) == span(CHAIN, "report()", 2)
    assert "report() → accuracy(loader)" in finding.message
    assert [(span_of(r.range), r.message) for r in finding.related] == [
        (span_in(CHAIN, "accuracy(loader)", "loader"),
         "the workers start here: accuracy(loader)"),
        (span_in(CHAIN, "for batch in data", "data"), "accuracy() iterates it here"),
        (span(CHAIN, "DataLoader(range(8), batch_size=4, num_workers=2)"),
         "the DataLoader is created here"),
    ]


def test_each_hop_of_a_longer_chain_is_related() -> None:
    source = dedent("""
        import multiprocessing as mp

        def start():
            mp.Process(target=print).start()

        def run():
            start()

        def main():
            run()

        outcome = main()
        """)
    [finding] = run(source)
    assert _span(finding) == span(source, "main()", 2)
    assert [(span_of(r.range), r.message) for r in finding.related] == [
        (span(source, "run()", 2), "run() is called here from main()"),
        (span_in(source, "    start()\n", "start()"), "start() is called here from run()"),
        (span(source, "mp.Process(target=print).start()"),
         "the workers start here: mp.Process(target=print).start()"),
    ]


def test_unchained_start_keeps_its_own_range() -> None:
    source = "import multiprocessing as mp\nmp.Process(target=print).start()\n"
    [finding] = run(source)
    assert _span(finding) == span(source, "mp.Process(target=print).start()")
    assert finding.related == ()


@pytest.mark.parametrize("entry", ["report()", "result = report()",
                                   "with open(__file__):\n    report()"])
def test_the_fix_wraps_the_statement_that_starts_the_chain(entry: str) -> None:
    source = CHAIN.replace("\nreport()\n", f"\n{entry}\n")
    [finding] = run(source)
    fix = next(f for f in finding.fixes if f.preferred)
    fixed = apply_edits(source, fix.edits)
    tree = ast.parse(fixed)
    guard = tree.body[-1]
    assert isinstance(guard, ast.If) and ast.unparse(guard.test) == "__name__ == '__main__'"
    assert ast.unparse(guard.body[-1]) == ast.unparse(ast.parse(entry).body[0])
    # The definitions stay at top level; the rule is gone.
    assert fixed.index("def report") < fixed.index("if __name__")
    assert [f.code for f in run(fixed)] == []


def test_suppression_goes_on_the_reported_line() -> None:
    suppressed = CHAIN.replace("\nreport()\n", "\nreport()  # spawnguard: ignore[SPG101]\n")
    assert found(suppressed) == []
    [finding] = run(CHAIN)
    suppress = next(f for f in finding.fixes if f.is_suppression)
    assert found(apply_edits(CHAIN, suppress.edits)) == []


def test_spg501_counts_only_what_runs_before_the_early_return() -> None:
    idle = with_early_return('__name__ != "__main__"')
    assert found(idle, select=("SPG501",)) == []
    busy = with_early_return('__name__ != "__main__"', before_return="print('child')\n" + " " * 16)
    assert [c for c, _ in found(busy, select=("SPG501",))] == ["SPG501"]


def test_chain_locations_reach_sarif_and_the_language_server() -> None:
    from lsprotocol import types

    from spawnguard.output import sarif
    from spawnguard.server.diagnostics import to_diagnostic

    [finding] = run(CHAIN)
    result = sarif.result_object("job.py", finding, {})
    region = result["locations"][0]["physicalLocation"]["region"]
    report_line = span(CHAIN, "report()", 2)[0]
    assert (region["startLine"], region["startColumn"]) == (report_line, 1)
    loop_line = span(CHAIN, "for batch in data")[0]
    assert loop_line in [r["physicalLocation"]["region"]["startLine"]
                         for r in result["relatedLocations"]]

    def locate(found_range):
        start, end = found_range
        return "file:///job.py", types.Range(types.Position(start.line - 1, start.character),
                                             types.Position(end.line - 1, end.character))

    diagnostic = to_diagnostic(finding, locate, lambda path, r: None)  # type: ignore[arg-type]
    assert diagnostic.range.start.line == report_line - 1
    assert [(i.location.range.start.line, i.message) for i in diagnostic.related_information
            or ()][1] == (loop_line - 1, "accuracy() iterates it here")
