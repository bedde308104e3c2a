"""The robustness fuzzers of `tests/robustness/`, run much longer.

    python bench/fuzz.py [--cases 10000] [--seconds 600] [--jobs 2] [--seed 0]
                         [--runtime 12] [--only mutation,edits,...] [--replay FUZZER:SEED]

Fuzzers (their share of `--cases`):
- mutation  mutated real files: analyze never raises, ranges inside the text; fix_text never raises
- edits     random edit sequences: cached re-analysis equals analysis from scratch
- composed  hypothesis texts of real lines, tokens and odd characters: as mutation
- programs  hypothesis-generated scripts: every fix is safe, fix_text idempotent
- runtime   `--runtime N` generated scripts run under fork, and fixed under spawn (slow)

Cases run in batches over `--jobs` processes until the target or the time budget is reached.
Prints, per fuzzer: cases, failures, seconds; then each failure (up to 10) with the
`--replay` argument that reproduces it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hypothesis import HealthCheck, Phase, given, seed, settings
from robustness.checks import PropertyFailure, check_all, check_incremental
from robustness.corpus import seed_lines, seed_texts, small_seed_texts
from robustness.fix_safety import check_fix_safety, check_runtime
from robustness.mutations import composed_texts, edit_sequence, mutated_case
from robustness.programs import Script, scripts

BATCH_SIZE = {"mutation": 50, "edits": 10, "composed": 50, "programs": 20, "runtime": 2}
SHARES = {"mutation": 0.6, "edits": 0.15, "composed": 0.15, "programs": 0.1}
SHOWN_FAILURES = 10


@dataclass
class BatchResult:
    fuzzer: str
    cases: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _failure(fuzzer: str, case_seed: int, error: BaseException, what: str = "") -> str:
    kind = "" if isinstance(error, PropertyFailure) else f"{type(error).__name__}: "
    first_lines = "\n    ".join(f"{kind}{error}".splitlines()[:12])
    return f"--replay {fuzzer}:{case_seed} {what}\n    {first_lines}"


def run_mutation(start: int, count: int) -> BatchResult:
    result = BatchResult("mutation")
    seeds = seed_texts()
    for case_seed in range(start, start + count):
        case = mutated_case(case_seed, seeds)
        try:
            check_all(case.text)
        except Exception as error:  # a crash of the checker is a failure too
            result.failures.append(_failure("mutation", case_seed, error, case.describe()))
        result.cases += 1
    return result


def run_edits(start: int, count: int) -> BatchResult:
    result = BatchResult("edits")
    for case_seed in range(start, start + count):
        try:
            check_incremental(edit_sequence(case_seed, small_seed_texts(), length=15))
        except Exception as error:
            result.failures.append(_failure("edits", case_seed, error))
        result.cases += 1
    return result


def _hypothesis_batch(fuzzer: str, strategy: object, check: Callable[[object], object],
                      start: int, count: int) -> BatchResult:
    """`count` examples of `strategy` from hypothesis seed `start`; failures are collected
    (not raised), so hypothesis neither stops nor shrinks."""
    result = BatchResult(fuzzer)

    @seed(start)
    @settings(max_examples=count, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(example: object) -> None:
        result.cases += 1
        try:
            check(example)
        except Exception as error:
            text = example.text if isinstance(example, Script) else example
            result.failures.append(_failure(fuzzer, start, error, f"on {text!r:.300}"))

    run()
    return result


def run_composed(start: int, count: int) -> BatchResult:
    return _hypothesis_batch("composed", composed_texts(seed_lines()),
                             lambda text: check_all(text), start, count)  # type: ignore[arg-type]


def run_programs(start: int, count: int) -> BatchResult:
    return _hypothesis_batch("programs", scripts(),
                             lambda script: check_fix_safety(script.text),  # type: ignore[attr-defined]
                             start, count)


def run_runtime(start: int, count: int) -> BatchResult:
    return _hypothesis_batch("runtime", scripts(runnable=True),
                             lambda script: check_runtime(script.text),  # type: ignore[attr-defined]
                             start, count)


FUZZERS: dict[str, Callable[[int, int], BatchResult]] = {
    "mutation": run_mutation, "edits": run_edits, "composed": run_composed,
    "programs": run_programs, "runtime": run_runtime,
}


def run_batch(fuzzer: str, start: int, count: int) -> BatchResult:
    started = time.perf_counter()
    result = FUZZERS[fuzzer](start, count)
    result.seconds = time.perf_counter() - started
    return result


def plan(args: argparse.Namespace) -> list[tuple[str, int, int]]:
    """(fuzzer, first seed, count) batches, interleaved so that a time budget cuts every
    fuzzer short alike."""
    chosen = args.only.split(",") if args.only else list(SHARES)
    queues: dict[str, list[tuple[str, int, int]]] = {}
    for fuzzer in chosen:
        if fuzzer == "runtime":
            continue
        share = SHARES[fuzzer] / sum(SHARES[f] for f in chosen if f in SHARES)
        total, size = round(args.cases * share), BATCH_SIZE[fuzzer]
        queues[fuzzer] = [(fuzzer, args.seed + first, min(size, total - first))
                          for first in range(0, total, size)]
    if args.runtime and (not args.only or "runtime" in chosen):
        size = BATCH_SIZE["runtime"]
        queues["runtime"] = [("runtime", args.seed + first, min(size, args.runtime - first))
                             for first in range(0, args.runtime, size)]
    batches = []
    while any(queues.values()):
        for queue in queues.values():
            if queue:
                batches.append(queue.pop(0))
    return batches


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000,
                        help="cases over mutation, edits, composed and programs")
    parser.add_argument("--seconds", type=float, default=600.0, help="time budget")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=0, help="first seed (cases are replayable)")
    parser.add_argument("--runtime", type=int, default=0,
                        help="generated scripts to run under fork and, fixed, under spawn")
    parser.add_argument("--only", help="comma-separated fuzzers")
    parser.add_argument("--replay", metavar="FUZZER:SEED", help="re-run one failing case")
    args = parser.parse_args(argv)

    if args.replay:
        fuzzer, _, case_seed = args.replay.partition(":")
        result = run_batch(fuzzer, int(case_seed), 1 if fuzzer in ("mutation", "edits")
                           else BATCH_SIZE[fuzzer])
        print("\n".join(result.failures) or "passes")
        return 1 if result.failures else 0

    started = time.monotonic()
    deadline = started + args.seconds
    cases: Counter[str] = Counter()
    seconds: Counter[str] = Counter()
    failures: dict[str, list[str]] = {}
    pending = plan(args)
    stopped_early = False
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        running: set[Future[BatchResult]] = set()
        while pending or running:
            while pending and len(running) < args.jobs * 2 and time.monotonic() < deadline:
                running.add(pool.submit(run_batch, *pending.pop(0)))
            if time.monotonic() >= deadline and pending:
                stopped_early = True
                pending.clear()
            if not running:
                break
            done, running = wait(running, timeout=max(0.0, deadline - time.monotonic()) + 1,
                                 return_when=FIRST_COMPLETED)
            for future in done:
                result = future.result()
                cases[result.fuzzer] += result.cases
                seconds[result.fuzzer] += result.seconds
                failures.setdefault(result.fuzzer, []).extend(result.failures)
    elapsed = time.monotonic() - started

    print(f"{'fuzzer':<10} {'cases':>7} {'failures':>9} {'cpu seconds':>12}")
    for fuzzer in cases:
        print(f"{fuzzer:<10} {cases[fuzzer]:>7} {len(failures[fuzzer]):>9} "
              f"{seconds[fuzzer]:>12.1f}")
    total_failures = sum(len(f) for f in failures.values())
    print(f"{'total':<10} {sum(cases.values()):>7} {total_failures:>9} "
          f"{sum(seconds.values()):>12.1f}   wall {elapsed:.1f}s on {args.jobs} processes"
          + ("  (time budget reached)" if stopped_early else ""))
    shown = [f for fuzzer in failures for f in failures[fuzzer]][:SHOWN_FAILURES]
    for failure in shown:
        print(failure)
    return 1 if total_failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
