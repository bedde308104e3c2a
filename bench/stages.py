"""Where a first analysis spends its time: each stage beside `ast.parse` of the same file.

    python bench/stages.py FILE [--repeat N]

Runs the stages of `spawnguard.engine.analyze` one after another on a fresh model, each sample
beside an `ast.parse` of the text, and prints the median of each stage as milliseconds and as
a multiple of the parse. The rules are timed after the facts they share (worker detection, call
graph) are built, so each rule's line is its own cost. The last lines compare the sum of the
stages with a whole `analyze` call, show a floor — the cheapest Python loop that visits every node
of the tree once and records nothing — and say how much of a 2× budget is left once the parse
and the scope walk (which every rule reads) are paid.
Figures only: these machines are noisy, so nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import ast
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from spawnguard.analysis.collector import collector_paused
from spawnguard.analysis.findings import Finding
from spawnguard.analysis.model import ModuleModel
from spawnguard.analysis.parse import parse_source
from spawnguard.analysis.settings import DEFAULT_SETTINGS
from spawnguard.analysis.source import SourceText
from spawnguard.analysis.suppression import Suppressions
from spawnguard.engine import analyze, finalize, rules_for


def _timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def _visit_every_node(tree: ast.AST) -> int:
    """The floor of any analysis that looks at the whole tree in Python: each node once,
    nothing recorded, no dispatch on node types."""
    pending = [tree]
    push, pop = pending.append, pending.pop
    visited = 0
    while pending:
        node = pop()
        visited += 1
        for name in node._fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                for child in value:  # (a generator here costs a third more)
                    if isinstance(child, ast.AST):
                        push(child)
            elif isinstance(value, ast.AST):
                push(value)
    return visited


def _sample(text: str) -> dict[str, float]:
    """One run of every stage, in the engine's order, with its seconds."""
    seconds: dict[str, float] = {}

    def stage(name: str, action: Callable[[], object]) -> object:
        seconds[name], result = _timed(action)
        return result

    with collector_paused():
        stage("ast.parse", lambda: ast.parse(text))
        rules = stage("choose rules (text prefilters)", lambda: rules_for(text, DEFAULT_SETTINGS))
        assert isinstance(rules, list), "no rule can fire on this file: nothing is analysed"
        source = SourceText(text)
        suppressions = stage("suppression comments", lambda: Suppressions.scan(source))
        assert isinstance(suppressions, Suppressions)
        parsed = stage("parse (engine)", lambda: parse_source(source))
        model = stage("scope walk (model)", lambda: ModuleModel.build(
            source, parsed.tree, settings=DEFAULT_SETTINGS, path=None))  # type: ignore[attr-defined]
        assert isinstance(model, ModuleModel)
        stage("worker detection", lambda: model.worker_facts)
        stage("call graph", lambda: model.call_graph)
        found: list[Finding] = []
        for rule in rules:
            stage(f"rule {rule.code}", lambda rule=rule: found.extend(rule.check(model)))
        stage("finalize findings", lambda: finalize(found, source, suppressions,
                                                    DEFAULT_SETTINGS))
    seconds["whole analyze()"], _ = _timed(lambda: analyze(text))
    tree = ast.parse(text)
    seconds["floor"], _ = _timed(lambda: _visit_every_node(tree))
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--repeat", type=int, default=101, help="samples (median)")
    options = parser.parse_args()
    if not options.file.is_file():
        parser.error(f"not a file: {options.file}")
    if options.repeat < 1:
        parser.error("--repeat must be at least 1")
    text = options.file.read_text(encoding="utf-8", errors="replace")
    try:
        ast.parse(text)
    except (SyntaxError, ValueError) as error:
        parser.error(f"{options.file} does not parse ({error}); the stages are those of a file "
                     "that does")
    if rules_for(text, DEFAULT_SETTINGS) is None:
        print(f"{options.file}: no rule can fire on this text; it is not parsed or analysed")
        return 0
    samples = [_sample(text) for _ in range(options.repeat)]
    medians = {name: statistics.median(s[name] for s in samples) for name in samples[0]}
    parse = medians.pop("ast.parse")
    whole = medians.pop("whole analyze()")
    floor = medians.pop("floor")
    print(f"{options.file}: {text.count(chr(10))} lines, {len(ast.parse(text).body)} top-level "
          f"statements, median of {options.repeat}")
    print(f"  {'ast.parse':34} {parse * 1000:8.3f} ms   1.00x")
    for name, value in medians.items():
        print(f"  {name:34} {value * 1000:8.3f} ms   {value / parse:.2f}x")
    rules = sum(value for name, value in medians.items() if name.startswith("rule "))
    print(f"  {'the rules together':34} {rules * 1000:8.3f} ms   {rules / parse:.2f}x")
    print(f"  {'sum of the stages':34} {sum(medians.values()) * 1000:8.3f} ms   "
          f"{sum(medians.values()) / parse:.2f}x")
    print(f"  {'whole analyze()':34} {whole * 1000:8.3f} ms   {whole / parse:.2f}x")
    print(f"  {'floor: every node visited once':34} {floor * 1000:8.3f} ms   {floor / parse:.2f}x"
          "   (Python's cheapest whole-tree pass, recording nothing)")
    left = 2 * parse - medians["parse (engine)"] - medians["scope walk (model)"]
    rest = sum(medians.values()) - medians["parse (engine)"] - medians["scope walk (model)"]
    if left > 0:
        print(f"  2x budget left after the parse and the scope walk: {left * 1000:.3f} ms; "
              f"the other stages take {rest * 1000:.3f} ms ({rest / left:.1f}x that)")
    else:
        print("  the parse and the scope walk alone exceed 2x; the other stages take "
              f"{rest * 1000:.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
