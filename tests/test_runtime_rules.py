"""Runtime proof of the rules: each script in `tests/runtime_scripts/` is run with the start
method forced to spawn and fork (forkserver where its header asks), and the measured outcome is
compared with the one its header declares; the analyser's verdict on the same text is compared
with the declared codes.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import NamedTuple

import pytest
from runtime.harness import Outcome, classify, run_script
from runtime.scripts import (
    KNOWN_REQUIREMENTS,
    TORCH_MISSING_REASON,
    ScriptSpec,
    all_specs,
    measure,
    measure_all,
    measured_up_front,
    missing_reason,
    runnable,
    timeout_mark,
    torch_available,
)
from runtime.verdict import analyse_script, describe_findings, verdict_codes

from spawnguard.analysis.findings import Severity
from spawnguard.engine import analyze
from spawnguard.rules import ALL_RULES


class Run(NamedTuple):
    spec: ScriptSpec
    start_method: str


SPECS = all_specs()
RUNS = [pytest.param(Run(spec, method), marks=timeout_mark(spec, 1))
        if not measured_up_front(spec) else Run(spec, method)
        for spec in SPECS for method in spec.outcomes]


def run_id(run: Run) -> str:
    return f"{run.spec.name}-{run.start_method}"


EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE_NAMES = sorted(p.name for p in (EXAMPLES_DIR / "broken").glob("*.py"))


def example_path(kind: str, name: str) -> Path:
    return EXAMPLES_DIR / kind / name


def example_needs_torch(name: str) -> bool:
    return "torch" in example_path("fixed", name).read_text(encoding="utf-8")


def planned_runs(item: pytest.Item) -> list[tuple[Path, str]]:
    """The script runs a selected test item will ask for."""
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec else {}
    run = params.get("run")
    if isinstance(run, Run) and runnable(run.spec) and measured_up_front(run.spec):
        return [(run.spec.path, run.start_method)]
    example = params.get("example")
    if isinstance(example, str) and (torch_available() or not example_needs_torch(example)):
        return [
            (example_path(k, example), m) for k in ("broken", "fixed") for m in ("spawn", "fork")
        ]
    return []


@pytest.fixture(scope="module")
def measured_in_parallel(request: pytest.FixtureRequest) -> None:
    """Measure every run selected in this session up front, two at a time."""
    measure_all(run for item in request.session.items for run in planned_runs(item))


@pytest.mark.runtime
@pytest.mark.parametrize("run", RUNS, ids=run_id)
def test_measured_outcome_matches_header(run: Run, measured_in_parallel: None) -> None:
    spec, method = run
    if not runnable(spec):
        pytest.skip(missing_reason(spec))
    result = measure(spec.path, method)
    assert result.outcome == spec.outcomes[method], result.describe()
    if result.outcome == Outcome.OK:
        assert tuple(result.stdout_lines) == spec.expected_stdout(method), result.describe()


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_analyser_verdict_matches_header(spec: ScriptSpec) -> None:
    findings = analyse_script(spec)
    assert verdict_codes(findings, spec.expected_codes) == spec.expected_codes, (
        f"{spec.name}: {spec.description}\nanalyser said:\n{describe_findings(findings)}"
    )


# --- the scripts themselves -------------------------------------------------------------------


# Rules proven elsewhere: across files on the multi-file projects of test_cross_file, in
# notebooks by running the cells under spawn in test_notebooks.
PROVEN_ELSEWHERE = {"SPG103", "SPG401"}


def test_every_rule_has_runtime_scripts() -> None:
    for rule in ALL_RULES:
        if rule.code in PROVEN_ELSEWHERE:
            continue
        own = [s for s in SPECS if s.name.startswith(rule.code.lower() + "_")]
        positives = [s for s in SPECS if rule.code in s.expected_codes]
        assert len(own) >= 2, f"{rule.code} needs at least two runtime scripts"
        assert positives, f"{rule.code} needs a runtime script that triggers it"


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_header_is_consistent(spec: ScriptSpec) -> None:
    """A script that fails under spawn must expect a finding, and a clean one must run."""
    assert spec.description, "the header must say what the script demonstrates"
    if spec.outcomes["spawn"] != Outcome.OK:
        assert spec.expected_codes, "fails under spawn but expects no finding"
    if not spec.expected_codes:
        assert all(o == Outcome.OK for o in spec.outcomes.values())
    assert spec.fix_codes <= spec.expected_codes
    if spec.fix_codes and spec.outcomes["fork"] != Outcome.OK:
        assert spec.fixed_stdout, "fixable, fails under fork: declare `# fixed-stdout:`"
    assert ("torch" in spec.text) == spec.requires_torch
    for package in KNOWN_REQUIREMENTS.keys() - {"torch"}:
        assert (package in imported_packages(spec.text)) == (package in spec.requires), (
            f"imports {package} iff `# requires:` names it")


def imported_packages(text: str) -> set[str]:
    """Top-level packages a script imports (`pytorch_lightning` counts as lightning)."""
    roots = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            roots |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.partition(".")[0])
    return {"lightning" if root == "pytorch_lightning" else root for root in roots}


# --- the harness ------------------------------------------------------------------------------

PROBE = """\
import multiprocessing as mp
import sys
from concurrent.futures import ProcessPoolExecutor


