"""Fuzzing the core: `analyze` never raises and keeps its ranges inside the text, `fix_text`
never raises, and cached re-analysis across edits equals analysis from scratch.

Bounded here (a few hundred cases, seconds); `bench/fuzz.py` runs the same fuzzers for
tens of thousands. A failing mutation case replays from the seed in its message.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robustness.checks import PropertyFailure, check_all, check_incremental
from robustness.corpus import seed_lines, seed_texts, small_seed_texts
from robustness.mutations import (
    EDIT_SNIPPETS,
    MUTATIONS,
    composed_texts,
    edit_sequence,
    mutated_case,
    splice_seed_lines,
)

MUTATION_BATCHES = 10
MUTATION_BATCH_SIZE = 50
EDIT_SEQUENCES = 40
FUZZ_SETTINGS = settings(max_examples=100, deadline=None,
                         suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("batch", range(MUTATION_BATCHES))
def test_mutated_real_files(batch: int) -> None:
    seeds = seed_texts()
    failures = []
    for seed in range(batch * MUTATION_BATCH_SIZE, (batch + 1) * MUTATION_BATCH_SIZE):
        case = mutated_case(seed, seeds)
        try:
            check_all(case.text)
        except PropertyFailure as failure:
            failures.append(f"{case.describe()}: {failure}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("seed", range(EDIT_SEQUENCES))
def test_random_edit_sequences_cached_equals_scratch(seed: int) -> None:
    check_incremental(edit_sequence(seed, small_seed_texts(), length=10))


# --- hypothesis: texts composed from real lines and troublemakers --------------------------

@FUZZ_SETTINGS
@given(composed_texts(seed_lines()))
def test_composed_texts(text: str) -> None:
    check_all(text)


@FUZZ_SETTINGS
@given(st.sampled_from(small_seed_texts()),
       st.lists(st.sampled_from([*MUTATIONS, "splice"]), min_size=1, max_size=4), st.randoms())
def test_hypothesis_chosen_mutations(seed: tuple[str, str], operators: list[str],
                                     rng: random.Random) -> None:
    _, text = seed
    splice = splice_seed_lines([t for _, t in small_seed_texts()])
    for operator in operators:
        text = splice(rng, text) if operator == "splice" else MUTATIONS[operator](rng, text)
    check_all(text)


EDITS = st.lists(st.tuples(st.floats(0, 1), st.integers(0, 50),
                           st.one_of(st.sampled_from(EDIT_SNIPPETS), st.text(max_size=4))),
                 min_size=1, max_size=10)


@FUZZ_SETTINGS
@given(st.sampled_from(small_seed_texts()), EDITS)
def test_hypothesis_edit_sequences(seed: tuple[str, str], edits: list) -> None:
    _, text = seed
    versions = [text]
    for fraction, length, new_text in edits:
        start = int(fraction * len(text))
        text = text[:start] + new_text + text[start + length:]
        versions.append(text)
    check_incremental(versions)


# --- cases the long runs of bench/fuzz.py found ---------------------------------------------

HEAD = "import multiprocessing as mp\n"
START = "mp.Process(target=print).start()\n"


@pytest.mark.parametrize("text", [
    HEAD + "def f():\n    x = 1\n\\\n    return x\n" + START,
    HEAD + "x = [\n" + "".join(f"{i},\n" for i in range(12)) + "]\n" + START,
], ids=["lone-backslash-in-column-0", "many-column-0-lines-in-brackets"])
def test_cached_analysis_of_valid_code_the_chunking_rule_splits(text: str) -> None:
    """Valid code that chunks badly: a cached analysis must still equal a fresh one."""
    check_incremental([HEAD + START, text, text + "\n"])


def test_replayed_edit_sequence_1434() -> None:
    """`bench/fuzz.py --replay edits:1434`: a backslash typed alone on a guard-body line."""
    check_incremental(edit_sequence(1434, small_seed_texts(), length=15))
