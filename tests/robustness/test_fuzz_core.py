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
from robustness.corpus import seed_texts, small_seed_texts
from robustness.mutations import (
    EDIT_SNIPPETS,
    MUTATIONS,
    ODD_CHARACTERS,
    TOKENS,
    edit_sequence,
    mutated_case,
    splice_seed_lines,
)

MUTATION_BATCHES = 6
MUTATION_BATCH_SIZE = 40
EDIT_SEQUENCES = 30
FUZZ_SETTINGS = settings(max_examples=60, deadline=None,
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

SEED_LINES = sorted({line for _, text in small_seed_texts()
                     for line in text.splitlines(keepends=True)})
FRAGMENTS = st.one_of(
    st.sampled_from(SEED_LINES),
    st.sampled_from(TOKENS),
    st.sampled_from(ODD_CHARACTERS),
    st.text(max_size=8),
)
INDENTS = st.sampled_from(["", "", "    ", "\t", "  ", "\f"])


@st.composite
def composed_texts(draw: st.DrawFn) -> str:
    pieces = draw(st.lists(st.tuples(INDENTS, FRAGMENTS), max_size=30))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return "".join(indent + piece.replace("\n", newline) for indent, piece in pieces)


@FUZZ_SETTINGS
@given(composed_texts())
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