def seen_by_worker(_):
    return f"{mp.get_start_method()}:{sys.modules['__main__'].__name__}"


if __name__ == "__main__":
    print(f"before={mp.get_start_method(allow_none=True)}")
    with mp.Pool(1) as pool:
        print(f"pool={pool.map(seen_by_worker, [0])[0]}")
    with ProcessPoolExecutor(max_workers=1) as executor:
        print(f"executor={executor.submit(seen_by_worker, 0).result()}")
"""

TORCH_PROBE = """\
import multiprocessing as mp
import sys

from torch.utils.data import DataLoader, Dataset


class WhereAmI(Dataset):
    def __len__(self):
        return 1

    def __getitem__(self, index):
        return f"{mp.get_start_method()}:{sys.modules['__main__'].__name__}"


if __name__ == "__main__":
    print(f"dataloader={next(iter(DataLoader(WhereAmI(), batch_size=None, num_workers=1)))}")
"""

SET_METHOD_PROBE = """\
import multiprocessing as mp

print(f"before={mp.get_start_method(allow_none=True)}")
mp.set_start_method("forkserver")
print(f"after={mp.get_start_method()}")
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def child_main_name(method: str) -> str:
    return "__main__" if method == "fork" else "__mp_main__"


@pytest.mark.runtime
@pytest.mark.parametrize("method", ["spawn", "forkserver", "fork"])
def test_forced_method_is_the_default_for_pool_and_executor(method: str, tmp_path: Path) -> None:
    result = run_script(write(tmp_path, "probe.py", PROBE), method, timeout=30)
    seen = f"{method}:{child_main_name(method)}"
    assert result.outcome == Outcome.OK, result.describe()
    assert result.stdout_lines == ["before=None", f"pool={seen}", f"executor={seen}"]


@pytest.mark.runtime
@pytest.mark.skipif(not torch_available(), reason=TORCH_MISSING_REASON)
@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_forced_method_is_the_default_for_torch_dataloader(method: str, tmp_path: Path) -> None:
    result = run_script(write(tmp_path, "probe.py", TORCH_PROBE), method, timeout=60)
    assert result.outcome == Outcome.OK, result.describe()
    assert result.stdout_lines == [f"dataloader={method}:{child_main_name(method)}"]


@pytest.mark.runtime
@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_script_may_still_set_its_start_method(method: str, tmp_path: Path) -> None:
    """Forcing changes the default only: the script's own set_start_method still works once."""
    result = run_script(write(tmp_path, "probe.py", SET_METHOD_PROBE), method, timeout=30)
    assert result.outcome == Outcome.OK, result.describe()
    assert result.stdout_lines == ["before=None", "after=forkserver"]


def process_is_gone(pid: int) -> bool:
    """True once `pid` no longer runs (a zombie nobody reaps counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


@pytest.mark.runtime
def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    script = write(
        tmp_path,
        "hang.py",
        textwrap.dedent(
            """\
            import subprocess
            import sys
            import time

            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
            print(child.pid)
            time.sleep(120)
            """
        ),
    )
    result = run_script(script, "spawn", timeout=2)
    assert result.outcome == Outcome.TIMEOUT, result.describe()
    assert result.timed_out and result.returncode is not None and result.returncode < 0
    grandchild = int(result.stdout_lines[0])
    deadline = time.monotonic() + 5
    while not process_is_gone(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process_is_gone(grandchild)


@pytest.mark.runtime
def test_bootstrap_error_seen_only_in_a_child_while_the_parent_hangs() -> None:
    """A Pool at import time respawns dying workers forever: the parent never ends by itself."""
    spec = next(s for s in SPECS if s.name == "spg101_pool_at_import")
    result = measure(spec.path, "spawn")
    assert result.outcome == Outcome.BOOTSTRAP, result.describe()
    assert result.stopped_after_fatal_error and not result.timed_out
    # Several generations of workers died before the harness stopped it.
    assert result.stderr.count("bootstrapping phase") >= 2


@pytest.mark.runtime
def test_failing_script_reports_its_own_error(tmp_path: Path) -> None:
    script = write(tmp_path, "boom.py", "print('start')\nraise SystemExit('boom')\n")
    result = run_script(script, "spawn", timeout=10)
    assert (result.outcome, result.returncode, result.stdout_lines) == (
        Outcome.OTHER,
        1,
        ["start"],
    )
    assert "boom" in result.stderr


BOOTSTRAP_STDERR = """\
RuntimeError:
        An attempt has been made to start a new process before the
        current process has finished its bootstrapping phase.
