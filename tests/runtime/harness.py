"""Run a script in a subprocess with its start method forced, and classify what happened.

The start method is forced without the script's cooperation: a `sitecustomize.py` on
PYTHONPATH swaps multiprocessing's default context (see `forced_start_method/`). The script
runs as `python script.py`, so its `__main__` is real and spawn children re-run it as
`__mp_main__` just as they would on Windows or macOS.
"""

from __future__ import annotations

import contextlib
import enum
import os
import re
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

FORCED_START_METHOD_DIR = Path(__file__).parent / "forced_start_method"
FORCE_ENV_VAR = "SPAWNGUARD_FORCE_START_METHOD"
START_METHODS = ("spawn", "forkserver", "fork")

DEFAULT_TIMEOUT = 30.0
# Once a fatal error shows in stderr, the script gets this long to end by itself before its
# process group is killed: a Pool whose workers die at bootstrap respawns them forever, and a
# parent waiting on a queue fed by a dead child never returns.
SETTLE_AFTER_FATAL_ERROR = 2.0
# After the script's own process exits, how long stray children may still write.
DRAIN_AFTER_EXIT = 0.5


class Outcome(str, enum.Enum):
    OK = "ok"
    BOOTSTRAP = "bootstrap"
    PICKLING = "pickling"
    CONTEXT_ALREADY_SET = "context-already-set"
    TIMEOUT = "timeout"
    OTHER = "other"


# Checked in this order: a bootstrap failure is the root cause even when a pickling error or
# a BrokenProcessPool follows it.
_BOOTSTRAP_TEXTS = (
    "An attempt has been made to start a new process before the current process has finished "
    "its bootstrapping phase",
    # Lightning's own check (strategy="ddp_spawn") for the same thing: a spawned process that
    # re-ran the unguarded script reached the launch again.
    "Launching multiple processes with the 'spawn' start method requires that your script "
    "guards the main function with an `if __name__ == \"__main__\"` clause",
)
_CONTEXT_ALREADY_SET_TEXT = "context has already been set"
_PICKLING_PATTERN = re.compile(
    r"Can't pickle|cannot pickle|Can't get attribute|Can't get local object|PicklingError"
)


def fatal_outcome_in(stderr: str) -> Outcome | None:
    """The failure that stderr (of the script or any of its children) reports, if any."""
    flat = " ".join(stderr.split())
    if any(text in flat for text in _BOOTSTRAP_TEXTS):
        return Outcome.BOOTSTRAP
    if _CONTEXT_ALREADY_SET_TEXT in flat:
        return Outcome.CONTEXT_ALREADY_SET
    if _PICKLING_PATTERN.search(stderr):
        return Outcome.PICKLING
    return None


def classify(stderr: str, returncode: int | None, timed_out: bool) -> Outcome:
    fatal = fatal_outcome_in(stderr)
    if fatal is not None:
        return fatal
    if timed_out:
        return Outcome.TIMEOUT
    # A traceback with exit code 0 is a child that died while the parent carried on.
    if returncode != 0 or "Traceback (most recent call last)" in stderr:
        return Outcome.OTHER
    return Outcome.OK


@dataclass(frozen=True)
class RunOutcome:
    path: Path
    start_method: str
    outcome: Outcome
    stdout: str
    stderr: str
    # None never happens in practice; negative when the harness killed the process.
    returncode: int | None
    duration: float
    timed_out: bool
    # The harness killed the process group after a fatal error instead of waiting it out.
    stopped_after_fatal_error: bool

    @property
    def stdout_lines(self) -> list[str]:
        return self.stdout.splitlines()

    def describe(self) -> str:
        """Everything needed to understand a failed assertion."""
        return (
            f"{self.path.name} under {self.start_method}: {self.outcome.value} "
            f"(returncode {self.returncode}, {self.duration:.1f}s, timed_out={self.timed_out}, "
            f"stopped_after_fatal_error={self.stopped_after_fatal_error})\n"
            f"--- stdout ---\n{self.stdout}--- stderr (last 3000 chars) ---\n{self.stderr[-3000:]}"
        )


def forced_environment(start_method: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    python_path = [str(FORCED_START_METHOD_DIR)]
    if env.get("PYTHONPATH"):
        python_path.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(python_path)
    env[FORCE_ENV_VAR] = start_method
    # Unbuffered so that output interleaves in the order it was written and nothing is lost
    # when the harness kills a hung script.
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # torch's intra-op threads only compete for the two cores the tests have.
    env.setdefault("OMP_NUM_THREADS", "1")
    # The framework scripts build their data and models in place: nothing is downloaded.
    for offline in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
        env.setdefault(offline, "1")
    env.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    return env


def run_script(
    path: str | os.PathLike[str],
    start_method: str,
    timeout: float = DEFAULT_TIMEOUT,
    *,
    settle: float = SETTLE_AFTER_FATAL_ERROR,
    cwd: str | os.PathLike[str] | None = None,
) -> RunOutcome:
    """Run `python path` with `start_method` as multiprocessing's default and classify it."""
    if start_method not in START_METHODS:
        raise ValueError(f"start_method must be one of {START_METHODS}, not {start_method!r}")
    script = Path(path).resolve()
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(script)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd if cwd is not None else script.parent,
        env=forced_environment(start_method),
        # Its own process group, so that every worker it starts can be killed with it.
        start_new_session=True,
    )
    try:
        stdout, stderr, timed_out, stopped = _collect(process, started + timeout, settle)
    finally:
        _kill_group(process)
        process.wait()
    returncode = process.returncode
    text_err = stderr.decode("utf-8", "replace")
    return RunOutcome(
        path=script,
        start_method=start_method,
        outcome=classify(text_err, returncode, timed_out),
        stdout=stdout.decode("utf-8", "replace"),
        stderr=text_err,
        returncode=returncode,
        duration=time.monotonic() - started,
        timed_out=timed_out,
        stopped_after_fatal_error=stopped,
    )


def _collect(
    process: subprocess.Popen[bytes], deadline: float, settle: float
) -> tuple[bytes, bytes, bool, bool]:
    """Read both pipes until they close, the deadline passes or a fatal error has settled."""
    assert process.stdout is not None and process.stderr is not None
    chunks: dict[int, list[bytes]] = {process.stdout.fileno(): [], process.stderr.fileno(): []}
    stderr_fd = process.stderr.fileno()
    selector = selectors.DefaultSelector()
    for stream in (process.stdout, process.stderr):
        selector.register(stream, selectors.EVENT_READ)
    fatal_seen_at: float | None = None
    exited_at: float | None = None
    timed_out = stopped = False
    try:
        while selector.get_map():
            now = time.monotonic()
            if exited_at is None and process.poll() is not None:
                exited_at = now
            limits = [deadline]
            if fatal_seen_at is not None:
                limits.append(fatal_seen_at + settle)
            if exited_at is not None:
                limits.append(exited_at + DRAIN_AFTER_EXIT)
            limit = min(limits)
            if now >= limit:
                if exited_at is None:
                    timed_out = fatal_seen_at is None
                    stopped = not timed_out
                break
            # Wake up now and then to notice the process exiting while children keep the
            # pipes open.
            for key, _ in selector.select(timeout=min(limit - now, 0.1)):
                data = os.read(key.fd, 65536)
                if not data:
                    selector.unregister(key.fileobj)
                    continue
                chunks[key.fd].append(data)
                if key.fd == stderr_fd and fatal_seen_at is None:
                    text = b"".join(chunks[stderr_fd]).decode("utf-8", "replace")
                    if fatal_outcome_in(text) is not None:
                        fatal_seen_at = time.monotonic()
    finally:
        selector.close()
    _kill_group(process)
    # Whatever the killed processes had already written is still in the pipes.
    for stream in (process.stdout, process.stderr):
        os.set_blocking(stream.fileno(), False)
        while True:
            try:
                data = os.read(stream.fileno(), 65536)
            except BlockingIOError:
                break
            if not data:
                break
            chunks[stream.fileno()].append(data)
    return (
        b"".join(chunks[process.stdout.fileno()]),
        b"".join(chunks[stderr_fd]),
        timed_out,
        stopped,
    )


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the script and everything it started (its session's process group)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