"""


@pytest.mark.parametrize(
    ("stderr", "returncode", "timed_out", "expected"),
    [
        ("", 0, False, Outcome.OK),
        ('x.py:3: SyntaxWarning: "is" with a literal\n', 0, False, Outcome.OK),
        (BOOTSTRAP_STDERR, 0, False, Outcome.BOOTSTRAP),
        (BOOTSTRAP_STDERR + "BrokenProcessPool: ...\n", 1, False, Outcome.BOOTSTRAP),
        (BOOTSTRAP_STDERR, -9, True, Outcome.BOOTSTRAP),
        ("RuntimeError: context has already been set\n", -9, False, Outcome.CONTEXT_ALREADY_SET),
        ("_pickle.PicklingError: Can't pickle <function <lambda>>\n", 1, False, Outcome.PICKLING),
        ("TypeError: cannot pickle '_thread.lock' object\n", 1, False, Outcome.PICKLING),
        (
            "AttributeError: Can't get attribute 'X' on <module '__mp_main__'>\n",
            0,
            False,
            Outcome.PICKLING,
        ),
        ("AttributeError: Can't get local object 'f.<locals>.g'\n", 1, False, Outcome.PICKLING),
        ("", -9, True, Outcome.TIMEOUT),
        ("ValueError: nope\n", 1, False, Outcome.OTHER),
        ("Traceback (most recent call last):\nValueError: in a child\n", 0, False, Outcome.OTHER),
    ],
)
def test_classify(stderr: str, returncode: int, timed_out: bool, expected: Outcome) -> None:
    assert classify(stderr, returncode, timed_out) == expected


# --- the bundled examples ---------------------------------------------------------------------


def test_examples_come_in_pairs() -> None:
    fixed = sorted(p.name for p in (EXAMPLES_DIR / "fixed").glob("*.py"))
    assert EXAMPLE_NAMES and fixed == EXAMPLE_NAMES


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_example_findings(example: str) -> None:
    broken_text = example_path("broken", example).read_text(encoding="utf-8")
    fixed_text = example_path("fixed", example).read_text(encoding="utf-8")
    broken = analyze(broken_text, path=f"examples/broken/{example}")
    fixed = analyze(fixed_text, path=f"examples/fixed/{example}")
    assert any(f.severity >= Severity.WARNING for f in broken), describe_findings(broken)
    assert fixed == [], describe_findings(fixed)


def test_quick_start_command_finds_the_broken_examples() -> None:
    """`spawnguard check examples/` exits 1 because of `broken/` and reports each file there."""
    command = [sys.executable, "-m", "spawnguard", "check"]
    root = EXAMPLES_DIR.parent
    everything = subprocess.run(
        [*command, "examples/"], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert everything.returncode == 1, everything.stdout + everything.stderr
    for name in EXAMPLE_NAMES:
        assert f"examples/broken/{name}:" in everything.stdout
    assert "examples/fixed/" not in everything.stdout
    fixed_only = subprocess.run(
        [*command, "examples/fixed/"], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert fixed_only.returncode == 0, fixed_only.stdout + fixed_only.stderr


@pytest.mark.runtime
@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_example_runs(example: str, measured_in_parallel: None) -> None:
    """The broken script fails under spawn; the fixed one works under spawn and fork alike."""
    if example_needs_torch(example) and not torch_available():
        pytest.skip(TORCH_MISSING_REASON)
    broken_spawn = measure(example_path("broken", example), "spawn")
    broken_fork = measure(example_path("broken", example), "fork")
    fixed_spawn = measure(example_path("fixed", example), "spawn")
    fixed_fork = measure(example_path("fixed", example), "fork")
    assert broken_spawn.outcome != Outcome.OK, broken_spawn.describe()
    assert fixed_spawn.outcome == Outcome.OK, fixed_spawn.describe()
    assert fixed_fork.outcome == Outcome.OK, fixed_fork.describe()
    assert fixed_spawn.stdout and fixed_spawn.stdout == fixed_fork.stdout
    if broken_fork.outcome == Outcome.OK:
        assert broken_fork.stdout == fixed_spawn.stdout
